public import BeekeeperConfig
import Foundation
public import Logging
import Postgres
import Sodium
import Subprocess
import Zlib

/// Checks that a dump is what its manifest says and that it restores.
///
/// - `integrity`: reads the whole file once: its size and SHA-256 against the manifest, the gzip
///   stream complete with a valid CRC, and pg_dump's completion trailer at the end.
/// - `restore`: integrity, then the dump restored with `psql` (`ON_ERROR_STOP=1`, one
///   transaction) into a new scratch database on the database's server, its row counts compared
///   with the manifest's. The scratch database is dropped afterwards, whatever happened.
public struct BackupVerifier: Sendable {
    public var tools: BackupTools
    public var logger: Logger
    /// Scratch databases are named this and 12 random hex digits.
    var scratchPrefix = "beekeeper_verify_"

    public init(tools: BackupTools = BackupTools(), logger: Logger) {
        self.tools = tools
        self.logger = logger
    }

    public struct IntegrityReport: Sendable, Equatable {
        public var sizeBytes: Int64
        public var sha256: String
        public var uncompressedBytes: Int64
    }

    /// Verifies `dumpPath` against `manifest` with `mode`; `url` is needed for `.restore`.
    public func verify(dumpPath: String, manifest: BackupManifest, mode: BackupConfig.Verify, url: String?) async throws(BackupError) {
        switch mode {
        case .integrity:
            _ = try await BlockingThread.run { () throws(BackupError) in try Self.checkIntegrity(dumpPath: dumpPath, manifest: manifest) }
        case .restore:
            guard let url else {
                throw BackupError(.notFound, "restore verification needs the URL of database \"\(manifest.database)\", which is not in backup.databases")
            }
            try await restore(dumpPath: dumpPath, manifest: manifest, url: url)
        }
    }

    /// Decompresses the whole file; throws `.verification` naming every problem found.
    public static func checkIntegrity(dumpPath: String, manifest: BackupManifest) throws(BackupError) -> IntegrityReport {
        let reader = try DumpFileReader(path: dumpPath)
        var hasher = SHA256()
        var size: Int64 = 0
        var uncompressed: Int64 = 0
        var tail = OutputTail(capacity: DumpTrailer.tailBytes)
        var streamProblem: String? = nil
        let inflater: Inflater
        do {
            inflater = try Inflater(format: .gzip)
        } catch {
            throw BackupError(.verification, "cannot start decompression: \(error)")
        }
        while let chunk = try reader.next() {
            hasher.update(chunk)
            size += Int64(chunk.count)
            // After a corrupt byte, keep hashing: the SHA-256 verdict is wanted too.
            guard streamProblem == nil else { continue }
            do {
                try inflater.decompress(chunk) { output in
                    uncompressed += Int64(output.count)
                    tail.append(UnsafeRawBufferPointer(output))
                }
            } catch {
                streamProblem = "the gzip data is corrupt (\((error as? ZlibError)?.message ?? "\(error)"))"
            }
        }
        if streamProblem == nil {
            do {
                try inflater.finish()
            } catch {
                streamProblem = "the gzip stream is truncated (the file ends before the compressed data does)"
            }
        }
        let sha256 = Hex.encode(hasher.finalize())
        var problems: [String] = []
        if sha256 != manifest.sha256 { problems.append("SHA-256 is \(sha256), the manifest says \(manifest.sha256)") }
        if size != manifest.sizeBytes { problems.append("the file has \(size) bytes, the manifest says \(manifest.sizeBytes)") }
        if let streamProblem {
            problems.append(streamProblem)
        } else if !DumpTrailer.isComplete(tail: tail.bytes) {
            problems.append("the dump lacks pg_dump's completion trailer (\"\(DumpTrailer.completionLine)\"): it is incomplete")
        }
        guard problems.isEmpty else {
            throw BackupError(.verification, "\(dumpPath): " + problems.joined(separator: "; "))
        }
        return IntegrityReport(sizeBytes: size, sha256: sha256, uncompressedBytes: uncompressed)
    }

