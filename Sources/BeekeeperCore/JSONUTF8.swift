/// UTF-8 well-formedness (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
/// U+10FFFF), the same rule as `String(validating:as:)`, checked without building a String.
enum JSONUTF8 {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var index = 0
        while index < count {
            // ASCII, eight bytes at a time.
            if index + 8 <= count, !JSONByteScan.hasNonASCII(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let width: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: width = 2
            case 0xE0: width = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: width = 3
            case 0xED: width = 3; secondHigh = 0x9F
            case 0xF0: width = 4; secondLow = 0x90
            case 0xF1...0xF3: width = 4
            case 0xF4: width = 4; secondHigh = 0x8F
            default: return false
            }
            guard index + width <= count else { return false }
            let second = bytes[index + 1]
            guard second >= secondLow, second <= secondHigh else { return false }
            for offset in 2..<max(width, 2) where bytes[index + offset] & 0xC0 != 0x80 { return false }
            index += width
        }
        return true
    }
}
