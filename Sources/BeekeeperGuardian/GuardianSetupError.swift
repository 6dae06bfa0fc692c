/// Why a Guardian configuration cannot be used. Raised once, at start (or by `config check`),
/// never while judging tasks.
public struct GuardianSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A limit (`max_payload_bytes`, `max_arg_bytes`, `max_depth`) that is not positive.
        case invalidLimit(key: String, value: Int)
        case emptyPatternID
        case duplicatePatternID(String)
        /// The pattern's regex does not compile; `message` is the regex engine's complaint.
        case invalidPatternRegex(id: String, message: String)
        /// Rules for a funcname that no bee serves: they could never apply, so it is a typo.
        case rulesForUnknownFuncname(String)
        /// A rule field that does not start with `args` or `kwargs`, so it could never resolve.
        case invalidRuleField(funcname: String, field: String)
        case invalidRuleRegex(funcname: String, field: String, message: String)
        case invalidMaxLength(funcname: String, field: String, value: Int)
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// The configuration key at fault (`guardian.patterns`, `guardian.rules.<funcname>`, ...).
    public var key: String {
        switch reason {
        case .invalidLimit(let key, _): "guardian.\(key)"
        case .emptyPatternID, .duplicatePatternID, .invalidPatternRegex: "guardian.patterns"
        case .rulesForUnknownFuncname(let funcname), .invalidRuleField(let funcname, _), .invalidRuleRegex(let funcname, _, _),
            .invalidMaxLength(let funcname, _, _):
            "guardian.rules.\(funcname)"
        }
    }

    /// ``description`` without the key in front.
    public var message: String {
        let text = description
        return text.hasPrefix(key + ": ") ? String(text.dropFirst(key.count + 2)) : text
    }

    public var description: String {
        switch reason {
        case .invalidLimit(let key, let value):
            return "guardian.\(key) must be positive, got \(value)"
        case .emptyPatternID:
            return "guardian.patterns: a pattern has an empty id"
        case .duplicatePatternID(let id):
            return "guardian.patterns: id '\(id)' is used more than once"
        case .invalidPatternRegex(let id, let message):
            return "guardian.patterns: regex of pattern '\(id)' does not compile: \(message)"
        case .rulesForUnknownFuncname(let funcname):
            return "guardian.rules.\(funcname): no bee serves funcname '\(funcname)'"
        case .invalidRuleField(let funcname, let field):
            return "guardian.rules.\(funcname): field '\(field)' must start with 'args' or 'kwargs'"
        case .invalidRuleRegex(let funcname, let field, let message):
            return "guardian.rules.\(funcname): regex for field '\(field)' does not compile: \(message)"
        case .invalidMaxLength(let funcname, let field, let value):
            return "guardian.rules.\(funcname): max_length for field '\(field)' must not be negative, got \(value)"
        }
    }
}
