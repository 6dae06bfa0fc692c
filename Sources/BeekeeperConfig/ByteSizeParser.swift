/// Byte sizes as the configuration spells them: `512KiB`, `64MiB`, `1GiB`, `100B`; decimal `KB`,
/// `MB`, `GB`, `TB` are powers of 1000. Units ignore case and may follow a space; a bare integer is
/// a number of bytes, since that is what keys such as `rotate_bytes` literally say.
public enum ByteSizeParser {
    /// Binary units first: `format` only uses these, largest first.
    private static let binaryUnits: [(name: String, bytes: Int)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]
    private static let decimalUnits: [(name: String, bytes: Int)] = [
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1),
    ]

    /// The number of bytes, or nil when `text` is not a non-negative size that fits in an `Int`.
    /// A fraction (`1.5MiB`) must come to a whole number of bytes.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        let number = trimmed.prefix(while: { $0.isASCIIDigit || $0 == "." })
        let unitText = trimmed.dropFirst(number.count).trimmingWhitespace().lowercased()
        guard !number.isEmpty else { return nil }
        let multiplier: Int
        if unitText.isEmpty {
            multiplier = 1
        } else if let unit = (binaryUnits + decimalUnits).first(where: { $0.name.lowercased() == unitText }) {
            multiplier = unit.bytes
        } else {
            return nil
        }
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let whole = Int(pieces[0].isEmpty ? "0" : pieces[0]) else { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        guard pieces.count == 2 else { return scaled }
        let fractionDigits = pieces[1]
        guard !fractionDigits.isEmpty, fractionDigits.count <= 12, let fraction = Int(fractionDigits) else { return nil }
        var denominator = 1
        for _ in fractionDigits { denominator *= 10 }
        // Exact integer arithmetic: 1.5MiB is 1572864 bytes, 1.3B is not a size.
        let (product, overflow2) = fraction.multipliedReportingOverflow(by: multiplier)
        guard !overflow2, product % denominator == 0 else { return nil }
        let (sum, overflow3) = scaled.addingReportingOverflow(product / denominator)
        return overflow3 ? nil : sum
    }

    /// The shortest exact spelling in a binary unit (`64MiB`), else in bytes (`1000B`).
    public static func format(_ bytes: Int) -> String {
        guard bytes != 0 else { return "0B" }
        for unit in binaryUnits where bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes)\(unit.name)"
        }
        return "\(bytes)B"
    }
}
