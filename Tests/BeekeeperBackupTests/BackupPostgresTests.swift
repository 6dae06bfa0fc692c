import BeekeeperConfig
import BeekeeperCore
import Foundation
import Logging
import Postgres
import Sodium
import Testing
import Zlib

@testable import BeekeeperBackup

/// Backups of a real database with the real pg_dump and psql.
@Suite("Backups against a real PostgreSQL", .serialized, .timeLimit(.minutes(5)), .enabled(if: TestDatabase.shouldRun, "BEEKEEPER_TEST_PG_URL is not set"))
struct BackupPostgresTests {
    let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    func configuration(_ database: ScratchDatabase?, url: String? = nil, verify: BackupConfig.Verify = .integrity) -> BackupConfig {
        var configuration = BackupConfig()
        configuration.timezone = "Europe/Berlin"
        configuration.databases = [.init(name: "colonies", url: url ?? database?.url ?? "")]
        configuration.verify = verify
        return configuration
    }

    func runner(_ configuration: BackupConfig, _ scratch: ScratchDirectory, tools: BackupTools = BackupTools(), observer: RecordingObserver? = nil)
        -> BackupRunner
    {
        BackupRunner(configuration: configuration, directory: scratch.path + "/backups", tools: tools, observer: observer, logger: logger)
    }

    /// One successful backup of a fresh scratch database, for the tests that examine one.
    func backUp(verify: BackupConfig.Verify = .integrity) async throws -> (ScratchDatabase, ScratchDirectory, BackupManifest, String) {
        let database = try ScratchDatabase()
        let scratch = try ScratchDirectory()
        let report = try await runner(configuration(database, verify: verify), scratch).run(trigger: .cli)
        let result = try #require(report.results.first)
        guard case .succeeded(let manifest, let path) = result.outcome else {
            throw TestFailure("the backup failed: \(result.error?.message ?? "?")")
        }
        return (database, scratch, manifest, path)
    }

    @Test("a run writes the dump and its manifest; gzip and psql read it back whole")
    func runProducesARestorableDump() async throws {
        let database = try ScratchDatabase()
        let scratch = try ScratchDirectory()
        let observer = RecordingObserver()
        let report = try await runner(configuration(database), scratch, observer: observer).run(trigger: .cli)
        #expect(report.succeeded, "\(report.json.serialized())")
        let result = try #require(report.results.first)
        guard case .succeeded(let manifest, let path) = result.outcome else { return }
        #expect(observer.log == ["started colonies cli", "succeeded colonies"])

        // File and manifest beside it, in last/, named by the Berlin wall clock.
        let name = (path as NSString).lastPathComponent
        #expect(name == "colonies-" + BackupDirectory.stamp(result.startedAt, .last, in: zone("Europe/Berlin")) + ".sql.gz")
        #expect(scratch.files("backups/last") == [BackupDirectory.manifestName(forDump: name), name].sorted())
        let onDisk = try BackupManifest.load(from: scratch.path + "/backups/last/" + BackupDirectory.manifestName(forDump: name))
        #expect(onDisk == manifest)
        #expect(manifest.database == "colonies" && manifest.file == name)
        #expect(manifest.tables.map(\.table) == ScratchDatabase.expectedRows.map(\.0))
        #expect(manifest.tables.map(\.rows) == ScratchDatabase.expectedRows.map(\.1))
        #expect(manifest.serverVersion.hasPrefix("15.") || manifest.serverVersionNumber >= 100_000)
        #expect(manifest.verification?.mode == "integrity" && manifest.verification?.passed == true)
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).int64Value
        #expect(manifest.sizeBytes == size)
        #expect(manifest.sha256 == (try shell("sha256sum \(shellQuoted(path))").output.prefix(64)).description)
        #expect(manifest.uncompressedBytes > manifest.sizeBytes)

        // gzip accepts it; psql restores it into a fresh database with the same rows.
        #expect(try shell("gzip -t \(shellQuoted(path))").status == 0)
        let fresh = "bk_fresh_" + UUID().uuidString.prefix(8).lowercased()
        try TestDatabase.admin().execute("CREATE DATABASE \(fresh)")
        defer { try? TestDatabase.admin().execute("DROP DATABASE IF EXISTS \(fresh) WITH (FORCE)") }
        let freshURL = try TestDatabase.url(database: fresh)
        let restore = try shell("gzip -dc \(shellQuoted(path)) | psql -q -X -v ON_ERROR_STOP=1 \(shellQuoted(freshURL)) > /dev/null")
        #expect(restore.status == 0, "\(restore.output)")
        let restored = try ScratchDatabase.rowCounts(url: freshURL)
        #expect(restored == Dictionary(uniqueKeysWithValues: ScratchDatabase.expectedRows))
        let text = try PostgresConnection(url: freshURL).query("SELECT note FROM bees ORDER BY id").rows.map { $0[0] }
        #expect(text == ["it's \"quoted\" \\ back\\slash", "tab\there\nnewline", nil])

