import BeekeeperConfig
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Python test bees beside this file, and what the tests need around them.
enum Fixture {
    static let beesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Bees")
    static let processBee = beesDirectory.appendingPathComponent("process_bee.py").path
    static let workerBee = beesDirectory.appendingPathComponent("worker_bee.py").path

    static let python3Available: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/python3", X_OK) == 0 }
    }()

    /// The interpreter behind `python3`, so that most tests skip wrappers such as pyenv shims
    /// (several shell processes per start) and stay quick on a loaded machine.
    static let python: String = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return "python3" }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && path.hasPrefix("/") ? path : "python3"
    }()

    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Outside CI the suites are skipped without python3; in CI they run, and fail on
    /// ``requirePython()``.
    static let canRun = python3Available || inCI

    static func requirePython() throws {
        try #require(python3Available, "python3 is needed for the bee tests (it must be installed when CI=true)")
    }

    static let logger = Logger(label: "beekeeper-execution-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    static func processBeeConfig(
        concurrency: Int = 2,
        timeout: Duration = .seconds(10),
        retries: Int = 0,
        maxQueue: Int = 100,
        throughPATH: Bool = false
    ) -> BeeConfig {
        var config = BeeConfig(
            name: "proc",
            funcnames: ["echo"],
            kind: .process,
            command: [throughPATH ? "python3" : python, processBee]
        )
        config.concurrency = concurrency
        config.timeout = timeout
        config.retries.max = retries
        config.retries.initialBackoff = .milliseconds(50)
        config.retries.maxBackoff = .milliseconds(200)
        config.maxQueue = maxQueue
        return config
    }

    static func workerBeeConfig(
        concurrency: Int = 1,
        timeout: Duration = .seconds(10),
        retries: Int = 0,
        pidDirectory: String? = nil
    ) -> BeeConfig {
        var config = BeeConfig(
            name: "work",
            funcnames: ["echo"],
            kind: .worker,
            command: [python, workerBee] + (pidDirectory.map { [$0] } ?? [])
        )
        config.concurrency = concurrency
        config.timeout = timeout
        config.retries.max = retries
        config.retries.initialBackoff = .milliseconds(50)
        config.retries.maxBackoff = .milliseconds(200)
        return config
    }
}

/// A fresh directory, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bee-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

func processExists(_ pid: pid_t) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}

func processGroupExists(_ pgid: pid_t) -> Bool {
    kill(-pgid, 0) == 0 || errno == EPERM
}

/// Polls `condition` until it holds or `limit` passes; for states that settle asynchronously.
/// 45 s: a Python bee can take over 15 s to start when the suite runs beside other builds on 2 cores.
func eventually(within limit: Duration = .seconds(45), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

func fileExists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

func touch(_ path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: nil)
}
