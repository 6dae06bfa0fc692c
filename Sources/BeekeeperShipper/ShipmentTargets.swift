public import Logging

/// Chooses the target implementation from the scheme of `shipper.target`.
public enum ShipmentTargets {
    /// - Parameters:
    ///   - url: `file:///dir/`, `http(s)://host/path/` or `s3://bucket/prefix/` (the loader has
    ///     checked its shape; this checks what only the environment can tell, such as credentials).
    ///   - timeout: the limit of one upload (`shipper.timeout`).
    ///   - environment: where `s3://` finds credentials, region and endpoint.
    public static func make(url: String, timeout: Duration, environment: [String: String], logger: Logger) throws(ShipperConfigurationError) -> any ShipmentTarget {
        let lowered = url.lowercased()
        if lowered.hasPrefix("file://") {
            var rest = Substring(url.dropFirst("file://".count))
            if rest.lowercased().hasPrefix("localhost/") { rest = rest.dropFirst("localhost".count) }
            guard rest.hasPrefix("/"), let path = percentDecode(rest) else {
                throw ShipperConfigurationError(key: "shipper.target", message: "a file target needs an absolute path, as in file:///var/lib/audit/")
            }
            return FileShipmentTarget(directory: path, logger: logger)
        }
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            return HTTPShipmentTarget(baseURL: url.hasSuffix("/") ? url : url + "/", timeout: timeout, logger: logger)
        }
        if lowered.hasPrefix("s3://") {
            return try S3ShipmentTarget(target: url, environment: environment, timeout: timeout, logger: logger)
        }
        throw ShipperConfigurationError(
            key: "shipper.target", message: "unsupported target (use file:///dir/, http(s)://host/path/ or s3://bucket/prefix/)")
    }

    /// RFC 3986 percent-decoding of a file URL's path (`my%20audit` is `my audit`); nil when an
    /// escape is malformed or the result is not UTF-8 or holds a NUL.
    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        func hexValue(_ byte: UInt8?) -> UInt8? {
            switch byte {
            case .some(let b) where b >= 48 && b <= 57: b - 48
            case .some(let b) where b >= 65 && b <= 70: b - 55
            case .some(let b) where b >= 97 && b <= 102: b - 87
            default: nil
            }
        }
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = hexValue(iterator.next()), let low = hexValue(iterator.next()) else { return nil }
            bytes.append(high << 4 | low)
        }
        guard !bytes.contains(0), let decoded = String(validating: bytes, as: UTF8.self) else { return nil }
        return decoded
    }
}
