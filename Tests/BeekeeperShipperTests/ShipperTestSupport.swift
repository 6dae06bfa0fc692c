import BeekeeperAudit
import Foundation
import Logging
import Sodium
import Testing

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init(_ name: String = "shipper") throws {
        path = NSTemporaryDirectory() + "beekeeper-\(name)-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func subdirectory(_ name: String) throws -> String {
        let child = path + "/" + name
        try FileManager.default.createDirectory(atPath: child, withIntermediateDirectories: true)
        return child
    }
}

enum Fixtures {
    static let logger = Logger(label: "shipper-tests")

    /// Writes a sealed, compressed segment named after `firstSeq` holding `bytes` (the shipper
    /// moves files, it does not read them as gzip) and returns it as the audit module lists it.
    @discardableResult
    static func segment(in directory: String, firstSeq: UInt64, bytes: [UInt8]) throws -> AuditSegment {
        let path = directory + "/" + AuditSegments.fileName(firstSeq: firstSeq, compressed: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return AuditSegment(firstSeq: firstSeq, path: path, isCompressed: true, isShipped: false, byteCount: Int64(bytes.count))
    }

    /// Deterministic, incompressible-looking bytes.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(bytes)) }

    static func sha256(file path: String) throws -> String {
        sha256(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func names(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

/// External tools the tests need; with CI=true their absence fails the test instead of skipping it.
enum Requirements {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The python3 interpreter itself (not a version-manager shim), or nil.
    static let python: String? = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        let path = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        probe.waitUntilExit()
        return probe.terminationStatus == 0 && !path.isEmpty ? path : nil
    }()

    static let hasBotocore: Bool = {
        guard let python else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import botocore.auth"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// Outside CI, tests needing python3 (and botocore) skip when it is missing; in CI they run and fail.
    static var pythonAvailable: Bool { isCI || python != nil }
    static var botocoreAvailable: Bool { isCI || hasBotocore }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let collectorScript = packageRoot + "/Tests/BeekeeperIntegrationTests/Tools/collector.py"
    static let botocoreScript = packageRoot + "/Tests/BeekeeperShipperTests/Tools/sigv4_botocore.py"
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
