import Foundation
import PCRE2
import Yams

// The `guardian` section: size limits, dangerous patterns and per-funcname field rules.
extension ConfigSchema {
    static var guardian: [ConfigField<GuardianConfig>] {
        [
            .value("max_payload_bytes", \.maxPayloadBytes) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p) },
            .value("max_arg_bytes", \.maxArgBytes) { (d, n, p) throws(ConfigError) in try d.byteSize(n, p) },
            .value("max_depth", \.maxDepth) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 1...Int.max) },
            .value("patterns", \.patterns) { (d, n, p) throws(ConfigError) in try patterns(d, n, p) },
            .value("rules", \.rules) { (d, n, p) throws(ConfigError) in try rules(d, n, p) },
            .value("persist_interval", \.persistInterval) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
        ]
    }

    static var pattern: [ConfigField<GuardianConfig.Pattern>] {
        [
            .value("id", \.id) { (d, n, p) throws(ConfigError) in try d.text(n, p) },
            .value("regex", \.regex) { (d, n, p) throws(ConfigError) in try regex(d, n, p) },
        ]
    }

    /// `default` (the built-in set) or a list of `{id, regex}`.
    static func patterns(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> GuardianConfig.Patterns {
        let usage = "expected \"default\" or a list of {id, regex}"
        if case .scalar(let scalar) = node {
            guard scalar.string == "default" else {
                throw decoder.error(path, at: node, "\(usage), found \(ConfigDecoder.describe(node))")
            }
            return .builtIn
        }
        guard case .sequence = node else {
            throw decoder.error(path, at: node, "\(usage), found \(ConfigDecoder.describe(node))")
        }
        var patterns: [GuardianConfig.Pattern] = []
        for (index, item) in node.array().enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard case .mapping(let mapping) = item else {
                throw decoder.error(itemPath, at: item, "expected a mapping {id, regex}, found \(ConfigDecoder.describe(item))")
            }
            var pattern = GuardianConfig.Pattern(id: "", regex: "")
            let errorsBefore = decoder.errors.count
            let seen = try decoder.decode(item, itemPath, fields: Self.pattern, into: &pattern)
            // Its errors are recorded; checks against the other entries would only misjudge it.
            guard decoder.errors.count == errorsBefore else { continue }
            for required in ["id", "regex"] where !seen.contains(required) {
                throw decoder.error("\(itemPath).\(required)", at: item, "required key is missing")
            }
            if patterns.contains(where: { $0.id == pattern.id }) {
                throw decoder.error("\(itemPath).id", at: value(of: "id", in: mapping), "pattern id \(ConfigDecoder.quote(pattern.id)) is used twice")
            }
            patterns.append(pattern)
        }
        return .custom(patterns)
    }

    /// Funcname → its field rules, in order.
    static func rules(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [String: [GuardianConfig.FieldRule]] {
        var rules: [String: [GuardianConfig.FieldRule]] = [:]
        for (funcname, _, list) in try decoder.map(node, path) {
            let listPath = ConfigDecoder.join(path, funcname)
            var fieldRules: [GuardianConfig.FieldRule] = []
            for (index, item) in try decoder.items(list, listPath, what: "a list of rules").enumerated() {
                fieldRules.append(try rule(decoder, item, "\(listPath)[\(index)]"))
            }
            rules[funcname] = fieldRules
        }
        return rules
    }

    /// `{field, check}` plus what the check needs: `values` (one_of), `pattern` or `regex` (regex),
    /// `max` (max_length). A key that the check does not use is an error, since it would be ignored.
    static func rule(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> GuardianConfig.FieldRule {
        let known = ["field", "check", "values", "pattern", "regex", "max"]
        guard case .mapping = node, let pairs = try decoder.pairs(node, path) else {
            throw decoder.error(path, at: node, "expected a mapping {field, check, ...}, found \(ConfigDecoder.describe(node))")
        }
        var entries: [String: (keyNode: Node, value: Node)] = [:]
        for (key, keyNode, value) in pairs {
            guard known.contains(key) else {
                throw decoder.error(ConfigDecoder.join(path, key), at: keyNode, ConfigDecoder.unknownKeyMessage(key, known: known))
            }
            entries[key] = (keyNode, value)
        }
        guard let fieldEntry = entries["field"] else {
            throw decoder.error("\(path).field", at: node, "required key is missing")
        }
        guard let checkEntry = entries["check"] else {
            throw decoder.error("\(path).check", at: node, "required key is missing")
        }
        let field = try decoder.text(fieldEntry.value, "\(path).field")
        let checkName = try decoder.text(checkEntry.value, "\(path).check")
        let check: GuardianConfig.Check
        var uses: Set<String> = ["field", "check"]
        switch checkName {
        case "uuid":
            check = .uuid
        case "required":
            check = .required
        case "one_of":
            guard let values = entries["values"] else {
                throw decoder.error("\(path).values", at: node, "check one_of needs a list of values")
            }
            check = .oneOf(try decoder.textList(values.value, "\(path).values", allowEmptyList: false))
            uses.insert("values")
        case "regex":
            if entries["pattern"] != nil, entries["regex"] != nil {
                throw decoder.error("\(path).regex", at: entries["regex"]?.keyNode, "give either pattern or regex, not both")
            }
            let key = entries["pattern"] != nil ? "pattern" : "regex"
            guard let pattern = entries[key] else {
                throw decoder.error("\(path).pattern", at: node, "check regex needs a pattern")
            }
            check = .regex(try regex(decoder, pattern.value, "\(path).\(key)"))
            uses.insert(key)
        case "max_length":
            guard let max = entries["max"] else {
                throw decoder.error("\(path).max", at: node, "check max_length needs max")
            }
            check = .maxLength(try decoder.integer(max.value, "\(path).max", in: 0...Int.max))
            uses.insert("max")
        default:
            throw decoder.error("\(path).check", at: checkEntry.value, "invalid check \(ConfigDecoder.quote(checkName)) (use uuid, one_of, regex, max_length, required)")
        }
        for (key, keyNode, _) in pairs where !uses.contains(key) {
            throw decoder.error(ConfigDecoder.join(path, key), at: keyNode, "not used by check \(checkName)")
        }
        return GuardianConfig.FieldRule(field: field, check: check)
    }

    /// A regular expression that PCRE2 (which the Guardian uses) compiles.
    static func regex(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let pattern = try decoder.text(node, path)
        // The Guardian matches with PCRE2 (UTF-8, Unicode properties): what it cannot compile is
        // this key's error, with its line, rather than a failure when the sidecar starts.
        do {
            _ = try PCRE2Regex(pattern)
        } catch {
            throw decoder.error(path, at: node, "invalid regular expression \(ConfigDecoder.quote(pattern)): \(error.message)")
        }
        return pattern
    }
}
