import BeekeeperCore
import Foundation

/// The Colonies stand-in server (Tools/colonies_standin.py) in a child process, with the setup
/// and client tools that drive it through pycolonies, an implementation independent of ours.
/// Its state survives a kill: ``restart()`` brings it back on the same port, as after an outage.
final class ColoniesStandIn: @unchecked Sendable {
    static let tools = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools"

    let directory: String
    let serverKey: String
    let serverID: String
    private(set) var process = Process()
    private(set) var port = 0
    let extraArguments: [String]

    var url: String { "http://127.0.0.1:\(port)" }
    var setupPath: String { directory + "/setup.json" }
    var executorKeyPath: String { directory + "/executor.key" }
    var colonyKeyPath: String { directory + "/colony.key" }
    var statePath: String { directory + "/state.json" }
    var requestLogPath: String { directory + "/requests.jsonl" }

    /// - Parameter arguments: extra stand-in flags, e.g. `--stale-duration 3`.
    init(arguments: [String] = []) throws {
        directory = NSTemporaryDirectory() + "beekeeper-colonies-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = try Self.python(["-c", "import sys; sys.path.insert(0, sys.argv[1]); from colonies_rpc import new_key; print(*new_key())", Self.tools])
        let parts = key.split(separator: " ").map(String.init)
        guard parts.count == 2 else { throw HarnessError("cannot make a server key: \(key)") }
        (serverKey, serverID) = (parts[0], parts[1].trimmingCharacters(in: .whitespacesAndNewlines))
        extraArguments = arguments
        try start(port: 0)
    }

    deinit {
        kill9()
        if ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func start(port requested: Int) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: SidecarProcess.python)
        process.arguments = [
            Self.tools + "/colonies_standin.py", "--port", String(requested), "--server-id", serverID,
            "--state", statePath, "--log", requestLogPath,
        ] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        let log = directory + "/standin.log"
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        process.standardError = handle
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard let bound = text.split(separator: ":").last.flatMap({ Int($0) }), text.hasPrefix("colonies-standin listening on") else {
            kill9()
            throw HarnessError("colonies stand-in did not start: \(text)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }
        port = bound
    }

    func kill9() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Back on the same port with the state it had (an outage ends).
    func restart() throws {
        kill9()
        try start(port: port)
    }

    /// A colony, a user and this executor (registered and approved unless `register` is false),
    /// with the executor key written for Beekeeper and the colony key beside it.
    func setUp(colony: String = "dev", executorName: String = "beekeeper-1", executorType: String = "beekeeper", register: Bool = true) throws -> JSONValue {
        var arguments = [
            Self.tools + "/colonies_setup.py", "--server", url, "--server-prvkey", serverKey, "--colony", colony,
            "--executor-name", executorName, "--executor-type", executorType, "--out", setupPath, "--executor-key-file", executorKeyPath,
        ]
        if !register { arguments.append("--no-register") }
        _ = try Self.python(arguments)
        let setup = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: setupPath))))
        let colonyKey = (setup["colonyprvkey"]?.stringValue ?? "") + "\n"
        try colonyKey.write(toFile: colonyKeyPath, atomically: true, encoding: .utf8)
        chmod(colonyKeyPath, 0o600)
        return setup
    }

    /// Runs `colonies_client.py` (pycolonies as the user) and parses what it prints.
    @discardableResult
    func client(_ arguments: [String]) throws -> JSONValue {
        let result = try Program.run(SidecarProcess.python, [Self.tools + "/colonies_client.py", "--setup", setupPath, "--server", url] + arguments)
        guard result.status == 0 else { throw HarnessError("colonies_client \(arguments) exited \(result.status): \(result.output)") }
        return try JSONValue.parse(Array(result.stdout.utf8))
    }

    /// Submits with pycolonies' `submit_func_spec`; returns the process id.
    func submit(_ funcname: String, args: [String] = [], kwargs: [String: String] = [:], maxExecTime: Int = -1) throws -> String {
        let argsJSON = JSONValue.array(args.map { .string($0) }).serialized()
        let kwargsJSON = JSONValue.object(kwargs.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) }).serialized()
        let reply = try client(["submit", "--func", funcname, "--args", argsJSON, "--kwargs", kwargsJSON, "--maxexectime", String(maxExecTime)])
        guard let id = reply["processid"]?.stringValue else { throw HarnessError("submit printed \(reply)") }
        return id
    }

    /// Waits until the process ends (successful, failed or cancelled); returns it.
    func wait(_ processID: String, timeout: Int = 60) throws -> JSONValue {
        try client(["wait", processID, "--timeout", String(timeout)])
    }

    /// Every request the stand-in answered, in order.
    func requests() throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: requestLogPath) else { return [] }
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONValue.parse(Array($0)) }
    }

    static func python(_ arguments: [String]) throws -> String {
        let result = try Program.run(SidecarProcess.python, arguments)
        guard result.status == 0 else { throw HarnessError("python3 \(arguments.first ?? "") exited \(result.status): \(result.output)") }
        return result.stdout
    }

    /// The `colonies:` section for a sidecar pointed at this stand-in.
    func configSection(concurrency: Int = 4, assignTimeout: String = "2s", keepalive: String = "60s", registerItself: Bool = false) -> String {
        """
        colonies:
          server: \(url)
          colony: dev
          executor_name: beekeeper-1
          executor_type: beekeeper
          executor_key_file: \(executorKeyPath)
          colony_key_file: \(registerItself ? colonyKeyPath : "null")
          assign_timeout: \(assignTimeout)
          concurrency: \(concurrency)
          keepalive_interval: \(keepalive)
        """
    }
}
