import Foundation
import Testing

/// `beekeeper config check` builds the Guardian `serve` would: what `serve` refuses, it refuses.
@Suite(.timeLimit(.minutes(1)))
struct ConfigCheckGuardianTests {
    static func check(_ guardian: String) throws -> Program.Result {
        let directory = NSTemporaryDirectory() + "beekeeper-guardian-check-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = "data_dir: ./data\n" + guardian
        try config.write(toFile: directory + "/beekeeper.yaml", atomically: false, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        return try Program.run(SidecarProcess.binary, ["config", "check", "--config", "beekeeper.yaml"], directory: directory, environment: environment)
    }

    @Test("rules for a funcname no bee serves are exit status 2, as in serve")
    func rulesForUnknownFuncname() throws {
        let result = try Self.check("guardian:\n  rules:\n    nobody:\n      - {field: args.0, check: uuid}\n")
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("guardian.rules.nobody: no bee serves funcname 'nobody'"), "\(result.stderr)")
    }

    @Test("a pattern PCRE2 cannot compile is an error at its line")
    func patternPCRE2Refuses() throws {
        let result = try Self.check("guardian:\n  patterns:\n    - id: p\n      regex: '\\N{LATIN SMALL LETTER A}'\n")
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("beekeeper.yaml:5: guardian.patterns[0].regex: invalid regular expression"), "\(result.stderr)")
    }
}
