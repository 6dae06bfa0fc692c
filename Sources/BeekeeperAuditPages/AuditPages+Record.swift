import BeekeeperAudit
import BeekeeperCore
import Hummingbird

extension AuditPages {
    /// `GET /audit/records/{seq}`: the line exactly as stored, its chain and the chain before it,
    /// and whether the link between them holds.
    func record(seq: UInt64?) async throws -> Response {
        guard let seq, seq > 0 else { throw PageFailure(status: .badRequest, title: "Record", message: "A record is named by its seq, a positive integer.") }
        let directory = directory
        guard let found = try await offLoop({ try AuditQuery.record(seq: seq, directory: directory) }) else {
            throw PageFailure(status: .notFound, title: "Record \(seq)", message: "No record with seq \(seq) in this log.")
        }
        let (entry, previous) = (found.entry, found.previousChain)
        var body = "<p><span class=\"mono\">\(HTML.escape(entry.ts))</span> · \(HTML.escape(entry.type))"
        if let task = entry.record["task_id"]?.stringValue {
            body += " · task <a class=\"task\" href=\"/audit/tasks/\(HTML.escape(HTML.percent(task)))\">\(HTML.escape(task))</a>"
        }
        body += "</p><h2>Line as stored</h2><pre id=\"line\">\(HTML.escape(entry.line))</pre><h2>Chain</h2>"
        var rows = [["this record", "<code id=\"chain\">\(HTML.escape(entry.chain))</code>"]]
        if let previous {
            let holds = entry.linkHolds(previousChain: previous)
            let link = seq > 1 ? "<a href=\"/audit/records/\(seq - 1)\">seq \(seq - 1)</a>" : "chain_0"
            rows.append(["the one before (\(link))", "<code id=\"previous-chain\">\(HTML.escape(previous))</code>"])
            rows.append(["link", holds ? "holds: SHA-256(previous ‖ line before <code>,\"chain\"</code>) is this chain" : "<span class=\"fault\">does not hold</span>"])
        } else {
            rows.append(["the one before", "<span class=\"muted\">not in this directory (older segments are gone)</span>"])
        }
        body += HTML.table(["", "value"], rows, id: "chain-links")
        body += "<div class=\"actions\">"
        if seq > 1 { body += "<a href=\"/audit/records/\(seq - 1)\">Previous record</a>" }
        body += "<a href=\"/audit/records/\(seq + 1)\">Next record</a></div>"
        return Self.html(.ok, HTML.page(title: "Record \(seq)", source: source, body: body))
    }
}
