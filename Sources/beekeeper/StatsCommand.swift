import ArgumentParser
import BeekeeperConfig
import BeekeeperCore
import Curl
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Guardian stats and latency windows of a running sidecar, as a table.")

    @Option(help: "Sidecar base URL (default: $BEEKEEPER_URL, else http://<listen> from the config).") var server: String?
    @Option(help: "Bearer token file (default: metrics.bearer_token_file).") var tokenFile: String?
    @Flag(help: "Print the raw JSON of /v1/stats instead of tables.") var json = false
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        var token: String? = nil
        if let path = tokenFile ?? configuration.metrics.bearerTokenFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(description: "cannot read token file \(path)") }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let response = try await SidecarClient(server: server, configuration: configuration).get(path: "/v1/stats", bearerToken: token)
        guard response.status == 200 else {
            throw OperationFailed(description: "the sidecar answered HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        if json {
            print(String(decoding: response.body, as: UTF8.self), terminator: "")
            return
        }
        let stats = try JSONValue.parse(response.body)
        print(StatsTable.render(stats, colour: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil))
    }
}

/// Plain-text tables for `beekeeper stats`; colour only on a terminal.
enum StatsTable {
    static func render(_ stats: JSONValue, colour: Bool) -> String {
        func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
        func tint(_ text: String, _ code: Int) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var out: [String] = []

        out.append(bold("Guardian"))
        var guardianRows = [["decision", "reason", "count"]]
        guardianRows.append(["approved", "", number(stats.value(atPath: "guardian.approved"))])
        for member in stats.value(atPath: "guardian.blocked")?.objectValue ?? [] {
            guardianRows.append(["blocked", member.key, number(member.value)])
        }
        out.append(table(guardianRows, header: bold))

        let window = number(stats["window_seconds"])
        out.append("")
        out.append(bold("Latency windows (last \(window)s)"))
        let windows = stats["windows"]?.arrayValue ?? []
        let quantileKeys = windows.first?["latency_seconds"]?.objectValue?.map(\.key) ?? []
        var windowRows = [["bee", "funcname", "count", "per_s", "errors"] + quantileKeys.map { "p\(percentile($0))" }]
        for series in windows {
            let errorRatio = series["error_ratio"]?.doubleValue ?? 0
            let errors = String(format: "%.1f%%", errorRatio * 100)
            var row = [
                series["bee"]?.stringValue ?? "", series["funcname"]?.stringValue ?? "", number(series["count"]),
                String(format: "%.2f", series["throughput_per_second"]?.doubleValue ?? 0),
                errorRatio > 0 ? tint(errors, 31) : tint(errors, 32),
            ]
            for key in quantileKeys {
                row.append(seconds(series["latency_seconds"]?[key]))
            }
            windowRows.append(row)
        }
        out.append(windows.isEmpty ? "  (no tasks in the window)" : table(windowRows, header: bold))

        out.append("")
        out.append(bold("Bees"))
        var beeRows = [["bee", "up", "workers", "restarts", "in_flight", "queued"]]
        for bee in stats["bees"]?.arrayValue ?? [] {
            let up = bee["up"]?.boolValue ?? false
            beeRows.append([
                bee["name"]?.stringValue ?? "", up ? tint("yes", 32) : tint("no", 31), number(bee["live_workers"]),
                number(bee["restarts"]), number(bee["in_flight"]), number(bee["queued"]),
            ])
        }
        out.append(table(beeRows, header: bold))
        return out.joined(separator: "\n")
    }

    static func number(_ value: JSONValue?) -> String {
        if case .number(let text)? = value { return text }
        return "-"
    }

    static func percentile(_ key: String) -> String {
        guard let q = Double(key) else { return key }
        let value = q * 100
        return value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func seconds(_ value: JSONValue?) -> String {
        guard let seconds = value?.doubleValue else { return "-" }
        if seconds < 1 { return String(format: "%.1fms", seconds * 1000) }
        return String(format: "%.2fs", seconds)
    }

    /// Control characters in names (a newline in a bee name) would break the layout: show them escaped.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{1B}": out.unicodeScalars.append(scalar)  // our own colour escapes
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case let control where control.value < 0x20 || control.value == 0x7F: out += "\\u{\(String(control.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Columns padded to their widest cell, measured without colour escapes.
    static func table(_ rows: [[String]], header: (String) -> String) -> String {
        let rows = rows.map { $0.map(printable) }
        func visibleWidth(_ text: String) -> Int {
            var width = 0
            var inEscape = false
            for character in text {
                if character == "\u{1B}" { inEscape = true; continue }
                if inEscape { if character == "m" { inEscape = false }; continue }
                width += 1
            }
            return width
        }
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], visibleWidth(cell)) } }
        return rows.enumerated().map { rowIndex, row in
            let cells = row.enumerated().map { index, cell in
                cell + String(repeating: " ", count: widths[index] - visibleWidth(cell))
            }
            let line = "  " + cells.joined(separator: "  ")
            return rowIndex == 0 ? header(line) : line
        }.joined(separator: "\n")
    }
}
