#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search over bytes: `memchr` finds each candidate first byte (vectorised in libc),
/// `memcmp` checks the rest. The pre-filter that lets a lookup skip parsing other records' lines.
/// (glibc's `memmem` is not visible to Swift without `_GNU_SOURCE`.)
enum ByteSearch {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        firstOffset(of: needle, in: haystack) != nil
    }

    /// The offset of the first `needle` in `haystack[from...]`, nil when absent.
    static func firstOffset(of needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard !needle.isEmpty else { return from <= haystack.count ? from : nil }
        guard from <= haystack.count, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBytes { h -> Int? in
            needle.withUnsafeBytes { n -> Int? in
                let base = h.baseAddress!
                let first = Int32(needle[0])
                var position = from
                let last = h.count - n.count
                while position <= last {
                    guard let found = memchr(base + position, first, last - position + 1) else { return nil }
                    let offset = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                    if memcmp(base + offset, n.baseAddress!, n.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }
}
