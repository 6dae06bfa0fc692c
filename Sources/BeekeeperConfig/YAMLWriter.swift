import Yams

/// Writes YAML text line by line, quoting scalars only when their plain form would read back as
/// something else (a number, a bool, null) or not parse at all.
struct YAMLWriter {
    private(set) var text = ""

    mutating func line(_ indent: Int, _ content: String) {
        text += String(repeating: "  ", count: indent) + content + "\n"
    }

    /// A string scalar. In a flow collection (`[...]`, `{...}`) a colon also forces quotes.
    static func string(_ value: String, inFlow: Bool = false) -> String {
        isPlainSafe(value, inFlow: inFlow) ? value : doubleQuoted(value)
    }

    static func string(_ value: String?) -> String {
        value.map { string($0) } ?? "null"
    }

    static func flow(_ items: [String]) -> String {
        "[" + items.joined(separator: ", ") + "]"
    }

    static func flow(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// The shortest text that reads back as the same Double: `1` rather than `1.0`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    private static func isPlainSafe(_ value: String, inFlow: Bool) -> Bool {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return false }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/", "-", "+", "=", "@", "%", "~": return true
            case ":": return !inFlow
            default: return false
            }
        }
        let firstAllowed: Bool
        switch first {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "/": firstAllowed = true
        default: firstAllowed = false
        }
        guard firstAllowed, last != ":", value.unicodeScalars.allSatisfy(allowed) else { return false }
        return Resolver.default.resolveTag(of: Node(value)) == .str
    }

    private static func doubleQuoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
