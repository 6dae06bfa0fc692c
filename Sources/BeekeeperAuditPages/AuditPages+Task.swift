import BeekeeperAudit
import BeekeeperCore
import Hummingbird

extension AuditPages {
    /// `GET /audit/tasks/{id}`: every record of the task, oldest first, with the time since it was
    /// received, durations, and each record's chain link; a plot of the attempts.
    func timeline(task: String) async throws -> Response {
        let (directory, index) = (directory, index)
        let entries = try await offLoop { try AuditQuery.task(task, directory: directory, index: index) }
        guard !entries.isEmpty else {
            throw PageFailure(status: .notFound, title: "Task \(task)", message: "No records of task \"\(task)\" in this log.")
        }
        let start = entries.first?.microseconds ?? 0
        var body = "<p>\(entries.count) record\(entries.count == 1 ? "" : "s"). <a href=\"/audit/search\(HTML.escape(HTML.query([("task", task)])))\">As a search</a>, <a id=\"task-csv\" href=\"/audit/search\(HTML.escape(HTML.query([("task", task), ("format", "csv")])))\">CSV</a>.</p>"
        body += Self.timelinePlot(entries, start: start)
        let rows = entries.map { entry -> [String] in
            let offset = entry.microseconds.map { Double($0 - start) / 1000 } ?? 0
            let detail = AuditTable.detail(entry.record, limit: nil)
            return [
                "<a href=\"/audit/records/\(entry.seq)\">\(entry.seq)</a>", "<span class=\"mono\">\(HTML.escape(entry.ts))</span>",
                "<span class=\"num\">+\(SVGPlot.number(offset)) ms</span>", HTML.escape(entry.type), HTML.escape(detail),
                "<code title=\"\(HTML.escape(entry.chain))\">\(HTML.escape(String(entry.chain.prefix(12))))…</code>",
            ]
        }
        body += "<h2>Records</h2>" + HTML.table(["seq", "ts", "since received", "type", "detail", "chain"], rows, id: "timeline")
        return Self.html(.ok, HTML.page(title: "Task \(task)", source: source, body: body))
    }

    /// Attempts as bars from `task.started` to the next record; every other record a mark.
    static func timelinePlot(_ entries: [AuditEntry], start: Int64) -> String {
        var spans: [SVGPlot.Span] = []
        for (position, entry) in entries.enumerated() {
            let at = Double((entry.microseconds ?? start) - start) / 1000
            if entry.type == "task.started" {
                let end = entries.dropFirst(position + 1).first?.microseconds.map { Double($0 - start) / 1000 } ?? at
                let attempt = entry.record["attempt"].map { $0.stringValue ?? $0.serialized() } ?? "?"
                spans.append(.init(label: "attempt \(attempt)", start: at, duration: max(0, end - at), colour: "#5b8def"))
            } else {
                let bad = ["task.blocked", "task.failed", "task.timed_out"].contains(entry.type)
                let duration = entry.record["duration_ms"]?.stringValue.flatMap(Double.init)
                    ?? entry.record["duration_ms"].flatMap { Double($0.serialized()) }
                let isTerminal = ["task.succeeded", "task.failed", "task.timed_out"].contains(entry.type)
                spans.append(.init(
                    label: entry.type, start: isTerminal ? max(0, at - (duration ?? 0)) : at, duration: isTerminal ? (duration ?? 0) : 0,
                    colour: bad ? "#b3261e" : "#2f6f5e"))
            }
        }
        return SVGPlot.timeline(spans, title: "Durations (ms since received)")
    }
}
