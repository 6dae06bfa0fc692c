/// Keeps the last `capacity` bytes of a stream (a bee's stderr) in bounded memory.
struct ByteTail: Sendable {
    let capacity: Int
    private var storage: [UInt8] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        storage.append(contentsOf: bytes)
        // Trim in batches, not on every append.
        if storage.count > 2 * capacity {
            storage.removeFirst(storage.count - capacity)
        }
    }

    var bytes: [UInt8] { Array(storage.suffix(capacity)) }

    /// The tail as text, at most `capacity` UTF-8 bytes: a character cut in half at the start is
    /// dropped rather than replaced, and surrounding whitespace is trimmed.
    var text: String {
        var tail = storage.suffix(capacity)
        while let first = tail.first, first & 0xC0 == 0x80 { tail = tail.dropFirst() }
        let string = String(decoding: tail, as: UTF8.self)
        return string.trimmingWhitespace()
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
