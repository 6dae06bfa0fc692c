import Synchronization

/// Random (version 4) UUIDs in lowercase, the id of a task whose client gave none.
///
/// Foundation's `UUID()` on Linux reads `/dev/urandom` once per id and formats it with
/// `sprintf`, then the caller lowercased the String: a system call and a formatted print per
/// task on the request path (BENCHMARKS 23). Here the bytes come from the system's CSPRNG
/// (`SystemRandomNumberGenerator`, getrandom) 4 KiB at a time, so one call serves 256 ids, and
/// the text is written straight into the String's storage.
package enum RandomUUID {
    private static let bytesPerID = 16
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096

        mutating func take16(into id: inout InlineArray<16, UInt8>) {
            if next + RandomUUID.bytesPerID > bytes.count {
                var generator = SystemRandomNumberGenerator()
                bytes.withUnsafeMutableBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        raw.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
                        offset += 8
                    }
                }
                next = 0
            }
            for index in 0..<RandomUUID.bytesPerID { id[index] = bytes[next + index] }
            // Used bytes are overwritten, so an id never stays in memory after it was handed out.
            for index in next..<next + RandomUUID.bytesPerID { bytes[index] = 0 }
            next += RandomUUID.bytesPerID
        }
    }

    /// A new id, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (RFC 9562 version 4, variant 10).
    package static func next() -> String {
        var id = InlineArray<16, UInt8>(repeating: 0)
        pool.withLock { $0.take16(into: &id) }
        id[6] = (id[6] & 0x0F) | 0x40
        id[8] = (id[8] & 0x3F) | 0x80
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { text in
            var out = 0
            digits.withUTF8Buffer { hex in
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    text[out] = hex[Int(id[index] >> 4)]
                    text[out + 1] = hex[Int(id[index] & 0x0F)]
                    out += 2
                }
            }
            return out
        }
    }
}
