import BeekeeperConfig
import Testing

@Suite("The log section")
struct LogConfigTests {
    @Test("format and level are read, text and info by default")
    func readsFormatAndLevel() throws {
        #expect(try ConfigurationLoader.parse(yaml: "", file: nil).log == LogConfig())
        let configuration = try ConfigurationLoader.parse(yaml: "log: {format: json, level: debug}", file: "test.yaml")
        #expect(configuration.log.format == .json)
        #expect(configuration.log.level == .debug)
    }

    @Test("a bad value or an unknown key names its line and key", arguments: [
        ("listen: 127.0.0.1:0\nlog:\n  format: xml", 3, "log.format"),
        ("log:\n  level: loud", 2, "log.level"),
        ("log:\n  colour: true", 2, "log.colour"),
    ])
    func errors(yaml: String, line: Int, key: String) {
        let error = parseError(yaml)
        #expect(error?.line == line)
        #expect(error?.key == key)
    }

    @Test("BEEKEEPER_LOG_FORMAT and BEEKEEPER_LOG_LEVEL override the file")
    func environment() throws {
        let configuration = try ConfigurationLoader.load(path: nil, environment: ["BEEKEEPER_LOG_FORMAT": "json", "BEEKEEPER_LOG_LEVEL": "warning"])
        #expect(configuration.log.format == .json)
        #expect(configuration.log.level == .warning)
        #expect(loadError(path: nil, environment: ["BEEKEEPER_LOG_FORMAT": "yaml"])?.key == "BEEKEEPER_LOG_FORMAT")
    }
}
