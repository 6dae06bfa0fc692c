import BeekeeperAudit
import BeekeeperCore
import Foundation
import Hummingbird

extension AuditPages {
    /// `GET /audit/`: chain status, segments, Guardian decisions, recent blocks and failures,
    /// and tasks and blocks over time.
    func overview() async throws -> Response {
        let directory = directory
        let (report, segments, counts, blocks, failures) = try await offLoop { [status, summary] in
            let report = try status.report()
            let segments = try AuditSegments.list(directory: directory)
            let counts = try summary.counts()
            // The counts just taken say which sealed segments hold blocks or failures at all.
            let blocks = try AuditQuery(type: "task.blocked").page(
                directory: directory, hmacKey: nil, before: nil, size: 10, include: { summary.mayHold(type: "task.blocked", in: $0) })
            let failures = try AuditQuery(type: "task.failed").page(
                directory: directory, hmacKey: nil, before: nil, size: 10, include: { summary.mayHold(type: "task.failed", in: $0) })
            return (report, segments, counts, blocks.entries, failures.entries)
        }
        var body = ""
        // Chain status first: it is what a reviewer opens the page for.
        if let fault = report.fault {
            body += "<div class=\"status bad\" id=\"chain-status\"><strong>Chain broken</strong><p class=\"fault\" id=\"first-fault\">\(HTML.escape("\(Self.shortPath(fault.file)):\(fault.line)"))</p><p>\(HTML.escape(fault.reason))</p>"
            if let first = report.firstSeq, let last = report.lastSeq {
                body += "<p class=\"muted\">Intact before the fault: seq \(first) to \(last).</p>"
            }
            body += "</div>"
        } else if let first = report.firstSeq, let last = report.lastSeq {
            let from = report.firstTrustedSeq.map { "trusted from seq \($0) (older segments are gone)" } ?? "checked from chain_0"
            body += "<div class=\"status ok\" id=\"chain-status\"><strong>Chain intact</strong> from seq <span id=\"first-seq\">\(first)</span> to seq <span id=\"last-seq\">\(last)</span>: \(report.recordsChecked) records in \(report.segmentsChecked) segment\(report.segmentsChecked == 1 ? "" : "s"), \(HTML.escape(from)); \(report.checkpointsVerified) checkpoint signature\(report.checkpointsVerified == 1 ? "" : "s") verified.</div>"
        } else {
            body += "<div class=\"status ok\" id=\"chain-status\"><strong>No records yet.</strong></div>"
        }
        if let checkpoint = report.lastCheckpoint {
            body += "<p>Last signed checkpoint: <a href=\"/audit/records/\(checkpoint.seq)\">seq \(checkpoint.seq)</a>, key <code>\(HTML.escape(checkpoint.key))</code>\(report.keyChecked ? " (the configured key)" : " (the key it names)").</p>"
        } else {
            body += "<p class=\"muted\">No signed checkpoint yet.</p>"
        }

        body += "<h2>Tasks and blocks over time</h2>" + Self.activityPlot(counts)

        body += "<div class=\"grid\"><section><h2>Guardian decisions</h2>"
        let approved = counts.byType["task.approved"] ?? 0, blocked = counts.byType["task.blocked"] ?? 0
        var decisionRows = [["approved", "<span class=\"num\">\(approved)</span>"], ["blocked", "<span class=\"num\">\(blocked)</span>"]]
        for (reason, count) in counts.blockReasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(10) {
            decisionRows.append(["blocked: <code>\(HTML.escape(reason))</code>", "<span class=\"num\">\(count)</span>"])
        }
        body += HTML.table(["decision", "count"], decisionRows, id: "decisions") + "</section>"
        body += "<section><h2>Outcomes</h2>"
        let outcomeRows = ["task.succeeded", "task.failed", "task.timed_out", "task.duplicate", "auth.denied"].map {
            [HTML.escape($0), "<span class=\"num\">\(counts.byType[$0] ?? 0)</span>"]
        }
        body += HTML.table(["record", "count"], outcomeRows, id: "outcomes") + "</section></div>"

        body += "<h2>Recent blocks</h2>" + (blocks.isEmpty ? "<p class=\"muted\">None.</p>" : Self.entryTable(blocks, id: "recent-blocks"))
        body += "<h2>Recent failures</h2>" + (failures.isEmpty ? "<p class=\"muted\">None.</p>" : Self.entryTable(failures, id: "recent-failures"))

        body += "<h2>Segments</h2>"
        let live = segments.last(where: { !$0.isCompressed })
        let segmentRows = segments.map { segment -> [String] in
            let state = segment == live ? "live" : segment.isCompressed ? "sealed, compressed" : "sealed"
            return [
                "<code>\(HTML.escape(segment.fileName))</code>", "\(segment.firstSeq)", "<span class=\"num\">\(Self.bytes(segment.byteCount))</span>",
                HTML.escape(state), segment.isShipped ? "shipped" : (segment.isCompressed ? "not yet" : "-"),
            ]
        }
        body += HTML.table(["segment", "first seq", "size", "state", "shipped"], segmentRows, id: "segments")
        return Self.html(.ok, HTML.page(title: "Audit log overview", source: source, body: body))
    }

