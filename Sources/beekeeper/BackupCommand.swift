import ArgumentParser
import BeekeeperAudit
import BeekeeperBackup
import BeekeeperConfig
import BeekeeperCore
import Curl
import Foundation
import Logging

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Run, list and verify PostgreSQL backups.", subcommands: [Run.self, List.self, Verify.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up now: through the sidecar serving the data directory (signed POST /v1/backups), else in-process.")

        @Argument(help: "A database from backup.databases (default: every one).") var name: String?
        @OptionGroup var client: SignedClientOptions
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            let databases = configuration.backup.databases.map(\.name)
            guard !databases.isEmpty else { throw UsageError(description: "backup.databases is empty: nothing to back up") }
            if let name, !databases.contains(name) {
                throw UsageError(description: "no database named \"\(name)\" in backup.databases (configured: \(databases.joined(separator: ", ")))")
            }
            let report: JSONValue
            if AuditLog.isDirectoryLocked(configuration.auditDirectory) {
                report = try await viaSidecar(configuration)
            } else {
                bootstrapLogging()
                let runner = BackupRunner(
                    configuration: configuration.backup, directory: configuration.backupDirectory, logger: Logger(label: "beekeeper.backup"))
                runner.directory.removeLeftovers()
                report = try await runner.run(database: name, trigger: .cli).json
            }
            let results = report["databases"]?.arrayValue ?? []
            for result in results { print(BackupText.resultLine(result, directory: configuration.backupDirectory)) }
            let failed = results.filter { $0["outcome"]?.stringValue != "succeeded" }.compactMap { $0["database"]?.stringValue }
            guard failed.isEmpty, report["outcome"]?.stringValue == "succeeded" else {
                throw OperationFailed(description: "backup failed: \(failed.joined(separator: ", "))")
            }
        }

        /// The sidecar holds the data directory: it runs the backup, the CLI waits for the answer.
        func viaSidecar(_ configuration: BeekeeperConfiguration) async throws -> JSONValue {
            let body: JSONValue = name.map { ["database": .string($0)] } ?? [:]
            let response = try await client.post(
                "/v1/backups", body: body.bytes, configuration: configuration, timeout: .seconds(24 * 3600),
                why: "a sidecar serves \(configuration.dataDir), so the backup goes through it, which needs --key")
            let answer = try? JSONValue.parse(response.body)
            switch response.status {
            case 200, 502:
                guard let answer else { throw OperationFailed(description: "the sidecar answered HTTP \(response.status) without JSON") }
                return answer
            case 404:
                throw UsageError(description: answer?.value(atPath: "error.message")?.stringValue ?? "unknown database")
            default:
                let message = answer?.value(atPath: "error.message")?.stringValue ?? String(decoding: response.body, as: UTF8.self)
                throw OperationFailed(description: "the sidecar answered HTTP \(response.status): \(message)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The retained backups: database, file, size, age, verification.")

        @Argument(help: "Only this database's backups.") var name: String?
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try options.load()
            let directory = BackupDirectory(configuration.backupDirectory)
            let listing = directory.listing(database: name)
            guard !listing.isEmpty else {
                print("no backups in \(directory.root)")
                return
            }
            let now = Date()
            var rows = [["DATABASE", "FILE", "SIZE", "AGE", "VERIFIED"]]
            for item in listing {
                let age = item.manifest.map { BackupText.age(now.timeIntervalSince($0.finishedAt)) } ?? "-"
                let verified: String
                if let manifest = item.manifest {
                    verified = manifest.verification.map { $0.passed ? $0.mode : "failed (\($0.mode))" } ?? "no"
                } else {
                    verified = "no manifest"
                }
                rows.append([
                    item.manifest?.database ?? item.entry.database, item.entry.folder.rawValue + "/" + item.entry.name,
                    item.sizeBytes.map(BackupText.size) ?? "-", age, verified,
                ])
            }
            print(BackupText.table(rows))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a backup (a file, or a database's newest; default: each database's newest); exit 1 if one fails.")

        @Argument(help: "A dump (path, FOLDER/NAME or NAME) or a database name (its newest dump).") var name: String?
        @Option(help: "integrity or restore (default: backup.verify).") var mode: String?
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            let verify: BackupConfig.Verify
            if let mode {
                guard let parsed = BackupConfig.Verify(rawValue: mode) else { throw UsageError(description: "--mode must be integrity or restore") }
                verify = parsed
            } else {
                verify = configuration.backup.verify
            }
            let directory = BackupDirectory(configuration.backupDirectory)
            var targets: [BackupDirectory.Entry] = []
            if let name {
                guard let entry = directory.find(name) else {
                    throw UsageError(description: "no backup \"\(name)\" in \(directory.root) (give a file, FOLDER/NAME, or a database name)")
                }
                targets = [entry]
            } else {
                for database in configuration.backup.databases {
                    if let newest = directory.entries(.last, database: database.name).last { targets.append(newest) }
                }
                guard !targets.isEmpty else { throw UsageError(description: "no backups in \(directory.root)") }
            }
            bootstrapLogging()
            let verifier = BackupVerifier(logger: Logger(label: "beekeeper.backup"))
            var failures: [String] = []
            for entry in targets {
                do {
                    let manifest = try BackupManifest.load(from: entry.manifestPath)
                    let url = configuration.backup.databases.first { $0.name == manifest.database }?.url
                    try await verifier.verify(dumpPath: entry.path, manifest: manifest, mode: verify, url: url)
                    print("ok      \(entry.path) (\(verify.rawValue)): \(manifest.sizeBytes) bytes, sha256 \(manifest.sha256), "
                        + "\(manifest.tables.count) tables, \(manifest.tables.reduce(Int64(0)) { $0 + $1.rows }) rows")
                } catch {
                    print("FAILED  \(entry.path) (\(verify.rawValue)): \(error)")
                    failures.append(entry.path)
                }
            }
            guard failures.isEmpty else { throw OperationFailed(description: "verification failed: \(failures.joined(separator: ", "))") }
        }
    }
}

/// Log lines go to stderr (stdout is the command's output); LOG_LEVEL, default warning.
private func bootstrapLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return handler
    }
}

/// How backup results read on a terminal.
enum BackupText {
    static func resultLine(_ result: JSONValue, directory: String) -> String {
        let database = result["database"]?.stringValue ?? "?"
        let duration = (result["duration_ms"]?.doubleValue).map { String(format: "%.1fs", $0 / 1000) } ?? "-"
        guard result["outcome"]?.stringValue == "succeeded" else {
            return "\(database): FAILED after \(duration): \(result["error"]?.stringValue ?? "unknown error")"
        }
        let file = result["file"]?.stringValue.map { directory + "/" + $0 } ?? "-"
        let sizeText = (result["size_bytes"]?.doubleValue).map { Self.size(Int64($0)) } ?? "-"
        let tables = result["tables"]?.intValue ?? 0
        let rows = result["rows"]?.stringValue ?? result["rows"]?.serialized() ?? "0"
        return "\(database): ok \(file) \(sizeText), \(tables) tables, \(rows) rows, \(duration), verified (\(result["verify"]?.stringValue ?? "-"))"
    }

    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func age(_ seconds: TimeInterval) -> String {
        let seconds = max(0, Int(seconds))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        if seconds < 2 * 86400 { return "\(seconds / 3600)h" }
        return "\(seconds / 86400)d"
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
