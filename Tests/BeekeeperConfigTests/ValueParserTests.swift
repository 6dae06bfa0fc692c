import BeekeeperConfig
import Testing

@Suite("Durations and sizes")
struct ValueParserTests {
    @Test("durations parse with a unit", arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("5m", .seconds(300)), ("24h", .seconds(86_400)),
        ("7d", .seconds(604_800)), ("1.5s", .milliseconds(1500)), ("1h30m", .seconds(5400)), ("0s", .zero),
        ("250us", .microseconds(250)), ("42ns", .nanoseconds(42)), (" 2m ", .seconds(120)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test("durations without a unit, or malformed, are rejected", arguments: ["", "30", "5x", "-5s", "s", "1.s", "1 h", "10S", "99999999999d"])
    func badDurations(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test("durations format in the largest exact unit and parse back")
    func durationFormat() {
        #expect(DurationParser.format(.seconds(300)) == "5m")
        #expect(DurationParser.format(.seconds(90)) == "90s")
        #expect(DurationParser.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationParser.format(.seconds(7 * 86_400)) == "7d")
        #expect(DurationParser.format(.zero) == "0s")
        for duration: Duration in [.nanoseconds(1), .microseconds(3), .seconds(3601), .seconds(86_400 * 365)] {
            #expect(DurationParser.parse(DurationParser.format(duration)) == duration)
        }
    }

    @Test("sizes parse", arguments: [
        ("512KiB", 524_288), ("64MiB", 67_108_864), ("1GiB", 1_073_741_824), ("100B", 100), ("1024", 1024),
        ("2MB", 2_000_000), ("1.5MiB", 1_572_864), ("64 mib", 67_108_864), ("0B", 0),
    ])
    func sizes(text: String, expected: Int) {
        #expect(ByteSizeParser.parse(text) == expected)
    }

    @Test("malformed sizes are rejected", arguments: ["", "MiB", "5x", "-1B", "1.3B", "1.2.3KiB", "99999999999999999999B", "10000000TiB"])
    func badSizes(text: String) {
        #expect(ByteSizeParser.parse(text) == nil)
    }

    @Test("sizes format in the largest exact binary unit")
    func sizeFormat() {
        #expect(ByteSizeParser.format(1 << 20) == "1MiB")
        #expect(ByteSizeParser.format(100 << 10) == "100KiB")
        #expect(ByteSizeParser.format(1000) == "1000B")
        #expect(ByteSizeParser.format(0) == "0B")
    }

    @Test("cron schedules: valid ones load", arguments: [
        "0 3 * * *", "*/5 * * * *", "0 0 1 1 *", "30 2 * * 1-5", "0 */6 * * sun,sat", "15 4 1-7 jan-jun 7",
        "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight", "@annually", "0 12 * * MON",
    ])
    func validCron(schedule: String) throws {
        let c = try ConfigurationLoader.parse(yaml: "backup:\n  schedule: \"\(schedule)\"", file: nil)
        #expect(c.backup.schedule == schedule)
    }

    @Test("cron schedules: invalid ones are rejected", arguments: [
        "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *",
        "*/0 * * * *", "a * * * *", "1,,2 * * * *", "@reboot", "", "* * * * funday",
    ])
    func invalidCron(schedule: String) {
        let error = parseError("backup:\n  schedule: \"\(schedule)\"")
        #expect(error?.key == "backup.schedule")
        #expect(error?.line == 2)
    }
}
