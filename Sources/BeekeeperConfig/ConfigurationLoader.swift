#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Yams

/// Loads the configuration of SPEC section 3: a YAML file, then `BEEKEEPER_*` environment
/// overrides (see `EnvironmentOverrides`), then the checks that span keys. Every error names the
/// file, line and key, or the environment variable.
public enum ConfigurationLoader {
    /// The configuration for `--config path`, else the file named by `BEEKEEPER_CONFIG`, else the
    /// built-in defaults; then the environment's overrides; then validation.
    ///
    /// Overrides: every key has a variable, its dotted path upper-cased with `_` for `.`
    /// (`BEEKEEPER_AUDIT_FSYNC=always`, `BEEKEEPER_BACKUP_KEEP_LAST=5`). String keys take the text
    /// as is (empty or `null` clears a nullable one); the others take a YAML/JSON flow value
    /// (`BEEKEEPER_GUARDIAN_MAX_PAYLOAD_BYTES=2MiB`, `BEEKEEPER_METRICS_QUANTILES=[0.5,0.99]`,
    /// `BEEKEEPER_BEES=[{name: a, funcnames: [f], command: [./a]}]`), a list or map replacing the
    /// file's. An unknown variable in a section's namespace (`BEEKEEPER_AUDIT_FSINC`) is an error
    /// naming it; other `BEEKEEPER_*` variables (a client's `BEEKEEPER_URL`) are not Beekeeper's.
    ///
    /// With `firstRun` and no file, the demo bee and the local key fill what the environment left
    /// empty (see `FirstRun`).
    ///
    /// Throws the first error found; `loadReportingAll` throws them all.
    public static func load(path: String?, environment: [String: String], firstRun: FirstRun? = nil) throws(ConfigError) -> BeekeeperConfiguration {
        do throws(ConfigErrors) {
            return try loadReportingAll(path: path, environment: environment, firstRun: firstRun)
        } catch let errors {
            throw errors.errors[0]
        }
    }

    /// As `load`, but reading on past each error it safely can (an unknown key, a key with a bad
    /// value, a bad bee entry: each is skipped and the rest read) and throwing every error found,
    /// in file order, then the environment's, then the checks across keys. A file that cannot be
    /// read or is not YAML is one error. With `checkingBeeCommands`, each bee's `command[0]` must
    /// also resolve to an executable, on the PATH `environment` holds.
    public static func loadReportingAll(
        path: String?, environment: [String: String], checkingBeeCommands: Bool = false, firstRun: FirstRun? = nil
    ) throws(ConfigErrors) -> BeekeeperConfiguration {
        var configuration = BeekeeperConfiguration()
        let decoder: ConfigDecoder
        if let file = path ?? environment[EnvironmentOverrides.configVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            decoder = ConfigDecoder(file: file)
            if checkingBeeCommands { decoder.commandSearchPath = environment["PATH"] ?? "" }
            do throws(ConfigError) {
                let text = try readFile(file, namedBy: path == nil ? EnvironmentOverrides.configVariable : "")
                try decode(text, into: &configuration, decoder)
            } catch let failure {
                // The file as a whole: nothing more to read in it.
                throw ConfigErrors(errors: decoder.errors + [failure])
            }
        } else {
            decoder = ConfigDecoder(file: nil)
            if checkingBeeCommands { decoder.commandSearchPath = environment["PATH"] ?? "" }
        }
        EnvironmentOverrides.apply(environment, to: &configuration, decoder)
        if let firstRun, FirstRun.applies(path: path, environment: environment) {
            do throws(ConfigError) {
                try firstRun.apply(to: &configuration)
            } catch let failure {
                decoder.record(failure, at: failure.key)
            }
        }
        ConfigValidator.validate(configuration, decoder)
        guard decoder.errors.isEmpty else { throw ConfigErrors(errors: decoder.errors) }
        return configuration
    }

    /// The configuration that `yaml` describes, without environment overrides. `file` only names
    /// the text in errors. Throws the first error found.
    public static func parse(yaml: String, file: String?) throws(ConfigError) -> BeekeeperConfiguration {
        do throws(ConfigErrors) {
            return try parseReportingAll(yaml: yaml, file: file)
        } catch let errors {
            throw errors.errors[0]
        }
    }

