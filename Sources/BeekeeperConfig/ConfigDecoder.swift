import Yams

/// Reads Yams nodes into model values and turns every problem into a `ConfigError` that points
/// at its source: the file and line of the node, or the environment variable the node came from.
///
/// It also remembers where each key was last set, so that checks spanning several keys (which
/// may come from different places) can still blame the right line or variable.
final class ConfigDecoder {
    /// Where the nodes being read come from.
    enum Source {
        case file(String?)
        /// An override; `path` is the dotted key the variable names.
        case environment(variable: String, path: String)
    }

    /// Where a key's current value was set.
    enum Origin {
        case line(Int?)
        case environment(variable: String, path: String)
    }

    let file: String?
    var source: Source
    private(set) var origins: [String: Origin] = [:]
    /// Every error found so far, in the order found. A key whose value is wrong is recorded here
    /// and left at its previous value, and reading goes on with the next key, so that one pass
    /// reports every problem (`config check`); `load` throws the first.
    private(set) var errors: [ConfigError] = []
    /// The keys whose value could not be read (with the error recorded), so that checks across
    /// keys can skip what they would only misjudge.
    private(set) var failedPaths: Set<String> = []
    /// PATH to resolve each bee's `command[0]` in, checking it names an executable; nil: not checked
    /// (`serve` leaves that to the spawn, `config check` asks for it).
    var commandSearchPath: String?

    init(file: String?) {
        self.file = file
        self.source = .file(file)
    }

    /// Records `error` about `path` and carries on.
    func record(_ error: ConfigError, at path: String) {
        errors.append(error)
        failedPaths.insert(path)
    }

    /// Whether `path`, or a mapping or list around it, could not be read.
    func failed(_ path: String) -> Bool {
        var path = Substring(path)
        while !path.isEmpty {
            if failedPaths.contains(String(path)) { return true }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return false
    }

    // MARK: Errors

    /// An error about the value at `path`, located by `node` (file) or by the current variable.
    func error(_ path: String, at node: Node?, _ message: String) -> ConfigError {
        switch source {
        case .file(let file):
            return ConfigError(file: file, line: node?.mark?.line, key: path, message: message)
        case .environment(let variable, let variablePath):
            return environmentError(variable: variable, variablePath: variablePath, path: path, message: message)
        }
    }

    /// An error about the value at `path` found after decoding, located where that key was set.
    /// A key still at its default is blamed on nothing more than its name.
    func error(_ path: String, _ message: String) -> ConfigError {
        switch origin(of: path) {
        case .line(let line):
            return ConfigError(file: file, line: line, key: path, message: message)
        case .environment(let variable, let variablePath):
            return environmentError(variable: variable, variablePath: variablePath, path: path, message: message)
        case nil:
            return ConfigError(file: nil, line: nil, key: path, message: message)
        }
    }

    /// Whether `path` (or a mapping around it) was set by the file or the environment.
    func isSet(_ path: String) -> Bool { origin(of: path) != nil }

    private func origin(of path: String) -> Origin? {
        var path = Substring(path)
        while !path.isEmpty {
            if let origin = origins[String(path)] { return origin }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return nil
    }

    private func environmentError(variable: String, variablePath: String, path: String, message: String) -> ConfigError {
        // The variable names the key; deeper paths (inside a flow value) are spelled out.
        let text = path == variablePath ? message : "\(path): \(message)"
        return ConfigError(file: nil, line: nil, key: variable, message: text)
    }

    /// Records that `path` was set from the current source, forgetting what was known about the
    /// keys inside it (an override replaces a whole list or map).
    func noteSet(_ path: String, node: Node) {
        for known in origins.keys where known.hasPrefix(path + ".") || known.hasPrefix(path + "[") {
            origins[known] = nil
        }
        switch source {
        case .file:
            origins[path] = .line(node.mark?.line)
        case .environment(let variable, let variablePath):
            origins[path] = .environment(variable: variable, path: variablePath)
        }
    }

    // MARK: Structure

    /// Decodes a mapping whose keys are `fields`. An unknown key, or a key whose value cannot be
    /// read, is recorded (`errors`) and skipped, the key keeping its previous value; the other
    /// keys are still read. Returns the keys seen, the unreadable ones included (they are given).
    @discardableResult
    func decode<Root>(_ node: Node, _ path: String, fields: [ConfigField<Root>], into root: inout Root) throws(ConfigError) -> Set<String> {
        guard let pairs = try pairs(node, path) else { return [] }
        var seen: Set<String> = []
        for (key, keyNode, value) in pairs {
            let childPath = Self.join(path, key)
            guard let field = fields.first(where: { $0.key.name == key }) else {
                record(error(childPath, at: keyNode, Self.unknownKeyMessage(key, known: fields.map(\.key.name))), at: childPath)
                continue
            }
            // Sections only pass through; the values inside them record where they came from.
            if field.key.children.isEmpty {
                noteSet(childPath, node: value)
            }
            seen.insert(key)
            do throws(ConfigError) {
                try field.decode(value, &root, childPath, self)
            } catch let failure {
                record(failure, at: childPath)
            }
        }
        return seen
    }

    /// The entries of a mapping with string keys, or nil for null.
    func pairs(_ node: Node, _ path: String) throws(ConfigError) -> [(key: String, keyNode: Node, value: Node)]? {
        if Self.isNull(node) { return nil }
        guard case .mapping(let mapping) = node else {
            throw error(path, at: node, "expected a mapping, found \(Self.describe(node))")
        }
        var result: [(key: String, keyNode: Node, value: Node)] = []
        var merged: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(path, at: keyNode, "keys must be plain strings, found \(Self.describe(keyNode))")
            }
            if Self.tagName(keyNode) == .merge {
                merged += try mergedPairs(value, path)
                continue
            }
            result.append((scalar.string, keyNode, value))
        }
        // YAML merge keys (`<<: *defaults`): keys written in the mapping win, then earlier sources.
        for pair in merged where !result.contains(where: { $0.key == pair.key }) {
            result.append(pair)
        }
        return result
    }

