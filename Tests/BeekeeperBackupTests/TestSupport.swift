import BeekeeperConfig
import Foundation
import Testing

@testable import BeekeeperBackup

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init(_ prefix: String = "beekeeper-backup-test") throws {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        if ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    func files(_ subdirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + subdirectory)) ?? []).sorted()
    }
}

extension BackupManifest {
    /// A manifest for a file that is not a real dump (retention and listing tests).
    static func fake(database: String, file: String, startedAt: Date, sha256: String = String(repeating: "0", count: 64), size: Int64 = 0) -> BackupManifest {
        BackupManifest(
            database: database, file: file, sizeBytes: size, sha256: sha256, uncompressedBytes: 0, serverVersion: "15.20",
            serverVersionNumber: 150020, pgDumpVersion: "15.20", startedAt: startedAt, finishedAt: startedAt + 1, durationSeconds: 1,
            timeZone: "UTC", snapshot: "00000003-00000002-1", tables: [.init(table: "public.bees", rows: 3)])
    }
}

func readText(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
