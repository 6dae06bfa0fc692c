extension RegexSyntax {
    /// Parses `pattern` (without a leading flag group: the caller strips `(?i)`). Numbered
    /// backreferences, recursion, conditionals, inline flags, `\Q...\E`, `\K`, verbs and the rest
    /// of PCRE2's rarer syntax are ``Unsupported``: splitting a pattern with them could change
    /// what a group number means, and the pattern is simply matched without the prefilter.
    static func parse(_ pattern: String) throws(Unsupported) -> RegexSyntax {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let node = try parser.parseAlternation()
        guard parser.index == parser.scalars.count else { throw Unsupported(offset: parser.index, reason: "unbalanced ')'") }
        return node
    }

    fileprivate struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        var atEnd: Bool { index >= scalars.count }
        func peek(_ ahead: Int = 0) -> Unicode.Scalar? { index + ahead < scalars.count ? scalars[index + ahead] : nil }

        func unsupported(_ reason: String) -> Unsupported { Unsupported(offset: index, reason: reason) }

        mutating func parseAlternation() throws(Unsupported) -> RegexSyntax {
            var branches: [RegexSyntax] = []
            var sources: [String] = []
            while true {
                let start = index
                branches.append(try parseConcatenation())
                sources.append(String(String.UnicodeScalarView(scalars[start..<index])))
                guard peek() == "|" else { break }
                index += 1
            }
            return branches.count == 1 ? branches[0] : .alternation(branches, sources: sources)
        }

        mutating func parseConcatenation() throws(Unsupported) -> RegexSyntax {
            var items: [RegexSyntax] = []
            while let next = peek(), next != "|", next != ")" {
                let atom = try parseAtom()
                items.append(try parseQuantifiers(of: atom))
            }
            switch items.count {
            case 0: return .empty
            case 1: return items[0]
            default: return .concatenation(items)
            }
        }

        mutating func parseQuantifiers(of atom: RegexSyntax) throws(Unsupported) -> RegexSyntax {
            var node = atom
            while let bounds = try parseQuantifier() {
                // A lazy `?` or possessive `+` only narrows which matches exist.
                if peek() == "?" || peek() == "+" { index += 1 }
                node = .repetition(node, min: bounds.min, max: bounds.max)
            }
            return node
        }

        mutating func parseQuantifier() throws(Unsupported) -> (min: Int, max: Int?)? {
            switch peek() {
            case "*":
                index += 1
                return (0, nil)
            case "+":
                index += 1
                return (1, nil)
            case "?":
                index += 1
                return (0, 1)
            case "{":
                // `{n}`, `{n,}`, `{n,m}`. A brace that starts nothing like a quantifier is a literal;
                // `{,m}` and spaces inside braces mean different things across PCRE2 versions.
                guard let next = peek(1) else { return nil }
                let isDigit = { (scalar: Unicode.Scalar) in scalar.value >= 0x30 && scalar.value <= 0x39 }
                if !isDigit(next) {
                    if next == "," || next.properties.isWhitespace { throw unsupported("ambiguous brace") }
                    return nil
                }
                var cursor = index + 1
                func number() -> Int? {
                    var value: Int?
                    while cursor < scalars.count, isDigit(scalars[cursor]), (value ?? 0) < 65_536 {
                        value = (value ?? 0) * 10 + Int(scalars[cursor].value - 0x30)
                        cursor += 1
                    }
                    return value
                }
                let low = number()!
                var high: Int? = low
                if cursor < scalars.count, scalars[cursor] == "," {
                    cursor += 1
                    high = number()
                }
                guard cursor < scalars.count, scalars[cursor] == "}" else { throw unsupported("ambiguous brace") }
                guard high.map({ $0 >= low }) ?? true else { throw unsupported("quantifier out of order") }
                index = cursor + 1
                return (low, high)
            default: return nil
            }
        }

        mutating func parseAtom() throws(Unsupported) -> RegexSyntax {
            let scalar = scalars[index]
            switch scalar {
            case "(": return try parseGroup()
            case "[": return try parseClass()
            case "\\": return try parseEscape()
            case ".":
                index += 1
                return .anyCharacter
            case "^":
                index += 1
                return .startOfSubject
            case "$":
                index += 1
                return .assertion
            case "*", "+", "?": throw unsupported("quantifier without an item")
            case "{":
                var probe = self
                if try probe.parseQuantifier() != nil { throw unsupported("quantifier without an item") }
                index += 1
                return .literal(scalar)
            default:
                index += 1
                return .literal(scalar)
            }
        }

        mutating func parseGroup() throws(Unsupported) -> RegexSyntax {
            index += 1  // "("
            var lookaround = false
            if peek() == "*" { throw unsupported("verb") }
            if peek() == "?" {
                switch (peek(1), peek(2)) {
                case (":", _), (">", _): index += 2
                case ("=", _), ("!", _):
                    index += 2
                    lookaround = true
                case ("<", "="), ("<", "!"):
                    index += 3
                    lookaround = true
                case ("<", _), ("'", _):
                    index += 2
                    try skipName(until: scalars[index - 1] == "<" ? ">" : "'")
                case ("P", "<"):
                    index += 3
                    try skipName(until: ">")
                default: throw unsupported("group kind or inline flags")
                }
            }
            let inner = try parseAlternation()
            guard peek() == ")" else { throw unsupported("missing ')'") }
            index += 1
            return lookaround ? .assertion : .group(inner)
        }

        mutating func skipName(until terminator: Unicode.Scalar) throws(Unsupported) {
            let start = index
            while let next = peek(), next != terminator {
                guard next.properties.isAlphabetic || next == "_" || ("0"..."9").contains(next) else { throw unsupported("group name") }
                index += 1
            }
            guard peek() == terminator, index > start else { throw unsupported("group name") }
            index += 1
        }

        mutating func parseEscape() throws(Unsupported) -> RegexSyntax {
            index += 1
            guard let scalar = peek() else { throw unsupported("trailing backslash") }
            index += 1
            switch scalar {
            case "b": return .wordBoundary
            case "B", "z", "Z": return .assertion
            case "A": return .startOfSubject
            case "N" where peek() == "{": throw unsupported("\\N{U+...}")
            case "d", "D", "w", "W", "s", "S", "h", "H", "v", "V", "N", "R", "X": return .anyCharacter
            case "p", "P":
                if peek() == "{" {
                    while let next = peek(), next != "}" { index += 1 }
                    guard peek() == "}" else { throw unsupported("unterminated \\p{") }
                    index += 1
                } else {
                    guard peek() != nil else { throw unsupported("\\p without a property") }
                    index += 1
                }
                return .anyCharacter
            case "k":
                let terminator: Unicode.Scalar
                switch peek() {
                case "<": terminator = ">"
                case "'": terminator = "'"
                case "{": terminator = "}"
                default: throw unsupported("\\k without a name")
                }
                index += 1
                try skipName(until: terminator)
                return .backreference
            default:
                if let literal = try literalEscape(scalar) { return .literal(literal) }
                throw unsupported("escape \\\(scalar)")
            }
        }

        /// `\t \n \r \f \e \a \xhh \x{h...}` and an escaped non-alphanumeric character; nil for
        /// everything else (which the caller decides about).
        mutating func literalEscape(_ scalar: Unicode.Scalar) throws(Unsupported) -> Unicode.Scalar? {
            switch scalar {
            case "t": return "\t"
            case "n": return "\n"
            case "r": return "\r"
            case "f": return "\u{0C}"
            case "e": return "\u{1B}"
            case "a": return "\u{07}"
            case "x":
                var digits = ""
                if peek() == "{" {
                    index += 1
                    while let next = peek(), next != "}" {
                        digits.unicodeScalars.append(next)
                        index += 1
                    }
                    guard peek() == "}" else { throw unsupported("unterminated \\x{") }
                    index += 1
                } else {
                    while digits.count < 2, let next = peek(), next.properties.isASCIIHexDigit {
                        digits.unicodeScalars.append(next)
                        index += 1
                    }
                }
                guard let value = UInt32(digits.isEmpty ? "0" : digits, radix: 16), let literal = Unicode.Scalar(value) else {
                    throw unsupported("\\x value")
                }
                return literal
            default:
                let isAlphanumeric = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
                return isAlphanumeric ? nil : scalar
            }
        }

        mutating func parseClass() throws(Unsupported) -> RegexSyntax {
            index += 1  // "["
            var negated = false
            if peek() == "^" {
                negated = true
                index += 1
            }
            var members: Set<UInt8> = []
            var large = negated
            var first = true
            while true {
                guard let scalar = peek() else { throw unsupported("unterminated class") }
                if scalar == "]" && !first { break }
                first = false
                if scalar == "[" && peek(1) == ":" {
                    // [:alpha:] and friends.
                    index += 2
                    while let next = peek(), next != ":" { index += 1 }
                    guard peek() == ":", peek(1) == "]" else { throw unsupported("POSIX class") }
                    index += 2
                    large = true
                    continue
                }
                guard let low = try classMember() else {
                    large = true
                    continue
                }
                if peek() == "-", let after = peek(1), after != "]" {
                    index += 1
                    guard let high = try classMember() else { throw unsupported("class range to a set") }
                    guard low.value <= high.value else { throw unsupported("class range out of order") }
                    if high.value - low.value >= 4 || !high.isASCII {
                        large = true
                    } else {
                        for value in low.value...high.value { members.insert(UInt8(value)) }
                    }
                    continue
                }
                if low.isASCII { members.insert(UInt8(low.value)) } else { large = true }
            }
            index += 1  // "]"
            if large { return .anyCharacter }
            // Case is folded by the analysis; count what the scanner will see.
            let folded = Set(members.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
            return folded.count <= 4 ? .smallClass(folded.sorted()) : .anyCharacter
        }

        /// One character of a class, or nil for a set escape (`\d`, `\p{L}`, ...).
        mutating func classMember() throws(Unsupported) -> Unicode.Scalar? {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\" else { return scalar }
            guard let escaped = peek() else { throw unsupported("trailing backslash") }
            index += 1
            switch escaped {
            case "d", "D", "w", "W", "s", "S", "h", "H", "v", "V", "N", "R": return nil
            case "p", "P":
                if peek() == "{" {
                    while let next = peek(), next != "}" { index += 1 }
                    index += 1
                } else {
                    index += 1
                }
                return nil
            case "b": return "\u{08}"
            default:
                if let literal = try literalEscape(escaped) { return literal }
                throw unsupported("escape \\\(escaped) in a class")
            }
        }
    }
}
