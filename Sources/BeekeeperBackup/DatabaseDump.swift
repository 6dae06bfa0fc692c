import BeekeeperConfig
import BeekeeperCore
import Foundation
import Logging
import Postgres
import Subprocess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One database dumped into `last/`: checks the tools, opens a snapshot, counts rows in it,
/// streams `pg_dump --snapshot` through gzip into a temporary file, then the manifest, then
/// the rename. Whatever fails leaves no dump and no manifest under a final name.
struct DatabaseDump: Sendable {
    let database: BackupConfig.Database
    let directory: BackupDirectory
    let tools: BackupTools
    let timeZone: TimeZone
    let timeZoneName: String
    let logger: Logger

    struct Made: Sendable {
        var manifest: BackupManifest
        /// The dump's file name in `last/`.
        var name: String
        var path: String
    }

    func run(startedAt: Date) async throws(BackupError) -> Made {
        let clock = ContinuousClock()
        let start = clock.now
        let parameters: ConnectionParameters
        do {
            parameters = try ConnectionParameters(parsing: database.url)
        } catch {
            throw BackupError(.connection, "database \"\(database.name)\": \(error.message)")
        }
        let pgDumpVersion = try await ToolProcess.version(of: tools.pgDump)
        let session = try await DatabaseSession.open(database.url, database: database.name)
        let server = session.serverVersion
        guard pgDumpVersion >= server else {
            throw BackupError(.tools, """
                \(tools.pgDump) is version \(pgDumpVersion.text), older than the server of database "\(database.name)" \
                (PostgreSQL \(server.text)): an older pg_dump cannot dump a newer server reliably; \
                install pg_dump \(server.major) or newer and put it first in PATH
                """)
        }
        let (snapshot, serverVersion) = try await session.exportSnapshot()
        let tables = try await session.rowCounts()
        if Task.isCancelled { throw .cancelled }

        try directory.create()
        let name = freeName(startedAt)
        let path = directory.path(.last, name)
        let manifestPath = directory.path(.last, BackupDirectory.manifestName(forDump: name))
        let temporary = path + BackupDirectory.temporarySuffix
        let writer = try CompressedDumpWriter(path: temporary)
        logger.info("backup: dumping", metadata: ["database": "\(database.name)", "file": "\(path)", "snapshot": "\(snapshot)"])
        do throws(BackupError) {
            try await dump(into: writer, snapshot: snapshot, parameters: parameters)
            let (size, sha256) = try writer.finish()
            let finishedAt = BackupTimestamp.truncated(Date())
            let manifest = BackupManifest(
                database: database.name, file: name, sizeBytes: size, sha256: sha256, uncompressedBytes: writer.uncompressedBytes,
                serverVersion: serverVersion, serverVersionNumber: session.connection.serverVersion, pgDumpVersion: pgDumpVersion.text,
                startedAt: startedAt, finishedAt: finishedAt, durationSeconds: ((clock.now - start).seconds * 1000).rounded() / 1000, timeZone: timeZoneName,
                snapshot: snapshot, tables: tables)
            // Manifest first: a crash before the rename leaves a manifest without its dump,
            // which the next start removes; never a dump that cannot be verified.
            try Self.writeManifest(manifest, to: manifestPath)
            guard rename(temporary, path) == 0 else {
                let failure = CompressedDumpWriter.failure("cannot rename \(temporary) to", path)
                unlink(manifestPath)
                throw failure
            }
            try BackupRetention.syncDirectory(directory.path(.last))
            // Ends the snapshot's transaction; the connection closes with the session.
            try? await session.execute("COMMIT")
            return Made(manifest: manifest, name: name, path: path)
        } catch {
            writer.discard()
            throw error
        }
    }

    /// `last/<name>-<stamp>.sql.gz` for `startedAt`, a second later while that name is taken
    /// (two runs within one second, or a wall-clock hour that repeats).
    private func freeName(_ startedAt: Date) -> String {
        var instant = startedAt
        while true {
            let name = BackupDirectory.dumpName(database: database.name, stamp: BackupDirectory.stamp(instant, .last, in: timeZone))
            let taken = [name, BackupDirectory.manifestName(forDump: name), name + BackupDirectory.temporarySuffix]
                .contains { FileManager.default.fileExists(atPath: directory.path(.last, $0)) }
            if !taken { return name }
            instant += 1
        }
    }

    static func writeManifest(_ manifest: BackupManifest, to path: String) throws(BackupError) {
        do {
            try DurableFile.replace(path, with: manifest.bytes, mode: 0o600)
        } catch {
            let full = error.message.contains("No space left") || error.message.contains("quota")
            throw BackupError(.storage, (full ? "disk full: " : "") + "cannot write manifest \(error)")
        }
    }

    /// Runs pg_dump, its stdout streamed into `writer`. Its password travels in PGPASSWORD and
    /// the rest of the connection as a conninfo string, never the password on a command line.
    private func dump(into writer: CompressedDumpWriter, snapshot: String, parameters: ConnectionParameters) async throws(BackupError) {
        ToolProcess.ignoreSIGPIPE()
        var target = parameters.removingPassword()
        if target["connect_timeout"] == nil { target["connect_timeout"] = "10" }
        if target["application_name"] == nil { target["fallback_application_name"] = "beekeeper-backup" }
        let arguments = ["--format=plain", "--no-password", "--snapshot=\(snapshot)", "--dbname=\(target.conninfo)"]
        let configuration = ToolProcess.configuration(tools.pgDump, arguments, password: parameters.password)
        let result: ExecutionResult<(OutputTail, BackupError?), SequenceOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                async let errors = OutputTail.collect(execution.standardError)
                var failure: BackupError? = nil
                do {
                    for try await buffer in execution.standardOutput {
                        try buffer.withUnsafeBytes { (bytes) throws(BackupError) in try writer.write(bytes) }
                    }
                } catch let error as BackupError {
                    // Cannot write (disk full): stop pg_dump rather than let it fill the pipe.
                    failure = error
                    try? execution.send(signal: .terminate, toProcessGroup: true)
                } catch {}
                return (await errors, failure)
            }
        } catch {
            throw BackupError(.tools, "cannot run \(tools.pgDump): \(error)")
        }
        if Task.isCancelled { throw .cancelled }
        let (errors, failure) = result.closureResult
        if let failure { throw failure }
        guard case .exited(0) = result.terminationStatus else {
            let detail = errors.text
            throw BackupError(.dump, "pg_dump failed (\(ToolProcess.describe(result.terminationStatus)))\(detail.isEmpty ? "" : ": " + detail)")
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
