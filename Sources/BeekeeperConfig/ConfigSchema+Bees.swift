import Yams

// The `bees` list: each bee's keys, and the checks across the list (unique names, each funcname
// served by one bee).
extension ConfigSchema {
    static var bee: [ConfigField<BeeConfig>] {
        [
            .value("name", \.name) { (d, n, p) throws(ConfigError) in try labelName(d, n, p) },
            .value("funcnames", \.funcnames) { (d, n, p) throws(ConfigError) in try funcnames(d, n, p) },
            .value("kind", \.kind) { (d, n, p) throws(ConfigError) in try d.choice(n, p) },
            .value("command", \.command) { (d, n, p) throws(ConfigError) in try command(d, n, p) },
            .value("concurrency", \.concurrency) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 1...Int.max) },
            .value("timeout", \.timeout) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .section("retries", \.retries, retries),
            .value("max_queue", \.maxQueue) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
        ]
    }

    static var retries: [ConfigField<BeeConfig.Retries>] {
        [
            .value("max", \.max) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
            .value("initial_backoff", \.initialBackoff) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
            .value("max_backoff", \.maxBackoff) { (d, n, p) throws(ConfigError) in try d.duration(n, p) },
        ]
    }

    /// Each bee is checked on its own: a bee with an error is recorded (`decoder.errors`) and left
    /// out, and the next bee is still read, so `config check` lists the problems of every bee.
    static func bees(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [BeeConfig] {
        var bees: [BeeConfig] = []
        var servedBy: [String: String] = [:]
        for (index, item) in try decoder.items(node, path, what: "a list of bees").enumerated() {
            let beePath = "\(path)[\(index)]"
            do throws(ConfigError) {
                if let bee = try self.bee(decoder, item, beePath, after: bees, servedBy: servedBy) {
                    for funcname in bee.funcnames { servedBy[funcname] = bee.name }
                    bees.append(bee)
                }
            } catch let failure {
                decoder.record(failure, at: beePath)
            }
        }
        return bees
    }

    /// One entry of `bees`, checked against the bees before it; nil when its errors are recorded.
    private static func bee(
        _ decoder: ConfigDecoder, _ item: Node, _ beePath: String, after bees: [BeeConfig], servedBy: [String: String]
    ) throws(ConfigError) -> BeeConfig? {
        guard case .mapping(let mapping) = item else {
            throw decoder.error(beePath, at: item, "expected a mapping (name, funcnames, command...), found \(ConfigDecoder.describe(item))")
        }
        var bee = BeeConfig(name: "", funcnames: [], command: [])
        let errorsBefore = decoder.errors.count
        let seen = try decoder.decode(item, beePath, fields: Self.bee, into: &bee)
        for required in ["name", "funcnames", "command"] where !seen.contains(required) {
            decoder.record(decoder.error("\(beePath).\(required)", at: item, "required key is missing"), at: "\(beePath).\(required)")
        }
        // A bee with a wrong key is not compared with the others: its defaults would only misjudge.
        guard decoder.errors.count == errorsBefore else { return nil }
        if let other = bees.first(where: { $0.name == bee.name }) {
            throw decoder.error("\(beePath).name", at: value(of: "name", in: mapping), "bee name \(ConfigDecoder.quote(other.name)) is used twice")
        }
        let funcnameNodes = value(of: "funcnames", in: mapping).map { $0.array() } ?? []
        for (position, funcname) in bee.funcnames.enumerated() {
            if let owner = servedBy[funcname] {
                let at = position < funcnameNodes.count ? funcnameNodes[position] : item
                throw decoder.error("\(beePath).funcnames[\(position)]", at: at, "funcname \(ConfigDecoder.quote(funcname)) is already served by bee \(ConfigDecoder.quote(owner))")
            }
        }
        if bee.retries.maxBackoff < bee.retries.initialBackoff {
            let retriesNode = value(of: "retries", in: mapping)
            let at = retriesNode?.mapping.flatMap { value(of: "max_backoff", in: $0) ?? value(of: "initial_backoff", in: $0) } ?? retriesNode ?? item
            throw decoder.error(
                "\(beePath).retries.max_backoff", at: at,
                "max_backoff (\(DurationParser.format(bee.retries.maxBackoff))) is shorter than initial_backoff (\(DurationParser.format(bee.retries.initialBackoff)))"
            )
        }
        if let searchPath = decoder.commandSearchPath, let problem = BeeExecutable.problem(bee.command[0], searchPath: searchPath) {
            // Recorded, not thrown: the bee is otherwise sound and the bees after it are checked against it.
            let path = "\(beePath).command"
            decoder.record(decoder.error(path, at: value(of: "command", in: mapping), "bee \(ConfigDecoder.quote(bee.name)): \(problem)"), at: path)
        }
        return bee
    }

    static func funcnames(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [String] {
        let names = try decoder.textList(node, path, allowEmptyList: false)
        let nodes = node.array()
        for (index, funcname) in names.enumerated() where names[..<index].contains(funcname) {
            throw decoder.error("\(path)[\(index)]", at: nodes[index], "funcname \(ConfigDecoder.quote(funcname)) is listed twice")
        }
        return names
    }

    /// The program and its arguments, as a list so that nothing depends on shell quoting.
    static func command(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [String] {
        guard case .sequence = node else {
            throw decoder.error(path, at: node, "expected a list of strings such as [python3, bee.py], found \(ConfigDecoder.describe(node))")
        }
        let nodes = node.array()
        guard let first = nodes.first else {
            throw decoder.error(path, at: node, "must list at least the program to run")
        }
        var words = [try decoder.text(first, "\(path)[0]")]
        for (index, word) in nodes.enumerated().dropFirst() {
            words.append(try decoder.text(word, "\(path)[\(index)]", allowEmpty: true))
        }
        return words
    }

    /// The value of `key` in a mapping, to point errors at it.
    static func value(of key: String, in mapping: Node.Mapping) -> Node? {
        mapping.first(where: { $0.key.string == key })?.value
    }
}
