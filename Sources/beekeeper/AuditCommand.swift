import ArgumentParser
import BeekeeperAudit
import BeekeeperAuth
import BeekeeperConfig
import BeekeeperCore
import Foundation
import Sodium

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify, query and follow the audit log.",
        subcommands: [Verify.self, Query.self, Tail.self, AuditServeCommand.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain and checkpoint signatures; exit 1 with FILE:LINE: reason at the first fault.")

        @Argument(help: "Segments (.jsonl, .jsonl.gz) or directories of them (default: the data dir's audit/).")
        var paths: [String] = []
        @Option(help: "Public key (hex file) checkpoints must be signed with (default for the data dir: its audit-signing.pub).")
        var pubkey: String?
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try options.load()
            var publicKey: Ed25519.PublicKey? = nil
            if let pubkey {
                do { publicKey = try KeyFile.loadPublicKey(at: pubkey) } catch { throw UsageError(description: "--pubkey: \(error)") }
            } else if paths.isEmpty {
                let beside = configuration.signingKeyPath.replacingOccurrences(of: ".key", with: ".pub")
                publicKey = try? KeyFile.loadPublicKey(at: beside)
            }
            let targets = paths.isEmpty ? [configuration.auditDirectory] : paths
            let report: AuditVerificationReport
            do {
                report = try AuditVerifier.verify(paths: targets, publicKey: publicKey)
            } catch {
                throw UsageError(description: "\(error)")
            }
            guard report.ok else { throw OperationFailed(description: report.description) }
            print(report.description)
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the records that match every filter, from live, sealed and compressed segments in order.")

        @Option(help: "Records at or after T: RFC 3339 (2026-11-22T10:00:00Z) or an age (15m, 24h, 7d).") var since: String?
        @Option(help: "Records before T (same forms as --since).") var until: String?
        @Option(help: "Record type; a trailing * matches a prefix (task.*).") var type: String?
        @Option(help: "Bee name.") var bee: String?
        @Option(help: "Function name.") var funcname: String?
        @Option(help: "Outcome: \(AuditQuery.outcomes.joined(separator: ", ")).") var outcome: String?
        @Option(help: "Task id.") var task: String?
        @Option(help: "K=V: the field K (a dotted path) equals V; hmac_fields match by their clear value.") var field: [String] = []
        @Option(help: "Stop after N records.") var limit: Int?
        @Option(help: "Output: table, jsonl, json (one array) or csv (default: table on a terminal, jsonl otherwise).") var format: OutputFormat?
        @Option(help: "Audit directory (default: the data dir's audit/).") var directory: String?
        @OptionGroup var options: ConfigOption

        enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
            case table
            case jsonl
            case json
            case csv
        }

        func validate() throws {
            if let type, let problem = AuditQuery.problem(type: type) { throw ValidationError("--type: \(problem)") }
            if let outcome, let problem = AuditQuery.problem(outcome: outcome) { throw ValidationError("--outcome: \(problem)") }
        }

        func run() throws {
            let configuration = try options.load()
            var filters: [(key: String, value: String)] = []
            for pair in field {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw UsageError(description: "--field takes K=V, got \"\(pair)\"")
                }
                filters.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
            }
            let query = AuditQuery(
                since: try since.map { try Self.time($0, option: "--since") }, until: try until.map { try Self.time($0, option: "--until") },
                type: type, bee: bee, funcname: funcname, outcome: outcome, taskID: task, fields: filters, limit: limit)
            let hmacKey = FileManager.default.contents(atPath: configuration.stateDirectory + "/audit-hmac.key")
                .flatMap { Hex.decode(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            let auditDirectory = directory ?? configuration.auditDirectory
            guard FileManager.default.fileExists(atPath: auditDirectory) else {
                throw UsageError(description: "no audit directory at \(auditDirectory)")
            }
            // A person at a terminal gets the table; a pipe gets lines a program can read.
            let format = format ?? (isatty(STDOUT_FILENO) == 1 ? .table : .jsonl)
            switch format {
            case .table: print(AuditTable.header)
            case .csv: print(AuditCSV.header, terminator: "")
            case .json: print("[", terminator: "")
            case .jsonl: break
            }
            var first = true
            try query.run(directory: auditDirectory, hmacKey: hmacKey) { record, line in
                switch format {
                case .jsonl: print(line)
                case .table: print(AuditTable.row(record))
                case .csv: print(AuditCSV.row(record), terminator: "")
                case .json:
                    print(first ? "\n" + line : ",\n" + line, terminator: "")
                    first = false
                }
                return true
            }
            if format == .json { print(first ? "]" : "\n]") }
        }

        static func time(_ text: String, option: String) throws -> Date {
            guard let date = AuditQuery.time(text) else {
                throw UsageError(description: "\(option): \"\(text)\" is neither RFC 3339 nor an age such as 15m")
            }
            return date
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the newest records; with -f, follow the live segment.")

        @Flag(name: .shortAndLong, help: "Keep following as records are written (across rotation).") var follow = false
        @Option(name: [.customShort("n"), .customLong("lines")], help: "How many of the newest lines to print first.") var lines = 10
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let configuration = try options.load()
            let directory = configuration.auditDirectory
            if follow {
                try await AuditTail.follow(directory: directory, backlog: lines) { line in
                    // Unbuffered: a follower wants each line as it is written.
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    return true
                }
            } else {
                do {
                    for line in try AuditTail.last(lines, directory: directory) { print(line) }
                } catch {
                    throw UsageError(description: "\(error)")
                }
            }
        }
    }
}

