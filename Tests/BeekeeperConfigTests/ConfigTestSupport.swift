import BeekeeperConfig
import Foundation
import Testing

/// Parses `yaml` expecting a ConfigError, which it returns (recording an issue if none comes).
func parseError(_ yaml: String, file: String? = "test.yaml", sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let configuration = try ConfigurationLoader.parse(yaml: yaml, file: file)
        Issue.record("expected an error, got \(configuration)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Loads expecting a ConfigError, which it returns.
func loadError(path: String?, environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let configuration = try ConfigurationLoader.load(path: path, environment: environment)
        Issue.record("expected an error, got \(configuration)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// deploy/examples/beekeeper.yaml in the repository this test file lives in (through symlinks).
var exampleConfigPath: String {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/examples/beekeeper.yaml").path
}

/// A minimal valid bee entry, for documents that need one.
let oneBee = """
bees:
  - name: a
    funcnames: [f]
    command: [./a]
"""

extension ColoniesConfig {
    /// This section with its optional keys set as well.
    func with(colonyKeyFile: String?, assignTimeout: Duration, concurrency: Int, keepaliveInterval: Duration) -> ColoniesConfig {
        var colonies = self
        colonies.colonyKeyFile = colonyKeyFile
        colonies.assignTimeout = assignTimeout
        colonies.concurrency = concurrency
        colonies.keepaliveInterval = keepaliveInterval
        return colonies
    }
}
