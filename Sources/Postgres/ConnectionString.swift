import CLibPQ

/// Reads what must never be shown from a libpq connection string (URI or key=value form).
enum ConnectionString {
    /// Every spelling of the password the string carries: libpq's decoded value and the raw
    /// text, since a message about a malformed URI may quote the URI itself.
    static func secrets(in conninfo: String) -> [String] {
        var secrets: [String] = []
        var parseError: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &parseError) {
            var option = options
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "password", let value = option.pointee.val {
                    secrets.append(String(cString: value))
                }
                option += 1
            }
            PQconninfoFree(options)
        }
        if let parseError { PQfreemem(parseError) }

        // postgresql://user:PASSWORD@host/db
        if let scheme = conninfo.firstRange(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                secrets.append(String(authority[authority.index(after: colon)..<at]))
            }
        }
        // ?password=PASSWORD&... or password=PASSWORD in key=value form
        var remainder = Substring(conninfo)
        while let found = remainder.firstRange(of: "password=") {
            let value = remainder[found.upperBound...].prefix { $0 != "&" && $0 != " " }
            secrets.append(String(value))
            remainder = remainder[found.upperBound...]
        }
        return secrets.filter { !$0.isEmpty }
    }

    static func redact(_ message: String, secrets: [String]) -> String {
        var message = message
        // Longest first, so a secret containing another is replaced whole.
        for secret in secrets.sorted(by: { $0.count > $1.count }) {
            message = message.replacing(secret, with: "***")
        }
        return message
    }
}
