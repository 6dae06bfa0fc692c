import Foundation

/// python3 with pycolonies, for checking our signatures against an independent implementation.
enum Pycolonies {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let crossCheckScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Tools/pycolonies_crosscheck.py").path
    static let isInstalled = (try? python(["-c", "import pycolonies"]).status) == 0

    /// Runs `python3` from PATH; standard error passes through to the test log.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, Array(data))
    }
}
