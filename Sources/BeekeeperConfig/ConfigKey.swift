/// One key of the configuration schema as environment overrides see it: its YAML name, how an
/// environment variable spells its value, and the keys nested under it.
struct ConfigKey: Sendable {
    enum EnvironmentSpelling: Sendable {
        /// The variable's text is the string itself, unparsed (`BEEKEEPER_BACKUP_SCHEDULE=*/5 * * * *`).
        case text
        /// As `text`, except that an empty value or `null` means null.
        case optionalText
        /// The variable's text is a YAML (or JSON) flow value: `2MiB`, `true`, `[0.5, 0.99]`, `{ops: ...}`.
        case yaml
    }

    var name: String
    var environment: EnvironmentSpelling
    var children: [ConfigKey]

    init(_ name: String, environment: EnvironmentSpelling, children: [ConfigKey] = []) {
        self.name = name
        self.environment = environment
        self.children = children
    }
}
