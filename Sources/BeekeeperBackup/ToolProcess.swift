import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How `pg_dump` and `psql` are started: by name from `PATH` or by path, in a process group of
/// their own (a Ctrl-C meant for the sidecar goes through its graceful shutdown, not straight to
/// the dump), stopped with SIGTERM and, 5 s later, SIGKILL when the run is cancelled.
enum ToolProcess {
    static func configuration(_ tool: String, _ arguments: [String], password: String?) -> Configuration {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(5))]
        // The password goes in the environment: a command line is visible to every local user.
        let environment: Environment = password.map { .inherit.updating(["PGPASSWORD": $0]) } ?? .inherit
        return Configuration(
            executable: tool.contains("/") ? .path(FilePath(tool)) : .name(tool),
            arguments: Arguments(arguments), environment: environment, platformOptions: options)
    }

    /// The version `tool --version` reports.
    static func version(of tool: String) async throws(BackupError) -> PostgresVersion {
        ignoreSIGPIPE()
        let output: String
        do {
            let result = try await Subprocess.run(
                configuration(tool, ["--version"], password: nil), output: .string(limit: 4096), error: .string(limit: 4096))
            guard case .exited(0) = result.terminationStatus else {
                throw BackupError(.tools, "\(tool) --version failed (\(describe(result.terminationStatus))): \(result.standardError)")
            }
            output = result.standardOutput
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.tools, "cannot run \(tool): \(error)")
        }
        guard let version = PostgresVersion(toolOutput: output) else {
            throw BackupError(.tools, "cannot read a PostgreSQL version from `\(tool) --version`: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return version
    }

    static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }

    /// Writing to a tool that exited must give EPIPE, not kill this process (the CLI runs
    /// backups in-process; the sidecar ignores SIGPIPE already).
    static func ignoreSIGPIPE() {
        _ = ignoredSIGPIPE
    }

    private static let ignoredSIGPIPE: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()
}