    /// Integrity, then a restore into a scratch database and a row count comparison.
    public func restore(dumpPath: String, manifest: BackupManifest, url: String) async throws(BackupError) {
        _ = try await BlockingThread.run { () throws(BackupError) in try Self.checkIntegrity(dumpPath: dumpPath, manifest: manifest) }
        let source: ConnectionParameters
        do {
            source = try ConnectionParameters(parsing: url)
        } catch {
            throw BackupError(.connection, "database \"\(manifest.database)\": \(error.message)")
        }
        let session = try await DatabaseSession.open(url, database: manifest.database)
        let settings = try await session.query("""
            SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, datcollate, datctype
            FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
            """)
        let scratch = scratchPrefix + Hex.encode(Sodium.randomBytes(6))
        var create = "CREATE DATABASE \(scratch) TEMPLATE template0"
        if let encoding = settings[row: 0, column: "encoding"], let collate = settings[row: 0, column: "datcollate"],
            let ctype = settings[row: 0, column: "datctype"]
        {
            // The dump restores as it was made only with the source's encoding and locale.
            create += " ENCODING \(literal(encoding)) LC_COLLATE \(literal(collate)) LC_CTYPE \(literal(ctype))"
        }
        do {
            try await session.execute(create)
        } catch {
            throw BackupError(.verification, "cannot create the scratch database for restore verification (the role needs CREATEDB): \(error.message)")
        }
        logger.debug("restore verification: scratch database created", metadata: ["database": "\(scratch)"])
        var target = source
        target["dbname"] = scratch
        let outcome: Result<Void, BackupError>
        do {
            try await restore(dumpPath: dumpPath, into: target, scratch: scratch)
            try await compareRowCounts(manifest: manifest, target: target, scratch: scratch)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Always dropped, also after a failure; WITH (FORCE) (PostgreSQL 13+) ends stray sessions.
        let force = session.connection.serverVersion >= 130_000 ? " WITH (FORCE)" : ""
        do {
            try await session.execute("DROP DATABASE IF EXISTS \(scratch)\(force)")
            logger.debug("restore verification: scratch database dropped", metadata: ["database": "\(scratch)"])
        } catch {
            logger.error("could not drop the scratch database of a restore verification; drop it by hand",
                metadata: ["database": "\(scratch)", "error": "\(error)"])
        }
        try outcome.get()
    }

    /// Streams the decompressed dump into `psql`.
    private func restore(dumpPath: String, into target: ConnectionParameters, scratch: String) async throws(BackupError) {
        ToolProcess.ignoreSIGPIPE()
        let arguments = ["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", "--dbname=\(target.removingPassword().conninfo)"]
        let configuration = ToolProcess.configuration(tools.psql, arguments, password: target.password)
        let result: ExecutionResult<(OutputTail, BackupError?), DiscardedOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(configuration, input: .inputWriter, output: .discarded, error: .sequence) { execution in
                async let errors = OutputTail.collect(execution.standardError)
                let fed = await Self.feed(dumpPath, to: execution.standardInputWriter)
                return (await errors, fed)
            }
        } catch {
            throw BackupError(.tools, "cannot run \(tools.psql): \(error)")
        }
        if Task.isCancelled { throw .cancelled }
        let (errors, feedError) = result.closureResult
        if let feedError { throw feedError }
        guard case .exited(0) = result.terminationStatus else {
            throw BackupError(.verification,
                "restoring into scratch database \(scratch) failed (psql \(ToolProcess.describe(result.terminationStatus))): \(errors.text)")
        }
    }

    /// Decompresses the dump into psql's stdin in bounded pieces. A write error means psql
    /// stopped reading (it failed: its exit status and stderr say why), so it ends the feed.
    private static func feed(_ dumpPath: String, to writer: StandardInputWriter) async -> BackupError? {
        var failure: BackupError? = nil
        do {
            let reader = try DumpFileReader(path: dumpPath, chunkSize: 16 * 1024)
            let inflater = try Inflater(format: .gzip)
            var pending: [UInt8] = []
            pending.reserveCapacity(512 * 1024)
            while let chunk = try reader.next() {
                try inflater.decompress(chunk) { output in pending.append(contentsOf: output) }
                if pending.count >= 256 * 1024 {
                    _ = try await writer.write(pending)
                    pending.removeAll(keepingCapacity: true)
                }
                if Task.isCancelled {
                    failure = .cancelled
                    break
                }
            }
            if failure == nil {
                try inflater.finish()
                if !pending.isEmpty { _ = try await writer.write(pending) }
            }
        } catch let error as BackupError {
            failure = error
        } catch is SubprocessError {
            // psql stopped reading: its exit status and stderr tell why.
        } catch {
            failure = BackupError(.verification, "cannot decompress \(dumpPath): \(error)")
        }
        // End of input, also after a failure: psql must not wait for more.
        try? await writer.finish()
        return failure
    }

    private func compareRowCounts(manifest: BackupManifest, target: ConnectionParameters, scratch: String) async throws(BackupError) {
        let session = try await DatabaseSession.open(target.conninfo, database: scratch)
        let restored = try await session.rowCounts()
        let expected = Dictionary(manifest.tables.map { ($0.table, $0.rows) }, uniquingKeysWith: { first, _ in first })
        let actual = Dictionary(restored.map { ($0.table, $0.rows) }, uniquingKeysWith: { first, _ in first })
        var differences: [String] = []
        for table in Set(expected.keys).union(actual.keys).sorted() where expected[table] != actual[table] {
            let was = expected[table].map(String.init) ?? "absent"
            let now = actual[table].map(String.init) ?? "absent"
            differences.append("\(table): manifest \(was), restored \(now)")
        }
        guard differences.isEmpty else {
            let shown = differences.prefix(5).joined(separator: "; ") + (differences.count > 5 ? "; and \(differences.count - 5) more" : "")
            throw BackupError(.verification, "restored row counts differ from the manifest: \(shown)")
        }
    }

    private func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
