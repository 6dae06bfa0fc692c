import Foundation
import Testing

/// `beekeeper config check` lists every error in the file, one `FILE:LINE: key: message` a line,
/// exit status 2; `serve` stops at the first.
@Suite(.timeLimit(.minutes(1)))
struct ConfigCheckAllErrorsTests {
    /// An unknown key, a bad value, and a bee whose program is nowhere on PATH.
    static let config = """
        data_dir: ./data
        listen: 127.0.0.1:0
        colour: red
        log:
          level: loud
        bees:
          - name: resize
            funcnames: [resize]
            command: [no-such-bee-program, --fast]
          - name: ok
            funcnames: [ok]
            command: [/bin/sh, -c, cat]

        """

    static func run(_ arguments: [String]) throws -> Program.Result {
        let directory = NSTemporaryDirectory() + "beekeeper-all-errors-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try config.write(toFile: directory + "/beekeeper.yaml", atomically: false, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        environment["PATH"] = "/usr/bin:/bin"
        return try Program.run(SidecarProcess.binary, arguments + ["--config", "beekeeper.yaml"], directory: directory, environment: environment)
    }

    @Test("config check prints all three errors, one a line, and exits 2")
    func threeErrorsListed() throws {
        let result = try Self.run(["config", "check"])
        #expect(result.status == 2, "\(result.output)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stderr)")
        guard lines.count == 4 else { return }
        #expect(lines[0].hasPrefix("beekeeper.yaml:3: colour: unknown key"), "\(lines[0])")
        #expect(lines[1].hasPrefix("beekeeper.yaml:5: log.level: invalid value \"loud\""), "\(lines[1])")
        #expect(
            lines[2] == "beekeeper.yaml:9: bees[0].command: bee \"resize\": \"no-such-bee-program\" is not an executable found on PATH (/usr/bin:/bin)",
            "\(lines[2])")
        #expect(lines[3] == "beekeeper: 3 configuration errors")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
    }

    @Test("serve stops at the first error, exit status 2")
    func serveStopsAtTheFirst() throws {
        let result = try Self.run(["serve"])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.hasPrefix("beekeeper: beekeeper.yaml:3: colour: unknown key"), "\(result.stderr)")
        #expect(!result.stderr.contains("log.level"), "\(result.stderr)")
    }
}
