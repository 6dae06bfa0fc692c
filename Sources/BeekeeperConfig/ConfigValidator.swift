/// Checks across keys that the file and the environment can set separately, run once everything
/// is merged. The error is blamed on whichever key was set, preferring the later one.
enum ConfigValidator {
    static func validate(_ configuration: BeekeeperConfiguration, _ decoder: ConfigDecoder) throws(ConfigError) {
        let shipper = configuration.shipper
        if shipper.maxBackoff < shipper.initialBackoff {
            let key = decoder.isSet("shipper.max_backoff") || !decoder.isSet("shipper.initial_backoff")
                ? "shipper.max_backoff" : "shipper.initial_backoff"
            throw decoder.error(
                key,
                "max_backoff (\(DurationParser.format(shipper.maxBackoff))) is shorter than initial_backoff (\(DurationParser.format(shipper.initialBackoff)))"
            )
        }
    }
}
