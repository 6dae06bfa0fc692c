/// Checks across keys that the file and the environment can set separately, run once everything
/// is merged. The error is blamed on whichever key was set, preferring the later one. Errors are
/// recorded in `decoder.errors`; a check involving a key that could not be read is skipped.
enum ConfigValidator {
    static func validate(_ configuration: BeekeeperConfiguration, _ decoder: ConfigDecoder) {
        validateColonies(configuration.colonies, decoder)
        let shipper = configuration.shipper
        if shipper.maxBackoff < shipper.initialBackoff, !decoder.failed("shipper.max_backoff"), !decoder.failed("shipper.initial_backoff") {
            let key = decoder.isSet("shipper.max_backoff") || !decoder.isSet("shipper.initial_backoff")
                ? "shipper.max_backoff" : "shipper.initial_backoff"
            decoder.record(decoder.error(
                key,
                "max_backoff (\(DurationParser.format(shipper.maxBackoff))) is shorter than initial_backoff (\(DurationParser.format(shipper.initialBackoff)))"
            ), at: key)
        }
    }

    /// A `colonies` section needs its required keys, wherever they come from: the file, or
    /// `BEEKEEPER_COLONIES_*` variables, which can also turn executor mode on with no section in
    /// the file at all (all five given) — handy where the environment is the only input (a
    /// container). One variable alone on such a file is not ignored: each missing key is an
    /// error blamed on the line or variable that turned the section on.
    static func validateColonies(_ colonies: ColoniesConfig?, _ decoder: ConfigDecoder) {
        guard let colonies else { return }
        for (name, value) in ConfigSchema.requiredColoniesKeys where colonies[keyPath: value].isEmpty {
            let path = "colonies." + name
            // Given but unreadable: that error is already recorded.
            guard !decoder.failed(path) else { continue }
            let variable = EnvironmentOverrides.prefix + "COLONIES_" + name.uppercased()
            decoder.record(decoder.error(path, "required key is missing (give it in the file or as \(variable))"), at: path)
        }
    }
}
