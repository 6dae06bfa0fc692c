public import BeekeeperCore
import Foundation

/// The columns of `audit query --format table` and of the review pages' lists: one layout for
/// the terminal and the browser.
public enum AuditTable {
    public static let columns = ["SEQ", "TS", "TYPE", "BEE", "FUNCNAME", "TASK", "DETAIL"]
    public static let header = pad(columns)
    /// The members shown in DETAIL, in this order.
    public static let detailKeys = ["outcome", "reason", "error", "duration_ms", "attempt", "actor"]

    public static func row(_ record: JSONValue) -> String { pad(cells(record)) }

    /// The cells of a row, unpadded (DETAIL shortened to 80 characters per value).
    public static func cells(_ record: JSONValue) -> [String] {
        [
            text(record["seq"]), text(record["ts"]), text(record["type"]), text(record["bee"]), text(record["funcname"]),
            text(record["task_id"]), detail(record),
        ]
    }

    /// - Parameter limit: values longer than this are cut (the terminal's table); nil keeps them whole.
    public static func detail(_ record: JSONValue, limit: Int? = 80) -> String {
        detailKeys.compactMap { key -> String? in
            guard let value = record[key] else { return nil }
            let text = value.stringValue ?? value.serialized()
            guard let limit, text.count > limit else { return "\(key)=\(text)" }
            return "\(key)=\(String(text.prefix(limit - 3)))..."
        }.joined(separator: " ")
    }

    /// A member as text: strings as they are, anything else as JSON; `-` when absent.
    public static func text(_ value: JSONValue?) -> String {
        guard let value else { return "-" }
        return value.stringValue ?? value.serialized()
    }

    static func pad(_ cells: [String]) -> String {
        let widths = [8, 27, 16, 10, 18, 38]
        return cells.enumerated().map { index, cell in
            index < widths.count ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) : cell
        }.joined(separator: " ")
    }
}

/// `format=csv` of the review pages (and `audit query --format csv`): RFC 4180, one row per
/// record, the members people count and sort by as columns.
public enum AuditCSV {
    public static let columns = [
        "seq", "ts", "type", "task_id", "bee", "funcname", "outcome", "attempt", "duration_ms", "reason", "error", "actor", "payload_bytes",
    ]
    public static let header = columns.joined(separator: ",") + "\r\n"

    public static func row(_ record: JSONValue) -> String {
        columns.map { key in
            guard let value = record[key] else { return "" }
            if case .null = value { return "" }
            return field(value.stringValue ?? value.serialized())
        }.joined(separator: ",") + "\r\n"
    }

    /// Quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is
    /// prefixed with `'` so a spreadsheet never runs a client's text as a formula.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
