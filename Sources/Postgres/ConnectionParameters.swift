import CLibPQ

/// The settings of a libpq connection string (URI or `key=value` form), parsed by libpq itself,
/// so that tools such as `pg_dump` can be handed the same connection with the password kept
/// out of their command line (pass it as `PGPASSWORD` instead) or with another database.
public struct ConnectionParameters: Sendable, Equatable {
    /// Keyword/value pairs in libpq's keyword order; only settings the string gave.
    public private(set) var settings: [Setting]

    public struct Setting: Sendable, Equatable {
        public var keyword: String
        public var value: String
    }

    /// - Throws: `PostgresError` with libpq's reason (the password never appears in it).
    public init(parsing conninfo: String) throws(PostgresError) {
        guard !conninfo.utf8.contains(0) else { throw PostgresError(message: "connection string contains a NUL byte") }
        var parseError: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &parseError) else {
            let message = parseError.map { String(cString: $0) } ?? "out of memory"
            if let parseError { PQfreemem(parseError) }
            let redacted = ConnectionString.redact(message, secrets: ConnectionString.secrets(in: conninfo))
            throw PostgresError(message: "invalid connection string: \(redacted.trimmingTrailingWhitespace())")
        }
        defer { PQconninfoFree(options) }
        var settings: [Setting] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                settings.append(Setting(keyword: String(cString: keyword), value: String(cString: value)))
            }
            option += 1
        }
        self.settings = settings
    }

    public subscript(keyword: String) -> String? {
        get { self.settings.first { $0.keyword == keyword }?.value }
        set {
            self.settings.removeAll { $0.keyword == keyword }
            if let newValue { self.settings.append(Setting(keyword: keyword, value: newValue)) }
        }
    }

    /// The password the string carries, if any.
    public var password: String? { self["password"] }

    /// The same settings without the password.
    public func removingPassword() -> ConnectionParameters {
        var copy = self
        copy["password"] = nil
        return copy
    }

    /// `key='value' ...`, quoted as libpq's conninfo syntax requires (backslash escapes `'` and `\`).
    public var conninfo: String {
        self.settings.map { setting in
            var quoted = "'"
            for character in setting.value {
                if character == "'" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return setting.keyword + "=" + quoted + "'"
        }.joined(separator: " ")
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
