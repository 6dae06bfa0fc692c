import Foundation

/// Deterministic, fast pseudo-random bytes (xorshift64*), so failures reproduce.
func randomBytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { raw in
        var index = 0
        while index < raw.count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            var word = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
            let take = min(8, raw.count - index)
            withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: index).copyMemory(from: $0.baseAddress!, byteCount: take) }
            index += take
        }
    }
    return bytes
}

/// Text-like data that compresses well.
func compressibleBytes(_ count: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    var line = 0
    while bytes.count < count {
        bytes += Array("INSERT INTO audit VALUES (\(line), 'bee-\(line % 17)', 'ok');\n".utf8)
        line += 1
    }
    return Array(bytes.prefix(count))
}

/// A fresh directory, removed by the caller's `defer`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("zlibtests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

struct ProcessResult {
    var status: Int32
    var standardError: String
}

/// Runs the system gzip as a real process, stdout going to `output` when given.
func runGzip(_ arguments: [String], output: URL? = nil) throws -> ProcessResult {
    let candidates = ["/bin/gzip", "/usr/bin/gzip"]
    guard let gzip = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw GzipMissing()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gzip)
    process.arguments = arguments
    let errorPipe = Pipe()
    process.standardError = errorPipe
    var outputHandle: FileHandle?
    if let output {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        outputHandle = try FileHandle(forWritingTo: output)
        process.standardOutput = outputHandle
    } else {
        process.standardOutput = FileHandle.nullDevice
    }
    try process.run()
    let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try outputHandle?.close()
    return ProcessResult(status: process.terminationStatus, standardError: String(decoding: errorData, as: UTF8.self))
}

struct GzipMissing: Error, CustomStringConvertible {
    var description: String { "the system gzip binary was not found in /bin or /usr/bin" }
}
