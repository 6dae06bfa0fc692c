/// Splits a byte stream into `\n`-terminated lines (a trailing `\r` is dropped), refusing to
/// buffer a line longer than `maxLineLength`.
struct LineSplitter: Sendable {
    enum Piece: Sendable {
        case line([UInt8])
        /// The line exceeded `maxLineLength`; these are its first bytes, the rest up to the next
        /// newline is skipped.
        case tooLong([UInt8])
    }

    let maxLineLength: Int
    private var pending: [UInt8] = []
    private var skipping = false

    init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// Takes any contiguous bytes (an array, or the reusable read buffer of
    /// ``WorkerOutputReader`` without a copy into an array first).
    mutating func feed<Bytes: RandomAccessCollection<UInt8>>(_ chunk: Bytes) -> [Piece] where Bytes.Index == Int {
        var pieces: [Piece] = []
        var start = chunk.startIndex
        while start < chunk.endIndex {
            let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? chunk.endIndex
            if !skipping {
                if pending.count + (end - start) > maxLineLength {
                    pending.append(contentsOf: chunk[start..<min(end, start + Self.excerptBytes)])
                    pieces.append(.tooLong(Array(pending.prefix(Self.excerptBytes))))
                    pending = []
                    skipping = true
                } else if newline != nil, pending.isEmpty {
                    // The common case, a whole line inside one read: one copy, straight from the chunk.
                    pieces.append(.line(Self.trimCarriageReturn(Array(chunk[start..<end]))))
                } else {
                    pending.append(contentsOf: chunk[start..<end])
                    if newline != nil {
                        pieces.append(.line(Self.trimCarriageReturn(pending)))
                        // Not removeAll(keepingCapacity:): the line just emitted shares the storage,
                        // so that would copy it, at the size of the longest line seen so far.
                        pending = []
                    }
                }
            }
            guard let newline else { break }
            skipping = false
            start = newline + 1
        }
        return pieces
    }

    /// The unterminated last line, if any, at end of stream.
    mutating func finish() -> [UInt8]? {
        defer {
            pending = []
            skipping = false
        }
        guard !skipping, !pending.isEmpty else { return nil }
        return Self.trimCarriageReturn(pending)
    }

    private static let excerptBytes = 256

    private static func trimCarriageReturn(_ line: [UInt8]) -> [UInt8] {
        var line = line
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
