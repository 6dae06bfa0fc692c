import BeekeeperConfig
import BeekeeperCore

/// A field rule ready to run: regex compiled, `one_of` values hashed, reason built once.
struct CompiledFieldRule: Sendable {
    enum Check: Sendable {
        case uuid
        case oneOf(Set<String>)
        case regex(CompiledRegex)
        case maxLength(Int)
        case required
    }

    let field: String
    /// `field` split once; the first step is `args` or `kwargs`.
    let steps: [JSONValue.PathStep]
    let check: Check
    let reason: String

    init(_ rule: GuardianConfig.FieldRule, funcname: String) throws(GuardianSetupError) {
        let root = rule.field.split(separator: ".", maxSplits: 1).first.map(String.init)
        guard root == "args" || root == "kwargs" else {
            throw GuardianSetupError(.invalidRuleField(funcname: funcname, field: rule.field))
        }
        field = rule.field
        steps = JSONValue.PathStep.steps(of: rule.field)
        reason = "rule:\(rule.field):\(rule.check.name)"
        switch rule.check {
        case .uuid: check = .uuid
        case .required: check = .required
        case .oneOf(let values): check = .oneOf(Set(values))
        case .maxLength(let limit):
            guard limit >= 0 else { throw GuardianSetupError(.invalidMaxLength(funcname: funcname, field: rule.field, value: limit)) }
            check = .maxLength(limit)
        case .regex(let pattern):
            do {
                check = .regex(try CompiledRegex(pattern, wholeMatch: true))
            } catch {
                throw GuardianSetupError(.invalidRuleRegex(funcname: funcname, field: rule.field, message: error.message))
            }
        }
    }

    /// The field's value in the task `{"args": ..., "kwargs": ...}`, nil when the path does not resolve.
    func value(in request: GuardianRequest) -> JSONValue? {
        (steps[0].key == "args" ? request.args : request.kwargs).value(atSteps: steps.dropFirst())
    }

    /// `value` is the field's value, nil when the path does not resolve.
    func passes(_ value: JSONValue?) -> Bool {
        guard let value, !value.isNull else {
            if case .required = check { return false }
            return true
        }
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let literal): text = literal
        case .bool(let flag): text = flag ? "true" : "false"
        case .array, .object, .null:
            if case .required = check { return true }
            return false
        }
        switch check {
        case .required: return true
        case .uuid: return CompiledFieldRule.isUUID(text)
        case .oneOf(let values): return values.contains(text)
        case .regex(let regex): return regex.matches(text)
        case .maxLength(let limit): return text.count <= limit
        }
    }

    /// RFC 4122 textual form: 8-4-4-4-12 hex digits, any version or variant, any case.
    static func isUUID(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            switch offset {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): continue
                default: return false
                }
            }
        }
        return true
    }
}
