import BeekeeperGuardian
import Foundation
import Testing

@Suite struct GuardianStatsTests {
    @Test func countsExactlyUnderConcurrency() async {
        let stats = GuardianStats(snapshot: .init(approved: 5, blocked: ["too_deep": 1], lastSeq: 10))
        let reasons = ["payload_too_large", "pattern:sql_injection", "rule:args.0.a:uuid"]
        let tasks = 64
        let perTask = 1_000
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<perTask {
                        if index % 4 == 0 {
                            stats.record(.blocked(reason: reasons[(task + index) % reasons.count]))
                        } else {
                            stats.record(.approved, auditSeq: UInt64(11 + task * perTask + index))
                        }
                    }
                }
            }
        }
        let snapshot = stats.snapshot()
        let blocks = tasks * perTask / 4
        #expect(snapshot.approved == 5 + UInt64(tasks * perTask - blocks))
        #expect(snapshot.blockedTotal == 1 + UInt64(blocks))
        #expect(snapshot.blocked["too_deep"] == 1)
        #expect(reasons.map { snapshot.blocked[$0] ?? 0 }.reduce(0, +) == UInt64(blocks))
        #expect(snapshot.lastSeq == UInt64(11 + tasks * perTask - 1))
    }

    @Test func lastSeqNeverGoesBack() {
        let stats = GuardianStats()
        stats.record(.approved, auditSeq: 7)
        stats.record(.blocked(reason: "too_deep"), auditSeq: 3)
        stats.record(.approved)
        #expect(stats.snapshot() == .init(approved: 2, blocked: ["too_deep": 1], lastSeq: 7))
    }

    @Test func snapshotCodableUsesSnakeCase() throws {
        let snapshot = GuardianStats.Snapshot(approved: 3, blocked: ["pattern:xxe": 2], lastSeq: 42)
        let data = try JSONEncoder().encode(snapshot)
        #expect(String(decoding: data, as: UTF8.self).contains("\"last_seq\":42"))
        #expect(try JSONDecoder().decode(GuardianStats.Snapshot.self, from: data) == snapshot)
    }
}

@Suite struct GuardianStatsStoreTests {
    /// A fresh directory under the system temporary directory, removed afterwards.
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("guardian-stats-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test func roundTripAndAtomicReplace() throws {
        try Self.withDirectory { directory in
            let path = directory + "/guardian-stats.json"
            #expect(try GuardianStatsStore.load(from: path) == nil)
            // A torn temporary file from an earlier crash is simply replaced.
            try Data("{\"vers".utf8).write(to: URL(fileURLWithPath: path + ".tmp"))

            let first = GuardianStats.Snapshot(approved: 12, blocked: ["payload_too_large": 1, "pattern:sql_injection": 4], lastSeq: 99)
            try GuardianStatsStore.save(first, to: path)
            #expect(try GuardianStatsStore.load(from: path) == first)

            // Reasons are free text (field paths, custom ids): quotes, colons, non-ASCII survive.
            let second = GuardianStats.Snapshot(
                approved: UInt64.max,
                blocked: ["rule:args.0.\"weird\\key\":regex": 1, "pattern:é_😀": 18_446_744_073_709_551_615],
                lastSeq: 1_000_000
            )
            try GuardianStatsStore.save(second, to: path)
            #expect(try GuardianStatsStore.load(from: path) == second)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["guardian-stats.json"])
        }
    }

    @Test func emptySnapshotRoundTrips() throws {
        try Self.withDirectory { directory in
            let path = directory + "/s.json"
            try GuardianStatsStore.save(.init(), to: path)
            #expect(try GuardianStatsStore.load(from: path) == .init())
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == "{\"version\":1,\"approved\":0,\"blocked\":{},\"last_seq\":0}\n")
        }
    }

    @Test(arguments: [
        "",
        "{\"version\":1,\"approved\":3,\"blocked\":{},\"last_s",
        "not json",
        "[1,2]",
        "{\"version\":2,\"approved\":0,\"blocked\":{},\"last_seq\":0}",
        "{\"version\":1,\"approved\":-1,\"blocked\":{},\"last_seq\":0}",
        "{\"version\":1,\"approved\":1.5,\"blocked\":{},\"last_seq\":0}",
        "{\"version\":1,\"approved\":\"3\",\"blocked\":{},\"last_seq\":0}",
        "{\"version\":1,\"approved\":0,\"blocked\":[],\"last_seq\":0}",
        "{\"version\":1,\"approved\":0,\"blocked\":{\"x\":1,\"x\":2},\"last_seq\":0}",
        "{\"version\":1,\"approved\":0,\"blocked\":{}}",
        "{\"version\":1,\"approved\":0,\"blocked\":{},\"last_seq\":0,\"extra\":1}",
        "{\"version\":1,\"approved\":18446744073709551616,\"blocked\":{},\"last_seq\":0}",
    ])
    func corruptFileIsAnError(_ contents: String) throws {
        try Self.withDirectory { directory in
            let path = directory + "/guardian-stats.json"
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: GuardianStatsStoreError.self) { try GuardianStatsStore.load(from: path) }
            #expect(error?.path == path)
            #expect(error?.description.hasPrefix(path + ": corrupt Guardian stats: ") == true, "\(String(describing: error))")
        }
    }

    @Test func saveIntoMissingDirectoryFailsAndLeavesNothing() throws {
        try Self.withDirectory { directory in
            let path = directory + "/missing/guardian-stats.json"
            let error = #expect(throws: GuardianStatsStoreError.self) { try GuardianStatsStore.save(.init(approved: 1), to: path) }
            #expect(error?.description.contains("cannot create") == true)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(left.isEmpty)
        }
    }

    @Test func unreadableFileIsAnErrorNotAbsent() throws {
        try Self.withDirectory { directory in
            // A directory where the file should be: open succeeds on Linux but read fails (EISDIR).
            let path = directory + "/guardian-stats.json"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(throws: GuardianStatsStoreError.self) { try GuardianStatsStore.load(from: path) }
        }
    }
}
