import BeekeeperCore
import Foundation
import Testing

@testable import BeekeeperBackup

@Suite("Manifests, trailers and versions")
struct BackupManifestTests {
    @Test("a manifest survives a round trip through its file, verification included")
    func roundTrip() throws {
        let scratch = try ScratchDirectory()
        var manifest = BackupManifest(
            database: "colonies", file: "colonies-20261122-020000.sql.gz", sizeBytes: 123_456_789_012, sha256: String(repeating: "ab", count: 32),
            uncompressedBytes: 987_654_321_098, serverVersion: "15.20 (Debian 15.20-0+deb12u1)", serverVersionNumber: 150020,
            pgDumpVersion: "15.20", startedAt: instant("2026-11-22T01:00:00.125Z"), finishedAt: instant("2026-11-22T01:03:20.5Z"),
            durationSeconds: 200.375, timeZone: "Europe/Berlin", snapshot: "00000003-0000001B-1",
            tables: [.init(table: "Odd \"Schema\".bees 🐝", rows: 3), .init(table: "public.big", rows: 100_000), .init(table: "public.empty", rows: 0)])
        let path = scratch.path + "/m.json"
        try DatabaseDump.writeManifest(manifest, to: path)
        #expect(try BackupManifest.load(from: path) == manifest)
        manifest.verification = .init(mode: "restore", passed: true, at: instant("2026-11-22T01:04:00Z"))
        try DatabaseDump.writeManifest(manifest, to: path)
        let loaded = try BackupManifest.load(from: path)
        #expect(loaded == manifest)
        #expect(loaded.tables.map(\.table) == manifest.tables.map(\.table))  // order kept
        // The file is one JSON object with the documented keys, in order.
        let json = try JSONValue.parse(try #require(FileManager.default.contents(atPath: path)).map { $0 })
        #expect(json.objectValue?.map(\.key) == [
            "format", "database", "file", "size_bytes", "sha256", "uncompressed_bytes", "server_version", "server_version_num",
            "pg_dump_version", "started_at", "finished_at", "duration_seconds", "timezone", "snapshot", "tables", "verification",
        ])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a manifest that is not one is refused with the key at fault")
    func invalid() throws {
        let good = BackupManifest.fake(database: "colonies", file: "x.sql.gz", startedAt: instant("2026-11-22T01:00:00Z")).json
        #expect(throws: BackupError.self) { try BackupManifest(json: good.setting("sha256", to: .number(1))) }
        do {
            _ = try BackupManifest(json: good.setting("size_bytes", to: "big"))
            Issue.record("accepted a text size")
        } catch {
            #expect(error.message.contains("size_bytes"))
        }
        do {
            _ = try BackupManifest(json: good.setting("format", to: "something else"))
            Issue.record("accepted another format")
        } catch {
            #expect(error.message.contains("format"))
        }
        let scratch = try ScratchDirectory()
        #expect(throws: BackupError.self) { try BackupManifest.load(from: scratch.path + "/missing.json") }
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: scratch.path + "/broken.json"))
        #expect(throws: BackupError.self) { try BackupManifest.load(from: scratch.path + "/broken.json") }
    }

    @Test("the completion trailer, with and without \\unrestrict")
    func trailer() {
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        let body = "COPY public.bees (id) FROM stdin;\n1\n\\.\n\n"
        #expect(DumpTrailer.isComplete(tail: bytes(body + "--\n-- PostgreSQL database dump complete\n--\n\n")))
        #expect(DumpTrailer.isComplete(tail: bytes(body + "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict Abc123\n\n")))
        #expect(DumpTrailer.isComplete(tail: bytes(body + "--\r\n-- PostgreSQL database dump complete\r\n--\r\n")))
        #expect(!DumpTrailer.isComplete(tail: bytes(body)))
        #expect(!DumpTrailer.isComplete(tail: bytes("")))
        // The words inside data, or SQL after them, are not a trailer.
        #expect(!DumpTrailer.isComplete(tail: bytes("-- PostgreSQL database dump complete\nCOPY public.x (id) FROM stdin;\n1\n")))
        #expect(!DumpTrailer.isComplete(tail: bytes("x\t-- PostgreSQL database dump complete\n")))
        // A tail cut in the middle of a UTF-8 character still reads.
        #expect(DumpTrailer.isComplete(tail: [0x9F, 0x90, 0x9D] + bytes("\n--\n-- PostgreSQL database dump complete\n--\n")))
    }

    @Test("PostgreSQL versions from tools and servers compare by major version")
    func versions() throws {
        let debian = try #require(PostgresVersion(toolOutput: "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"))
        #expect(debian.text == "15.20" && debian.major == "15")
        let old = try #require(PostgresVersion(toolOutput: "pg_dump (PostgreSQL) 9.6.24"))
        #expect(old.major == "9.6")
        let beta = try #require(PostgresVersion(toolOutput: "pg_dump (PostgreSQL) 17beta1"))
        #expect(beta.major == "17")
        #expect(PostgresVersion(toolOutput: "pg_dump: command not found") == nil)
        #expect(PostgresVersion(toolOutput: "pg_dump (PostgreSQL) x") == nil)
        let server15 = PostgresVersion(serverVersionNumber: 150020)
        #expect(server15.text == "15.20")
        #expect(PostgresVersion(serverVersionNumber: 90624).major == "9.6")
        #expect(debian >= server15)
        #expect(!(debian < server15) && !(server15 < debian))  // same major: minor releases do not matter
        #expect(old < server15)
        #expect(try #require(PostgresVersion(toolOutput: "pg_dump (PostgreSQL) 14.13")) < server15)
        #expect(PostgresVersion(serverVersionNumber: 90624) < PostgresVersion(serverVersionNumber: 100_001))
        #expect(beta > server15)
    }
}
