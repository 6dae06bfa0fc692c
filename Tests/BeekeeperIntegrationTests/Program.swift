import Foundation

/// Runs a program to completion: stdin from bytes, stdout and stderr apart. Input and stderr go
/// through files so that no pipe can fill up while the other is being read.
enum Program {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Both streams, stdout first: for messages that may land on either.
        var output: String { stdout + stderr }
    }

    static func run(
        _ executable: String, _ arguments: [String], stdin: [UInt8] = [], directory: String? = nil,
        environment: [String: String]? = nil
    ) throws -> Result {
        let scratch = NSTemporaryDirectory() + "beekeeper-run-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inputPath = scratch + "/stdin"
        let errorPath = scratch + "/stderr"
        try Data(stdin).write(to: URL(fileURLWithPath: inputPath))
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? input.close()
            try? errors.close()
        }
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
    }
}
