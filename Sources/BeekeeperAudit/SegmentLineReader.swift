#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Zlib

/// Reads a segment (`.jsonl`, or `.jsonl.gz` decompressed on the fly) line by line in constant
/// memory, with one line of look-ahead. Not thread-safe; one owner.
final class SegmentLineReader {
    struct Line {
        /// The line without its newline.
        var bytes: [UInt8]
        /// 1-based line number.
        var number: Int
        /// Offset of the line's first byte in the (decompressed) segment.
        var offset: Int64
        /// false for a last line that has no newline (torn, or still being written).
        var terminated: Bool
    }

    /// A line longer than this is treated as corruption rather than buffered without end.
    static let maximumLineBytes = 16 << 20

    let path: String
    private let fd: Int32
    private var inflater: Inflater?
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var bufferOffset: Int64 = 0
    private var atEnd = false
    private var lineNumber = 0
    private var peeked: Line??
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Following a file that is still being written: at its end, `next` returns nil and keeps
    /// a partial last line for later instead of returning it unterminated.
    private let following: Bool

    init(path: String, compressed: Bool? = nil, following: Bool = false) throws(AuditError) {
        self.path = path
        self.following = following && !(compressed ?? path.hasSuffix(".gz"))
        self.fd = try POSIX.open(path, O_RDONLY)
        if compressed ?? path.hasSuffix(".gz") {
            do {
                inflater = try Inflater(format: .gzip)
            } catch {
                POSIX.close(fd)
                throw .compressedSegment(path: path, reason: error.description)
            }
        }
    }

    deinit { POSIX.close(fd) }

    /// Opens a listed segment. A sealed plain segment can be compressed and removed between
    /// listing and opening (background compression runs while readers list), so a plain file
    /// that is gone is read from its `.gz`, which exists complete before the plain one goes.
    static func open(_ segment: AuditSegment) throws(AuditError) -> SegmentLineReader {
        try open(path: segment.path, compressed: segment.isCompressed)
    }

    static func open(path: String, compressed: Bool, following: Bool = false) throws(AuditError) -> SegmentLineReader {
        do {
            return try SegmentLineReader(path: path, compressed: compressed, following: following)
        } catch .io(let operation, let failedPath, let code) where code == ENOENT && !compressed {
            do {
                return try SegmentLineReader(path: path + ".gz", compressed: true)
            } catch .io(_, _, ENOENT) {
                throw .io(operation: operation, path: failedPath, errno: code)
            }
        }
    }

    /// Lines read so far (the number of the last line returned by `next`).
    var lastLineNumber: Int { lineNumber - (peeked.map { $0 == nil ? 0 : 1 } ?? 0) }

    func next() throws(AuditError) -> Line? {
        if let line = peeked {
            peeked = nil
            return line
        }
        return try readLine()
    }

    func peek() throws(AuditError) -> Line? {
        if let line = peeked { return line }
        let line = try readLine()
        peeked = .some(line)
        return line
    }

    /// Offset just past the last complete line returned (for a follower to resume from).
    var consumedOffset: Int64 { bufferOffset + Int64(start) }

    private func readLine() throws(AuditError) -> Line? {
        while true {
            if let newline = buffer[scanned...].firstIndex(of: 10) {
                let line = Line(
                    bytes: Array(buffer[start..<newline]), number: lineNumber + 1,
                    offset: bufferOffset + Int64(start), terminated: true)
                lineNumber += 1
                start = newline + 1
                scanned = start
                return line
            }
            scanned = buffer.count
            if atEnd {
                if following {
                    atEnd = false
                    return nil
                }
                guard start < buffer.count else { return nil }
                let line = Line(
                    bytes: Array(buffer[start...]), number: lineNumber + 1, offset: bufferOffset + Int64(start),
                    terminated: false)
                lineNumber += 1
                start = buffer.count
                scanned = start
                return line
            }
            guard buffer.count - start <= Self.maximumLineBytes else {
                throw .corruptSegment(path: path, line: lineNumber + 1, reason: "line longer than \(Self.maximumLineBytes) bytes")
            }
            try fill()
        }
    }

    /// Appends the next chunk of (decompressed) data, compacting consumed bytes first.
    private func fill() throws(AuditError) {
        if start > 0 {
            buffer.removeFirst(start)
            bufferOffset += Int64(start)
            scanned -= start
            start = 0
        }
        while true {
            let count = try POSIX.read(fd, into: &chunk, path: path)
            if count == 0 {
                if let inflater {
                    do {
                        try inflater.finish()
                    } catch {
                        throw .compressedSegment(path: path, reason: Self.describe(error))
                    }
                }
                atEnd = true
                return
            }
            guard let inflater else {
                buffer.append(contentsOf: chunk[0..<count])
                return
            }
            do {
                let output = try inflater.decompress(chunk[0..<count])
                if !output.isEmpty {
                    buffer.append(contentsOf: output)
                    return
                }
            } catch {
                throw .compressedSegment(path: path, reason: Self.describe(error))
            }
        }
    }

    private static func describe(_ error: ZlibError) -> String {
        error.code == .truncated ? "truncated gzip stream" : "corrupt gzip stream (\(error.message))"
    }
}
