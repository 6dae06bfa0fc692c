import Yams

/// `BEEKEEPER_<SECTION>_<KEY>` variables, each overriding one key of the configuration.
///
/// Every key has a variable: its dotted path upper-cased with `_` for `.` (`audit.fsync` is
/// `BEEKEEPER_AUDIT_FSYNC`, `backup.keep.last` is `BEEKEEPER_BACKUP_KEEP_LAST`). Plain string keys
/// (`data_dir`, `listen`, paths, `shipper.target`, `backup.schedule`, `backup.timezone`, and the
/// `colonies` server, names and key files) take the text as it is, an empty value or `null`
/// meaning null for the nullable ones. Every other key takes a YAML flow value, which includes
/// JSON: `BEEKEEPER_AUDIT_FSYNC=always`, `BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES=2MiB`,
/// `BEEKEEPER_METRICS_QUANTILES=[0.5,0.99]`, `BEEKEEPER_AUTH_KEYS={ops: 3b6a...}`,
/// `BEEKEEPER_BEES=[{name: a, funcnames: [f], command: [./a]}]`.
/// A list or map replaces the file's; a section (`BEEKEEPER_BACKUP_KEEP={last: 5}`) changes only
/// the keys it names. Variables are applied parents first, so `BEEKEEPER_BACKUP_KEEP_LAST` wins
/// over `BEEKEEPER_BACKUP_KEEP`.
///
/// `colonies` is off unless given: `BEEKEEPER_COLONIES=null` turns it off, and any
/// `BEEKEEPER_COLONIES_*` variable turns it on when the file has no such section. Its required keys
/// are checked after every variable is applied, so the five of them (`_SERVER`, `_COLONY`,
/// `_EXECUTOR_NAME`, `_EXECUTOR_TYPE`, `_EXECUTOR_KEY_FILE`) enable executor mode with no file
/// section, and fewer are an error naming the first missing key (see `ConfigValidator`).
///
/// Only a section's namespace belongs to Beekeeper: a variable named after a top-level key
/// (`BEEKEEPER_AUDIT`, `BEEKEEPER_DATA_DIR`) or starting with one and `_` (`BEEKEEPER_AUDIT_*`,
/// `BEEKEEPER_LOG_*`) must be an override, so a misspelt key (`BEEKEEPER_AUDIT_FSINC`) is an error
/// rather than silently ignored. Every other `BEEKEEPER_*` variable is left alone: clients of the
/// sidecar use the same prefix for their own settings (`BEEKEEPER_URL`, `BEEKEEPER_KEY_NAME`,
/// `BEEKEEPER_KEY_FILE` in a pod's shared environment), and they must not stop it starting.
/// `BEEKEEPER_CONFIG` (the file) and `BEEKEEPER_TEST_*` are not overrides.
enum EnvironmentOverrides {
    static let prefix = "BEEKEEPER_"
    static let configVariable = "BEEKEEPER_CONFIG"
    static let reservedPrefixes = ["BEEKEEPER_TEST_"]

    struct Override {
        var variable: String
        var path: [String]
        var spelling: ConfigKey.EnvironmentSpelling
    }

    /// One override per key, parents before their children, in schema order.
    static var overrides: [Override] {
        var result: [Override] = []
        func visit(_ keys: [ConfigKey], parent: [String]) {
            for key in keys {
                let path = parent + [key.name]
                result.append(Override(variable: prefix + path.joined(separator: "_").uppercased(), path: path, spelling: key.environment))
            }
            for key in keys where !key.children.isEmpty {
                visit(key.children, parent: parent + [key.name])
            }
        }
        visit(ConfigSchema.root.map(\.key), parent: [])
        return result.sorted { $0.path.count < $1.path.count }
    }

    static func apply(_ environment: [String: String], to configuration: inout BeekeeperConfiguration, _ decoder: ConfigDecoder) {
        let overrides = Self.overrides
        let known = Set(overrides.map(\.variable))
        let sections = ConfigSchema.root.map { prefix + $0.key.name.uppercased() }
        for variable in environment.keys.sorted() where variable.hasPrefix(prefix) && !known.contains(variable) {
            if variable == configVariable || reservedPrefixes.contains(where: { variable.hasPrefix($0) }) { continue }
            guard sections.contains(where: { variable == $0 || variable.hasPrefix($0 + "_") }) else { continue }
            let guess = overrides.map(\.variable).min {
                ConfigDecoder.editDistance(variable, $0) < ConfigDecoder.editDistance(variable, $1)
            }
            let hint = guess.map { ConfigDecoder.editDistance(variable, $0) <= 3 ? " (did you mean \($0)?)" : "" } ?? ""
            decoder.record(ConfigError(file: nil, line: nil, key: variable, message: "unknown configuration variable\(hint)"), at: variable)
        }
        let saved = decoder.source
        defer { decoder.source = saved }
        for override in overrides {
            guard let text = environment[override.variable] else { continue }
            let dotted = override.path.joined(separator: ".")
            decoder.source = .environment(variable: override.variable, path: dotted)
            do throws(ConfigError) {
                var node = try value(text, spelling: override.spelling, variable: override.variable)
                // Wrap the value in the mappings above it and read it like a one-key file.
                for key in override.path.reversed() {
                    node = Node([(Node(key), node)])
                }
                try decoder.decode(node, "", fields: ConfigSchema.root, into: &configuration)
            } catch let failure {
                decoder.record(failure, at: dotted)
            }
        }
    }

    private static func value(_ text: String, spelling: ConfigKey.EnvironmentSpelling, variable: String) throws(ConfigError) -> Node {
        let null = Node("", Tag(.null))
        switch spelling {
        case .text:
            return Node(text, Tag(.str))
        case .optionalText:
            return ["", "null", "~"].contains(text) ? null : Node(text, Tag(.str))
        case .yaml:
            do {
                return try Yams.compose(yaml: text) ?? null
            } catch let error as YamlError {
                throw ConfigError(file: nil, line: nil, key: variable, message: "invalid value: \(ConfigurationLoader.problem(of: error).message)")
            } catch {
                throw ConfigError(file: nil, line: nil, key: variable, message: "invalid value: \(error)")
            }
        }
    }
}
