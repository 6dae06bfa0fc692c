#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the built-in defaults add when no configuration file is given (no `--config`, no
/// `BEEKEEPER_CONFIG`), so a first `beekeeper serve` can run a task with no file edited:
///
/// - the demonstration bee `demo` (`echo`, `run_query`), a worker that is this very binary's hidden
///   `demo-bee` subcommand, so the first run needs no Python;
/// - the local client key `<data_dir>/keys/local.key` trusted as `auth.keys.local`, which `serve`
///   creates on first start and the CLI's clients (`submit`, `backup run`) find by themselves.
///
/// Each only fills a slot the environment left empty: `BEEKEEPER_BEES` replaces the demo bee,
/// `BEEKEEPER_AUTH_KEYS` the local key. A configuration file replaces both: nothing here applies.
public struct FirstRun: Sendable, Equatable {
    /// The name of the local key under `auth.keys` (its file's base name, as for every key file).
    public static let keyName = "local"
    public static let beeName = "demo"
    public static let funcnames = ["echo", "run_query"]

    /// The `beekeeper` executable that serves the demo bee as `<executable> demo-bee`.
    public var executable: String

    public init(executable: String) {
        self.executable = executable
    }

    /// `<data_dir>/keys/local.key`: the local client key (mode 0600), its `.pub` beside it.
    public static func localKeyPath(dataDir: String) -> String {
        (dataDir.hasSuffix("/") ? dataDir : dataDir + "/") + "keys/\(keyName).key"
    }

    /// True when the configuration comes from built-in defaults only (no file named).
    public static func applies(path: String?, environment: [String: String]) -> Bool {
        path == nil && (environment[EnvironmentOverrides.configVariable] ?? "").isEmpty
    }

    public var bee: BeeConfig {
        var bee = BeeConfig(name: Self.beeName, funcnames: Self.funcnames, kind: .worker, command: [executable, "demo-bee"])
        // One worker is plenty for trying it out, and starts fast.
        bee.concurrency = 1
        bee.timeout = .seconds(10)
        return bee
    }

    /// Adds the demo bee and the local key where `configuration` has none. A local key file that
    /// is missing adds no key (the sidecar creates it before loading); one that is not a key is an
    /// error naming it.
    func apply(to configuration: inout BeekeeperConfiguration) throws(ConfigError) {
        if configuration.bees.isEmpty { configuration.bees = [bee] }
        guard configuration.auth.keys.isEmpty else { return }
        let path = Self.localKeyPath(dataDir: configuration.dataDir)
        guard let text = Self.contents(of: path) else { return }
        // The key file is the 64-byte secret key as hex: the 32-byte seed, then the public key.
        let hex = text.filter { !$0.isWhitespace }
        guard hex.count == 128, hex.allSatisfy(\.isHexDigit) else {
            throw ConfigError(file: path, line: nil, key: "auth.keys.\(Self.keyName)", message: "the local client key is not 128 hex characters (delete it to have serve create a new one)")
        }
        configuration.auth.keys[Self.keyName] = String(hex.suffix(64)).lowercased()
    }

    private static func contents(of path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
