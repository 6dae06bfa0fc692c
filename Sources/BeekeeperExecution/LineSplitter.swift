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

    mutating func feed(_ chunk: [UInt8]) -> [Piece] {
        var pieces: [Piece] = []
        var start = chunk.startIndex
        while start < chunk.endIndex {
            let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n"))
            if !skipping {
                pending.append(contentsOf: chunk[start..<(newline ?? chunk.endIndex)])
                if pending.count > maxLineLength {
                    pieces.append(.tooLong(Array(pending.prefix(256))))
                    pending = []
                    skipping = true
                }
            }
            guard let newline else { break }
            if skipping {
                skipping = false
            } else {
                pieces.append(.line(Self.trimCarriageReturn(pending)))
            }
            pending.removeAll(keepingCapacity: true)
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

    private static func trimCarriageReturn(_ line: [UInt8]) -> [UInt8] {
        line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
    }
}
