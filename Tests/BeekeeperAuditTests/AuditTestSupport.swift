import BeekeeperCore
import Foundation
import Logging
import Sodium
import Synchronization
import Testing

@testable import BeekeeperAudit

/// A fresh directory under the system temp dir, removed by `cleanup`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/beekeeper-audit-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Segment file names in the directory, sorted.
    func segmentNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix("audit-") }.sorted()
    }
}

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let micros: Mutex<Int64>
    init(_ start: Int64 = 1_795_000_000_000_000) { micros = Mutex(start) }
    func now() -> Int64 { micros.withLock { $0 } }
    func advance(_ duration: Duration) { micros.withLock { $0 += duration.microseconds } }
}

enum TestSupport {
    static let logger = Logger(label: "audit-test") { _ in SwiftLogNoOpLogHandler() }
    static let signingKey = Ed25519.KeyPair.fromSeed([UInt8](repeating: 7, count: 32))
    static let otherKey = Ed25519.KeyPair.fromSeed([UInt8](repeating: 9, count: 32))
    static let hmacKey = Array("test-hmac-key".utf8)

    /// Tests' default: no periodic checkpoint, so record positions never depend on how slow the
    /// machine is. Tests of checkpoints pass their own options.
    static let quietOptions = AuditLogOptions(checkpointInterval: .seconds(3600))

    /// Opens the log; when this very process still holds the lock it is only for a moment: a child
    /// that another test forked shares the lock's descriptor until it execs. Retry that briefly.
    static func open(
        _ directory: TemporaryDirectory, options: AuditLogOptions = TestSupport.quietOptions, clock: ManualClock? = nil,
        faults: AuditFaultInjector? = nil
    ) async throws -> AuditLog {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                return try await openOnce(directory, options: options, clock: clock, faults: faults)
            } catch AuditError.locked(_, let holder) where holder == getpid() && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    static func openOnce(
        _ directory: TemporaryDirectory, options: AuditLogOptions, clock: ManualClock?, faults: AuditFaultInjector?
    ) async throws -> AuditLog {
        if clock == nil && faults == nil {
            return try await AuditLog(
                directory: directory.path, options: options, signingKey: signingKey, hmacKey: hmacKey, logger: logger)
        }
        let now: @Sendable () -> Int64
        if let clock {
            now = { clock.now() }
        } else {
            now = { AuditTimestamp.nowMicroseconds() }
        }
        return try await AuditLog(
            directory: directory.path, options: options, signingKey: signingKey, hmacKey: hmacKey, logger: logger,
            clock: now, faults: faults)
    }

    static func task(_ type: String, _ id: String, bee: String = "finance", funcname: String = "validate_revenue")
        -> AuditRecord
    {
        AuditRecord(type: type, ["task_id": .string(id), "bee": .string(bee), "funcname": .string(funcname)])
    }

    /// All lines of a plain or gzip segment, without newlines.
    static func lines(_ path: String) throws -> [String] {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        if path.hasSuffix(".gz") {
            let output = try run("/usr/bin/gzip", ["-dc", path])
            data = Data(output.utf8)
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    /// Every record line of the directory, in seq order.
    static func allLines(_ directory: TemporaryDirectory) throws -> [String] {
        try AuditSegments.list(directory: directory.path).flatMap { try lines($0.path) }
    }

    static func parse(_ line: String) throws -> JSONValue {
        try JSONValue.parse(line)
    }

    /// The chain computed here from the spec, independently of the module:
    /// hex(SHA-256(previous chain as ASCII ‖ the line's bytes before `,"chain":"`)).
    static func expectedChain(previous: String, line: String) -> String {
        let bytes = Array(line.utf8)
        let marker = Array(#","chain":""#.utf8)
        var cut = bytes.count - marker.count
        while cut >= 0, !bytes[cut..<cut + marker.count].elementsEqual(marker) { cut -= 1 }
        var hasher = SHA256()
        hasher.update(Array(previous.utf8))
        hasher.update(Array(bytes[0..<max(cut, 0)]))
        return Hex.encode(hasher.finalize())
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ProcessFailure(status: process.terminationStatus) }
        return String(decoding: output, as: UTF8.self)
    }

    struct ProcessFailure: Error { var status: Int32 }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func append(_ bytes: [UInt8], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? -1
    }
}
