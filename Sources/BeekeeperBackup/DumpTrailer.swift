/// pg_dump's last words. A plain-format dump ends with
///
///     --
///     -- PostgreSQL database dump complete
///     --
///
///     \unrestrict <key>        (pg_dump 13.22, 14.19, 15.14, 16.10, 17.6 and later)
///
/// A dump cut short (pg_dump killed, disk full, a truncated copy) lacks it.
enum DumpTrailer {
    static let completionLine = "-- PostgreSQL database dump complete"

    /// How many bytes at the end of a dump are enough to find the trailer.
    static let tailBytes = 4096

    /// Whether `tail`, the last bytes of a dump, ends with the completion line followed only by
    /// comment dashes, blank lines and `\unrestrict`.
    static func isComplete(tail: [UInt8]) -> Bool {
        // Bytes, not Characters: "\r\n" is one Character, and a tail may start mid-character.
        let lines = tail.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }
        guard let index = lines.lastIndex(of: completionLine) else { return false }
        return lines[(index + 1)...].allSatisfy { $0.isEmpty || $0 == "--" || $0.hasPrefix("\\unrestrict ") }
    }
}
