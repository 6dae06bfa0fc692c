/// Writes bytes into memory reserved for them beforehand, with a bounds check per write but no
/// array bookkeeping: appending to a `[UInt8]` byte by byte costs a uniqueness and capacity
/// check (a runtime call) for every `,` `:` and quote, and the audit writer serializes about
/// eighty such pieces per record. A write past `end` traps; it never touches memory beyond it.
@usableFromInline
package struct JSONByteWriter {
    /// Where the next byte goes. Settable only so the `@inlinable` writes below can advance
    /// it from other modules of the package, where they are inlined into the audit writer.
    @usableFromInline package var position: UnsafeMutablePointer<UInt8>
    @usableFromInline package let end: UnsafeMutablePointer<UInt8>

    @inlinable
    package init(_ start: UnsafeMutablePointer<UInt8>, count: Int) {
        position = start
        end = start + count
    }

    @inlinable @inline(__always)
    package mutating func append(_ byte: UInt8) {
        precondition(position < end, "JSONByteWriter: write past the reserved bytes")
        position.initialize(to: byte)
        position += 1
    }

    @inlinable @inline(__always)
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(end - position >= bytes.count, "JSONByteWriter: write past the reserved bytes")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        UnsafeMutableRawPointer(position).copyMemory(from: base, byteCount: bytes.count)
        position += bytes.count
    }

    @inlinable @inline(__always)
    package mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(bytes)) }

    /// A constant, copied straight from the binary.
    @inlinable @inline(__always)
    package mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `bytes` as lower-case hex, two digits per byte (one bounds check for all of them).
    @inlinable
    package mutating func appendLowerHex(_ bytes: UnsafeRawBufferPointer) {
        precondition(end - position >= 2 * bytes.count, "JSONByteWriter: write past the reserved bytes")
        for byte in bytes {
            position[0] = Self.hexDigit(byte >> 4)
            position[1] = Self.hexDigit(byte & 0x0F)
            position += 2
        }
    }

    /// A lower-case hex digit, without a table lookup.
    @inlinable @inline(__always)
    package static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble }

    /// `String(value)`'s bytes, without the String.
    @inlinable
    package mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            var index = 24
            repeat {
                index -= 1
                raw[index] = 0x30 + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            append(UnsafeRawBufferPointer(rebasing: raw[index...]))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes: room for at most `bound` bytes is reserved (zero-filled, so
    /// the array never holds uninitialized bytes), and what `body` left unused is dropped.
    @inlinable
    package mutating func appendWritten(atMost bound: Int, _ body: (inout JSONByteWriter) -> Void) {
        let start = count
        append(contentsOf: repeatElement(0, count: bound))
        if isEmpty {
            // No room and no storage to point into: a writer over nothing (any write traps).
            var nothing: UInt8 = 0
            withUnsafeMutablePointer(to: &nothing) { none in
                var writer = JSONByteWriter(none, count: 0)
                body(&writer)
            }
            return
        }
        let written = withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress! + start
            var writer = JSONByteWriter(base, count: bound)
            body(&writer)
            return writer.position - base
        }
        removeLast(bound - written)
    }
}
