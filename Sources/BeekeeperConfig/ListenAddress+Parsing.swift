extension ListenAddress {
    /// Why a `listen` text is not an address; the message says what is accepted.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `host:port`, `[ipv6]:port`, or `:port` for every IPv4 interface (`0.0.0.0`, as Go's
    /// `net.Listen` reads `":9477"`); port 0 to 65535 (0: any free port). For the `listen` key and
    /// every `--listen` flag.
    public init(parsing text: String) throws(ParseError) {
        let usage = "(use host:port, e.g. 127.0.0.1:9477, \":9477\" for all interfaces, or \"[::1]:9477\")"
        func failure(_ why: String) -> ParseError { ParseError(description: "invalid address \(ConfigDecoder.quote(text))\(why) \(usage)") }
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw failure("") }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw failure(": no port") }
            // ":9477" names no host: every interface, the way Go and most servers read it.
            host = colon == text.startIndex ? "0.0.0.0" : text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { throw failure(": an IPv6 host needs brackets") }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { throw failure(": no host") }
        guard port.allSatisfy(\.isASCIIDigit), let number = Int(port), (0...65535).contains(number) else {
            throw failure(": the port must be 0 to 65535")
        }
        self.init(host: String(host), port: number)
    }
}