    /// As `parse`, throwing every error found (see `loadReportingAll`).
    public static func parseReportingAll(yaml: String, file: String?) throws(ConfigErrors) -> BeekeeperConfiguration {
        var configuration = BeekeeperConfiguration()
        let decoder = ConfigDecoder(file: file)
        do throws(ConfigError) {
            try decode(yaml, into: &configuration, decoder)
        } catch let failure {
            throw ConfigErrors(errors: decoder.errors + [failure])
        }
        ConfigValidator.validate(configuration, decoder)
        guard decoder.errors.isEmpty else { throw ConfigErrors(errors: decoder.errors) }
        return configuration
    }

    private static func decode(_ yaml: String, into configuration: inout BeekeeperConfiguration, _ decoder: ConfigDecoder) throws(ConfigError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            if case .duplicatedKeysInMapping(let duplicates, let context) = error {
                throw duplicateKeyError(yaml, key: duplicates.first ?? "", firstMark: context.mark, file: decoder.file)
            }
            let (line, message) = problem(of: error)
            throw ConfigError(file: decoder.file, line: line, key: "", message: message)
        } catch {
            throw ConfigError(file: decoder.file, line: nil, key: "", message: "invalid YAML: \(error)")
        }
        try ConfigSchema.decodeDocument(root, into: &configuration, decoder)
    }

    /// The line and a one-line message for a Yams parse error (Yams's own description spans lines).
    static func problem(of error: YamlError) -> (line: Int?, message: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return (mark.line, "invalid YAML: \(problem)\(detail)")
        case .reader(let problem, let offset, _, let yaml):
            let line = offset.map { offset in 1 + yaml.prefix(offset).filter { $0 == "\n" }.count }
            return (line, "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, "duplicate key \(duplicates.map { ConfigDecoder.quote($0) }.joined(separator: ", "))")
        default:
            return (nil, "invalid YAML: \(error)")
        }
    }

    /// Yams reports a duplicate key by name and its first occurrence only. To name its dotted path
    /// and the line of the repeat, rename the first occurrence and compose again: the renamed key
    /// then sits in the tree beside the repeat.
    private static func duplicateKeyError(_ yaml: String, key: String, firstMark: Mark, file: String?) -> ConfigError {
        let fallback = ConfigError(file: file, line: firstMark.line, key: key, message: "duplicate key")
        let marker = "zz-beekeeper-duplicate-"
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard firstMark.line >= 1, firstMark.line <= lines.count else { return fallback }
        var scalars = Array(lines[firstMark.line - 1].unicodeScalars)
        var column = firstMark.column - 1
        guard column >= 0, column < scalars.count else { return fallback }
        if scalars[column] == "\"" || scalars[column] == "'" { column += 1 }
        scalars.insert(contentsOf: marker.unicodeScalars, at: column)
        var edited = String.UnicodeScalarView()
        edited.append(contentsOf: scalars)
        lines[firstMark.line - 1] = String(edited)
        guard let root = try? Yams.compose(yaml: lines.joined(separator: "\n")),
              let (path, repeatNode) = findRepeat(of: marker + key, originalKey: key, in: root, path: "")
        else { return fallback }
        return ConfigError(file: file, line: repeatNode.mark?.line ?? firstMark.line, key: path,
                           message: "duplicate key (first given at line \(firstMark.line))")
    }

    private static func findRepeat(of markedKey: String, originalKey: String, in node: Node, path: String) -> (String, Node)? {
        switch node {
        case .mapping(let mapping):
            if mapping.contains(where: { $0.key.scalar?.string == markedKey }),
               let repeatKey = mapping.first(where: { $0.key.scalar?.string == originalKey })?.key {
                return (ConfigDecoder.join(path, originalKey), repeatKey)
            }
            for (key, value) in mapping {
                if let found = findRepeat(of: markedKey, originalKey: originalKey, in: value, path: ConfigDecoder.join(path, key.scalar?.string ?? "?")) {
                    return found
                }
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = findRepeat(of: markedKey, originalKey: originalKey, in: item, path: "\(path)[\(index)]") {
                    return found
                }
            }
        case .scalar, .alias:
            break
        }
        return nil
    }

    /// The file's text; a missing, unreadable or non-UTF-8 file is an error naming it (and the
    /// variable that named it, if any).
    private static func readFile(_ path: String, namedBy variable: String) throws(ConfigError) -> String {
        func failure(_ message: String) -> ConfigError {
            ConfigError(file: path, line: nil, key: variable, message: message)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw failure("cannot open the configuration file: \(reason)")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the configuration file: \(String(cString: strerror(errno)))")
            }
            bytes.append(contentsOf: buffer[..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("the configuration file is not valid UTF-8")
        }
        return text
    }
}
