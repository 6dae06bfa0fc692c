import Subprocess

/// The last `capacity` bytes of a stream (a tool's stderr), in bounded memory.
struct OutputTail: Sendable {
    let capacity: Int
    fileprivate var storage: [UInt8] = []

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
        if storage.count > 2 * capacity { storage.removeFirst(storage.count - capacity) }
    }

    /// The tail as trimmed text; a character cut in half at the start is dropped.
    var text: String {
        var tail = storage.suffix(capacity)
        while let first = tail.first, first & 0xC0 == 0x80 { tail = tail.dropFirst() }
        var text = Substring(String(decoding: tail, as: UTF8.self))
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

extension OutputTail {
    /// The last `capacity` bytes, raw.
    var bytes: [UInt8] { Array(storage.suffix(capacity)) }
}

extension OutputTail {
    /// Reads a tool's stderr to its end, keeping the tail; a read error ends it early (the tail
    /// only explains a failure, it is never the failure).
    static func collect(_ stream: SubprocessOutputSequence) async -> OutputTail {
        var tail = OutputTail()
        do {
            for try await buffer in stream { buffer.withUnsafeBytes { tail.append($0) } }
        } catch {}
        return tail
    }
}