    /// Tasks received and blocked per time bucket, at most 60 buckets over the span of the log.
    static func activityPlot(_ counts: AuditSummary.Counts) -> String {
        guard let first = counts.perMinute.keys.min(), let last = counts.perMinute.keys.max() else {
            return "<p class=\"muted\">No tasks yet.</p>"
        }
        let span = last - first + 1
        let width = max(1, (span + 59) / 60)  // minutes per bucket
        var buckets = [Int64: (Int, Int)]()
        for (minute, value) in counts.perMinute {
            let bucket = (minute - first) / width
            let current = buckets[bucket] ?? (0, 0)
            buckets[bucket] = (current.0 + value.tasks, current.1 + value.blocks)
        }
        let bars = (0...((last - first) / width)).map { bucket -> SVGPlot.Bar in
            let value = buckets[bucket] ?? (0, 0)
            return SVGPlot.Bar(label: minuteLabel(first + bucket * width), values: [Double(value.0), Double(value.1)])
        }
        return SVGPlot.bars(bars, series: [("tasks received", "#2f6f5e"), ("blocked", "#b3261e")], title: "Tasks and blocks per \(width == 1 ? "minute" : "\(width) minutes")")
    }

    static func minuteLabel(_ minute: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(minute * 60))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return String(formatter.string(from: date).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// Records as the table of `audit query --format table`, with links to the record and task.
    static func entryTable(_ entries: [AuditEntry], id: String) -> String {
        let rows = entries.map { entry -> [String] in
            let cells = AuditTable.cells(entry.record)
            let task = entry.record["task_id"]?.stringValue
            let typeClass = "type-" + (entry.type.split(separator: ".").last.map(String.init) ?? "")
            return [
                "<a href=\"/audit/records/\(entry.seq)\">\(entry.seq)</a>", "<span class=\"mono\">\(HTML.escape(cells[1]))</span>",
                "<span class=\"nowrap \(HTML.escape(typeClass))\">\(HTML.escape(cells[2]))</span>", HTML.escape(cells[3]), HTML.escape(cells[4]),
                task.map { "<a class=\"task\" href=\"/audit/tasks/\(HTML.escape(HTML.percent($0)))\">\(HTML.escape($0))</a>" } ?? "-",
                HTML.escape(AuditTable.detail(entry.record, limit: nil)),
            ]
        }
        return HTML.table(AuditTable.columns, rows, id: id)
    }

    /// The file name only: a page shows where the fault is, not the server's directory layout.
    static func shortPath(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func bytes(_ count: Int64) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1 << 20 { return String(format: "%.1f KiB", Double(count) / 1024) }
        if count < 1 << 30 { return String(format: "%.1f MiB", Double(count) / 1_048_576) }
        return String(format: "%.2f GiB", Double(count) / 1_073_741_824)
    }
}
