internal import CSodium

/// Lower-case hex, via libsodium's constant-time codec (key material passes through here).
public enum Hex {
    public static func encode(_ bytes: some ContiguousBytes) -> String {
        _ = Sodium.ready
        return bytes.withUnsafeBytes { raw in
            var output = [CChar](repeating: 0, count: raw.count * 2 + 1)
            _ = sodium_bin2hex(&output, output.count, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
            return String(decoding: output.prefix(raw.count * 2).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Decodes hex (either case); nil for odd lengths or other characters.
    public static func decode(_ text: String) -> [UInt8]? {
        _ = Sodium.ready
        let input = Array(text.utf8)
        guard input.count % 2 == 0 else { return nil }
        var output = [UInt8](repeating: 0, count: input.count / 2)
        var written = 0
        var end: UnsafePointer<CChar>? = nil
        let status = input.withUnsafeBufferPointer { inputBytes in
            inputBytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(input.count, 1)) { chars in
                sodium_hex2bin(&output, output.count, chars, input.count, nil, &written, &end)
            }
        }
        guard status == 0, written == output.count else { return nil }
        return output
    }
}

/// Standard base64 with padding (RFC 4648 section 4), via libsodium.
public enum Base64 {
    public static func encode(_ bytes: some ContiguousBytes) -> String {
        _ = Sodium.ready
        let variant = Int32(sodium_base64_VARIANT_ORIGINAL)
        return bytes.withUnsafeBytes { raw in
            let length = sodium_base64_encoded_len(raw.count, variant)
            var output = [CChar](repeating: 0, count: length)
            _ = sodium_bin2base64(&output, length, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, variant)
            return String(decoding: output.prefix(length - 1).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    public static func decode(_ text: String) -> [UInt8]? {
        _ = Sodium.ready
        let input = Array(text.utf8)
        if input.isEmpty { return [] }
        var output = [UInt8](repeating: 0, count: input.count / 4 * 3 + 3)
        var written = 0
        // Every input byte must be consumed: libsodium stops quietly at the first foreign one.
        let consumedAll = input.withUnsafeBufferPointer { inputBytes in
            inputBytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: input.count) { chars -> Bool in
                var end: UnsafePointer<CChar>? = nil
                let status = sodium_base642bin(
                    &output, output.count, chars, input.count, nil, &written, &end, Int32(sodium_base64_VARIANT_ORIGINAL))
                return status == 0 && end == chars + input.count
            }
        }
        return consumedAll ? Array(output.prefix(written)) : nil
    }
}