    private func mergedPairs(_ node: Node, _ path: String) throws(ConfigError) -> [(key: String, keyNode: Node, value: Node)] {
        let sources = node.sequence.map(Array.init) ?? [node]
        var result: [(key: String, keyNode: Node, value: Node)] = []
        for source in sources {
            guard case .mapping = source, let sourcePairs = try pairs(source, path) else {
                throw error(path, at: source, "a merge key (<<) takes a mapping or a list of mappings, found \(Self.describe(source))")
            }
            result += sourcePairs
        }
        return result
    }

    /// The entries of a map from names to values (`auth.keys`, `guardian.rules`); null is not a map.
    func map(_ node: Node, _ path: String) throws(ConfigError) -> [(key: String, keyNode: Node, value: Node)] {
        guard !Self.isNull(node) else {
            throw error(path, at: node, "expected a mapping ({} for none), found null")
        }
        return try pairs(node, path) ?? []
    }

    /// The items of a list; null is not a list.
    func items(_ node: Node, _ path: String, what: String = "a list") throws(ConfigError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(path, at: node, "expected \(what), found \(Self.describe(node))")
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// The text of a non-null scalar. YAML's other scalar types are taken as written, so
    /// `name: 2024` is the name "2024".
    func text(_ node: Node, _ path: String, allowEmpty: Bool = false) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            throw error(path, at: node, "expected a string, found \(Self.describe(node))")
        }
        guard allowEmpty || !scalar.string.isEmpty else {
            throw error(path, at: node, "must not be empty")
        }
        return scalar.string
    }

    /// As `text`, with null (`null`, `~` or nothing) meaning nil.
    func optionalText(_ node: Node, _ path: String) throws(ConfigError) -> String? {
        Self.isNull(node) ? nil : try text(node, path)
    }

    func textList(_ node: Node, _ path: String, allowEmptyList: Bool = true) throws(ConfigError) -> [String] {
        let nodes = try items(node, path, what: "a list of strings")
        guard allowEmptyList || !nodes.isEmpty else {
            throw error(path, at: node, "must list at least one entry")
        }
        var result: [String] = []
        for (index, item) in nodes.enumerated() {
            result.append(try text(item, "\(path)[\(index)]"))
        }
        return result
    }

    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .int, let value = Int.construct(from: scalar) else {
            throw error(path, at: node, "expected an integer, found \(Self.describe(node))")
        }
        try check(value, in: range, path, node)
        return value
    }

    func boolean(_ node: Node, _ path: String) throws(ConfigError) -> Bool {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .bool, let value = Bool.construct(from: scalar) else {
            throw error(path, at: node, "expected true or false, found \(Self.describe(node))")
        }
        return value
    }

    func number(_ node: Node, _ path: String) throws(ConfigError) -> Double {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .int || Self.tagName(node) == .float,
              let value = Double.construct(from: scalar)
        else {
            throw error(path, at: node, "expected a number, found \(Self.describe(node))")
        }
        return value
    }

    func duration(_ node: Node, _ path: String, allowZero: Bool = false) throws(ConfigError) -> Duration {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            throw error(path, at: node, "expected a duration such as 10s, found \(Self.describe(node))")
        }
        guard let value = DurationParser.parse(scalar.string) else {
            throw error(path, at: node, "invalid duration \(Self.quote(scalar.string)) (use 500ms, 10s, 5m, 24h, 7d)")
        }
        guard allowZero || value > .zero else {
            throw error(path, at: node, "must be longer than 0s")
        }
        return value
    }

    func byteSize(_ node: Node, _ path: String, in range: ClosedRange<Int> = 1...Int.max) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            throw error(path, at: node, "expected a size such as 64MiB, found \(Self.describe(node))")
        }
        guard let value = ByteSizeParser.parse(scalar.string) else {
            throw error(path, at: node, "invalid size \(Self.quote(scalar.string)) (use 100B, 512KiB, 64MiB, 1GiB)")
        }
        guard range.contains(value) else {
            throw error(path, at: node, "must be at least \(ByteSizeParser.format(range.lowerBound)), found \(scalar.string)")
        }
        return value
    }

    func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, _ path: String) throws(ConfigError) -> Value where Value.RawValue == String {
        let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            throw error(path, at: node, "expected one of \(allowed), found \(Self.describe(node))")
        }
        guard let value = Value(rawValue: scalar.string) else {
            throw error(path, at: node, "invalid value \(Self.quote(scalar.string)) (use \(allowed))")
        }
        return value
    }

    func check(_ value: Int, in range: ClosedRange<Int>, _ path: String, _ node: Node) throws(ConfigError) {
        if value < range.lowerBound {
            throw error(path, at: node, "must be at least \(range.lowerBound), found \(value)")
        }
        if value > range.upperBound {
            throw error(path, at: node, "must be at most \(range.upperBound), found \(value)")
        }
    }

    // MARK: Helpers

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return tagName(node) == .null }
        return false
    }

    /// The node's YAML type: explicit (quoted scalars are strings) or resolved from its text.
    static func tagName(_ node: Node) -> Tag.Name {
        Resolver.default.resolveTag(of: node)
    }

    /// How a node reads in a message: its text, or what kind of collection it is.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            return isNull(node) ? "null" : quote(scalar.string)
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        }
    }

    static func quote(_ text: String) -> String {
        let shown = text.count > 60 ? text.prefix(57) + "..." : Substring(text)
        var result = "\""
        for character in shown {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    static func unknownKeyMessage(_ key: String, known: [String]) -> String {
        if let guess = known.min(by: { editDistance(key, $0) < editDistance(key, $1) }), editDistance(key, guess) <= 2 {
            return "unknown key (did you mean \"\(guess)\"?)"
        }
        return "unknown key (expected one of: \(known.joined(separator: ", ")))"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