        // Linked into its day, week and month: the same file, not copies.
        let inode = try #require(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)
        for folder in [BackupDirectory.Folder.daily, .weekly, .monthly] {
            let entry = try #require(BackupDirectory(scratch.path + "/backups").entries(folder).first)
            #expect(try FileManager.default.attributesOfItem(atPath: entry.path)[.systemFileNumber] as? NSNumber == inode)
            #expect(FileManager.default.fileExists(atPath: entry.manifestPath))
        }
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue == 0o600)
    }

    @Test("integrity verification passes, and fails with the reason for a flipped byte, a cut file, a wrong manifest, a missing trailer")
    func integrity() async throws {
        let (_, scratch, manifest, path) = try await backUp()
        _ = try BackupVerifier.checkIntegrity(dumpPath: path, manifest: manifest)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))

        func failure(_ bytes: Data, _ manifest: BackupManifest) -> String {
            let copy = scratch.path + "/copy-" + UUID().uuidString.prefix(6) + ".sql.gz"
            _ = FileManager.default.createFile(atPath: copy, contents: bytes)
            do {
                _ = try BackupVerifier.checkIntegrity(dumpPath: copy, manifest: manifest)
                return "passed"
            } catch {
                #expect(error.kind == .verification)
                return error.message
            }
        }
        var flipped = original
        flipped[flipped.count / 2] ^= 0x40
        let flippedReason = failure(flipped, manifest)
        #expect(flippedReason.contains("SHA-256 is"), "\(flippedReason)")
        #expect(flippedReason.contains("corrupt"), "\(flippedReason)")

        let cutReason = failure(original.prefix(original.count * 2 / 3), manifest)
        #expect(cutReason.contains("truncated"), "\(cutReason)")
        #expect(cutReason.contains("the file has"), "\(cutReason)")

        var wrongSum = manifest
        wrongSum.sha256 = String(repeating: "0", count: 64)
        let sumReason = failure(original, wrongSum)
        #expect(sumReason.contains("the manifest says \(wrongSum.sha256)"), "\(sumReason)")
        #expect(!sumReason.contains("trailer") && !sumReason.contains("truncated"))

        // A complete gzip file of a dump that stops before pg_dump's last words, and a manifest
        // that matches it: only the trailer check can tell.
        let sql = try Gzip.decompress(Array(original))
        let text = String(decoding: sql, as: UTF8.self)
        let cut = try #require(text.range(of: "-- PostgreSQL database dump complete", options: .backwards))
        let incomplete = try Gzip.compress(Array(text[..<cut.lowerBound].utf8))
        var matching = manifest
        matching.sha256 = Hex.encode(SHA256.hash(incomplete))
        matching.sizeBytes = Int64(incomplete.count)
        let trailerReason = failure(Data(incomplete), matching)
        #expect(trailerReason.contains("completion trailer"), "\(trailerReason)")
        #expect(!trailerReason.contains("SHA-256"))
    }

    @Test("restore verification restores into a scratch database, compares row counts and always drops it")
    func restore() async throws {
        let (database, scratch, manifest, path) = try await backUp(verify: .restore)
        #expect(manifest.verification?.mode == "restore")
        // A prefix of this test's own: other suites may verify by restore at the same time.
        var verifier = BackupVerifier(logger: logger)
        let prefix = "beekeeper_verify_t\(UUID().uuidString.prefix(6).lowercased())_"
        verifier.scratchPrefix = prefix
        try await verifier.verify(dumpPath: path, manifest: manifest, mode: .restore, url: database.url)
        #expect(try TestDatabase.databases(prefix: prefix).isEmpty)

        // The manifest claims a row the dump does not have.
        var wrongCount = manifest
        wrongCount.tables[1].rows += 1
        await #expect {
            try await verifier.verify(dumpPath: path, manifest: wrongCount, mode: .restore, url: database.url)
        } throws: { error in
            "\(error)".contains("public.bees: manifest 4, restored 3")
        }
        #expect(try TestDatabase.databases(prefix: prefix).isEmpty)

        // A dump whose SQL fails halfway: psql stops (ON_ERROR_STOP) and says why.
        let text = String(decoding: try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path)))), as: UTF8.self)
        let broken = Array(text.replacingOccurrences(of: "CREATE TABLE public.empty", with: "SELECT pg_catalog.no_such_function();\nCREATE TABLE public.empty").utf8)
        let brokenGzip = try Gzip.compress(broken)
        let brokenPath = scratch.path + "/broken.sql.gz"
        _ = FileManager.default.createFile(atPath: brokenPath, contents: Data(brokenGzip))
        var brokenManifest = manifest
        brokenManifest.sha256 = Hex.encode(SHA256.hash(brokenGzip))
        brokenManifest.sizeBytes = Int64(brokenGzip.count)
        await #expect {
            try await verifier.verify(dumpPath: brokenPath, manifest: brokenManifest, mode: .restore, url: database.url)
        } throws: { error in
            let text = "\(error)"
            return text.contains("psql exit status 3") && text.contains("no_such_function")
        }
        #expect(try TestDatabase.databases(prefix: prefix).isEmpty)
    }

    @Test("a pg_dump older than the server is refused before anything is written")
    func oldPgDump() async throws {
        let database = try ScratchDatabase(bigRows: 10)
        let scratch = try ScratchDirectory()
        let tool = try fakeTool(in: scratch.path, #"[ "$1" = --version ] && { echo "pg_dump (PostgreSQL) 9.6.24"; exit 0; }; exit 99"#)
        let observer = RecordingObserver()
        let report = try await runner(configuration(database), scratch, tools: BackupTools(pgDump: tool), observer: observer).run(trigger: .cli)
        let error = try #require(report.results.first?.error)
        #expect(error.kind == .tools)
        #expect(error.message.contains("version 9.6.24, older than the server"), "\(error)")
        #expect(error.message.contains("install pg_dump 15 or newer"), "\(error)")
        #expect(observer.log == ["started colonies cli", "failed colonies"])
        #expect(scratch.files("backups/last").isEmpty)
    }

    @Test("an unreachable server and a wrong password fail clearly, without the password, leaving nothing")
    func connectionFailures() async throws {
        let scratch = try ScratchDirectory()
        let unreachable = try await runner(configuration(nil, url: try TestDatabase.url(port: 1)), scratch).run(trigger: .cli)
        let refused = try #require(unreachable.results.first?.error)
        #expect(refused.kind == .connection)
        #expect(refused.message.contains("cannot connect to database \"colonies\""), "\(refused)")

        let role = "bk_role_" + UUID().uuidString.prefix(6).lowercased()
        try TestDatabase.admin().execute("CREATE ROLE \(role) LOGIN PASSWORD 'correct-horse'")
        defer { try? TestDatabase.admin().execute("DROP ROLE IF EXISTS \(role)") }
        let wrongURL = try TestDatabase.url(user: role, password: "wrong-secret-8472")
        let wrong = try await runner(configuration(nil, url: wrongURL), scratch).run(trigger: .cli)
        let denied = try #require(wrong.results.first?.error)
        #expect(denied.kind == .connection)
        #expect(denied.message.contains("password authentication failed"), "\(denied)")
        #expect(!denied.message.contains("wrong-secret-8472"))
        #expect(!wrong.json.serialized().contains("wrong-secret-8472"))
        #expect(scratch.files("backups/last").isEmpty)
    }

    @Test("the password reaches pg_dump in PGPASSWORD, never on its command line")
    func passwordStaysOffTheCommandLine() async throws {
        let database = try ScratchDatabase(bigRows: 10)
        let scratch = try ScratchDirectory()
        let role = "bk_role_" + UUID().uuidString.prefix(6).lowercased()
        try TestDatabase.admin().execute("CREATE ROLE \(role) LOGIN PASSWORD 'pa ss''w\"rd-5531'; GRANT pg_read_all_data TO \(role)")
        defer { try? TestDatabase.admin().execute("DROP ROLE IF EXISTS \(role)") }
        let trace = scratch.path + "/trace"
        let tool = try fakeTool(in: scratch.path, """
            [ "$1" = --version ] || { printf '%s\\n' "$@" > \(shellQuoted(trace)); printf 'PGPASSWORD=%s\\n' "$PGPASSWORD" >> \(shellQuoted(trace)); }
            exec \(shellQuoted(realPgDump)) "$@"
            """)
        let url = try TestDatabase.url(database: database.name, user: role, password: "pa ss'w\"rd-5531")
        let report = try await runner(configuration(nil, url: url), scratch, tools: BackupTools(pgDump: tool)).run(trigger: .cli)
        #expect(report.succeeded, "\(report.json.serialized())")
        let lines = try #require(readText(trace)).split(separator: "\n").map(String.init)
        #expect(lines.last == "PGPASSWORD=pa ss'w\"rd-5531")
        let arguments = lines.dropLast()
        #expect(!arguments.contains { $0.contains("5531") }, "\(arguments)")
        #expect(arguments.contains { $0.hasPrefix("--snapshot=") })
        #expect(arguments.contains { $0.hasPrefix("--dbname=") && $0.contains("user='\(role)'") && $0.contains("dbname='\(database.name)'") })
    }

    @Test("a failing or killed pg_dump leaves no dump, no manifest, no temporary file, and its stderr is shown")
    func failingPgDump() async throws {
        let database = try ScratchDatabase(bigRows: 10)
        let scratch = try ScratchDirectory()
        let failing = try fakeTool(in: scratch.path, """
            [ "$1" = --version ] && exec \(shellQuoted(realPgDump)) --version
            printf -- '--\\n-- PostgreSQL database dump\\n--\\nSET x = 1;\\n'
            echo 'pg_dump: error: simulated failure: connection lost' >&2
            exit 1
            """)
        let report = try await runner(configuration(database), scratch, tools: BackupTools(pgDump: failing)).run(trigger: .cli)
        let error = try #require(report.results.first?.error)
        #expect(error.kind == .dump)
        #expect(error.message.contains("exit status 1") && error.message.contains("simulated failure: connection lost"), "\(error)")
        #expect(scratch.files("backups/last").isEmpty)

        let killed = try fakeTool(in: scratch.path, name: "pg_dump_killed", """
            [ "$1" = --version ] && exec \(shellQuoted(realPgDump)) --version
            printf 'COPY x FROM stdin;\\n'
            kill -9 $$
            """)
        let killedReport = try await runner(configuration(database), scratch, tools: BackupTools(pgDump: killed)).run(trigger: .cli)
        let killedError = try #require(killedReport.results.first?.error)
        #expect(killedError.message.contains("killed by signal 9"), "\(killedError)")
        #expect(scratch.files("backups/last").isEmpty)
    }

    @Test("a full disk is a clear error and leaves nothing behind")
    func diskFull() async throws {
        let database = try ScratchDatabase()
        let mountPoint = NSTemporaryDirectory() + "bk-full-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer {
            _ = try? shell("umount \(shellQuoted(mountPoint)) || umount -l \(shellQuoted(mountPoint))")
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let mounted = try shell("mount -t tmpfs -o size=1m tmpfs \(shellQuoted(mountPoint))")
        guard mounted.status == 0 else {
            #expect(!TestDatabase.isCI, "mounting a tmpfs is required in CI (run as root): \(mounted.output)")
            return
        }
        let runner = BackupRunner(configuration: configuration(database), directory: mountPoint + "/backups", logger: logger)
        let report = try await runner.run(trigger: .cli)
        let error = try #require(report.results.first?.error)
        #expect(error.kind == .storage)
        #expect(error.message.hasPrefix("disk full:"), "\(error)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: mountPoint + "/backups/last")) ?? []).isEmpty)
    }

    @Test("cancelling a run stops pg_dump and removes its temporary file; a second run meanwhile is refused")
    func cancel() async throws {
        let database = try ScratchDatabase(bigRows: 10)
        let scratch = try ScratchDirectory()
        let pidFile = scratch.path + "/pid"
        let slow = try fakeTool(in: scratch.path, """
            [ "$1" = --version ] && exec \(shellQuoted(realPgDump)) --version
            echo $$ > \(shellQuoted(pidFile))
            printf -- '--\\n-- PostgreSQL database dump\\n--\\n'
            exec sleep 120
            """)
        let runner = runner(configuration(database), scratch, tools: BackupTools(pgDump: slow))
        let run = Task { try await runner.run(trigger: .cli) }
        let deadline = ContinuousClock.now + .seconds(30)
        // The pid file exists (empty) a moment before the shell writes its pid: wait for the pid.
        func writtenPID() -> Int32? { readText(pidFile).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        while !scratch.files("backups/last").contains(where: { $0.hasSuffix(".tmp") }) || writtenPID() == nil {
            guard ContinuousClock.now < deadline else { throw TestFailure("pg_dump did not start within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(runner.isRunning)
        await #expect { try await runner.run(trigger: .cli) } throws: { ($0 as? BackupError)?.kind == .busy }
        let started = ContinuousClock.now
        runner.cancel()
        let report = try await run.value
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(report.results.first?.error?.kind == .cancelled)
        #expect(scratch.files("backups/last").isEmpty)
        let pid = try #require(writtenPID())
        #expect(kill(pid, 0) != 0, "pg_dump (pid \(pid)) still runs")
        #expect(!runner.isRunning)
    }

    @Test("two runs in the same second get different names")
    func sameSecond() async throws {
        let database = try ScratchDatabase(bigRows: 10)
        let scratch = try ScratchDirectory()
        let moment = instant("2026-11-22T01:00:00Z")
        let runner = BackupRunner(
            configuration: configuration(database), directory: scratch.path + "/backups", logger: logger, now: { moment })
        #expect(try await runner.run(trigger: .cli).succeeded)
        #expect(try await runner.run(trigger: .cli).succeeded)
        #expect(scratch.files("backups/last").filter { $0.hasSuffix(".sql.gz") } == [
            "colonies-20261122-020000.sql.gz", "colonies-20261122-020001.sql.gz",
        ])
    }
}
