import Foundation
import Synchronization

/// A clock the test moves by hand.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (left: Instant, right: Instant) -> Bool { left.offset < right.offset }
    }

    private let time = Mutex<Duration>(.zero)
    var now: Instant { Instant(offset: time.withLock { $0 }) }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
    func advance(by duration: Duration) { time.withLock { $0 += duration } }
}

/// A small seeded generator, so distributions in tests are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs a real program, feeding `input` on standard input.
func run(_ executable: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Read both pipes while writing, so a chatty program cannot block on a full pipe.
    let outputBox = Mutex<Data>(Data())
    let errorBox = Mutex<Data>(Data())
    let readers = DispatchGroup()
    DispatchQueue.global().async(group: readers) { let data = stdout.fileHandleForReading.readDataToEndOfFile(); outputBox.withLock { $0 = data } }
    DispatchQueue.global().async(group: readers) { let data = stderr.fileHandleForReading.readDataToEndOfFile(); errorBox.withLock { $0 = data } }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    readers.wait()
    process.waitUntilExit()
    return (
        process.terminationStatus,
        String(decoding: outputBox.withLock { $0 }, as: UTF8.self),
        String(decoding: errorBox.withLock { $0 }, as: UTF8.self)
    )
}

/// The path of an executable on PATH (or at an absolute path), if present.
func findExecutable(_ name: String) -> String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for directory in directories + ["/usr/bin", "/usr/local/bin"] {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

var runningInCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
