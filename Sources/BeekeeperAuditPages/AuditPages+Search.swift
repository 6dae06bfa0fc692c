import BeekeeperAudit
import BeekeeperCore
import Foundation
import Hummingbird
import NIOCore

extension AuditPages {
    /// The filters of `audit query` read from the query string; bad values are a 400 page.
    struct SearchForm {
        var values: [String: String]
        var fields: [String]
        var query: AuditQuery

        init(query queryString: String?) throws(PageFailure) {
            var values: [String: String] = [:]
            var fields: [String] = []
            for pair in (queryString ?? "").split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard let key = parts.first else { continue }
                let value = parts.count > 1 ? AuditPages.decode(parts[1]) : ""
                let name = AuditPages.decode(key)
                guard !value.isEmpty else { continue }
                if name == "field" { fields.append(value) } else { values[name] = value }
            }
            self.values = values
            self.fields = fields
            func bad(_ message: String) -> PageFailure { PageFailure(status: .badRequest, title: "Search", message: message) }
            var query = AuditQuery()
            for name in ["since", "until"] {
                guard let text = values[name] else { continue }
                guard let date = AuditQuery.time(text) else { throw bad("\(name): \"\(text)\" is neither RFC 3339 nor an age such as 15m") }
                if name == "since" { query.since = date } else { query.until = date }
            }
            if let type = values["type"] {
                if let problem = AuditQuery.problem(type: type) { throw bad("type: \(problem)") }
                query.type = type
            }
            if let outcome = values["outcome"] {
                if let problem = AuditQuery.problem(outcome: outcome) { throw bad("outcome: \(problem)") }
                query.outcome = outcome
            }
            query.bee = values["bee"]
            query.funcname = values["funcname"]
            query.taskID = values["task"]
            for pair in fields {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { throw bad("field takes K=V, got \"\(pair)\"") }
                query.fields.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
            }
            self.query = query
        }

        /// The filters as query pairs, to build links that keep them.
        var pairs: [(String, String?)] {
            ["since", "until", "type", "bee", "funcname", "outcome", "task"].map { ($0, values[$0]) } + fields.map { ("field", $0) }
        }
    }

    /// `GET /audit/search`: newest first, a page at a time; `format=jsonl|csv` streams the whole result.
    func search(_ request: Request) async throws -> Response {
        let form = try SearchForm(query: request.uri.query)
        if let format = form.values["format"] {
            guard format == "jsonl" || format == "csv" else {
                throw PageFailure(status: .badRequest, title: "Search", message: "format: \"\(format)\" is not jsonl or csv")
            }
            return try await download(form.query, csv: format == "csv")
        }
        let before = form.values["before"].flatMap(UInt64.init)
        let (query, directory, hmacKey, index, summary) = (form.query, directory, hmacKey, index, summary)
        // An exact type skips the sealed segments the overview's counts know hold none of it.
        let exactType = query.type.flatMap { $0.hasSuffix("*") ? nil : $0 }
        let page = try await offLoop {
            try query.page(directory: directory, hmacKey: hmacKey, before: before, size: Self.pageSize, index: index,
                include: exactType.map { type in { summary.mayHold(type: type, in: $0) } })
        }

        var body = Self.searchForm(form)
        let here = HTML.query(form.pairs)
        body += "<div class=\"actions\"><span class=\"muted\">\(page.entries.count) record\(page.entries.count == 1 ? "" : "s") on this page, newest first.</span>"
        body += "<a id=\"download-jsonl\" href=\"/audit/search\(HTML.escape(HTML.query(form.pairs + [("format", "jsonl")])))\">Download JSONL</a>"
        body += "<a id=\"download-csv\" href=\"/audit/search\(HTML.escape(HTML.query(form.pairs + [("format", "csv")])))\">Download CSV</a></div>"
        body += page.entries.isEmpty ? "<p class=\"muted\" id=\"no-results\">No records match.</p>" : Self.entryTable(page.entries, id: "results")
        body += "<div class=\"actions\">"
        if before != nil { body += "<a href=\"/audit/search\(HTML.escape(here))\">Newest</a>" }
        if let next = page.nextBefore {
            body += "<a id=\"older\" href=\"/audit/search\(HTML.escape(HTML.query(form.pairs + [("before", String(next))])))\">Older records</a>"
        }
        body += "</div>"
        return Self.html(.ok, HTML.page(title: "Search the audit log", source: source, body: body))
    }

    static func searchForm(_ form: SearchForm) -> String {
        func input(_ name: String, _ label: String, _ placeholder: String) -> String {
            "<label>\(label)<input name=\"\(name)\" value=\"\(HTML.escape(form.values[name] ?? ""))\" placeholder=\"\(HTML.escape(placeholder))\"></label>"
        }
        func select(_ name: String, _ label: String, _ options: [String]) -> String {
            var out = "<label>\(label)<select name=\"\(name)\"><option value=\"\">any</option>"
            for option in options {
                out += "<option\(form.values[name] == option ? " selected" : "")>\(HTML.escape(option))</option>"
            }
            return out + "</select></label>"
        }
        let typeOptions = AuditQuery.recordTypes + ["task.*", "backup.*", "audit.*", "sidecar.*", "config.*", "colonies.*"]
        return """
            <form class="filters" method="get" action="/audit/search">
            \(input("task", "Task id", "evt_123"))
            \(select("type", "Type", typeOptions))
            \(select("outcome", "Outcome", AuditQuery.outcomes))
            \(input("bee", "Bee", "finance"))
            \(input("funcname", "Function", "validate_revenue"))
            \(input("since", "Since", "24h or 2026-11-22T10:00:00Z"))
            \(input("until", "Until", "RFC 3339 or age"))
            <label>Field K=V<input name="field" value="\(HTML.escape(form.fields.first ?? ""))" placeholder="args.0.customer=acme"></label>
            <div class="actions"><button type="submit">Search</button></div>
            </form>
            """
    }

    /// The whole result, oldest first (as `audit query` prints it), streamed in batches read on
    /// the thread pool: memory holds one batch whatever the size of the log.
    func download(_ query: AuditQuery, csv: Bool) async throws -> Response {
        let (directory, hmacKey) = (directory, hmacKey)
        let cursor = try await offLoop { try AuditQueryCursor(query: query, directory: directory, hmacKey: hmacKey) }
        var headers = Self.headers(contentType: csv ? "text/csv; charset=utf-8" : "application/x-ndjson")
        headers[.contentDisposition] = "attachment; filename=\"audit.\(csv ? "csv" : "jsonl")\""
        let pool = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // The header goes out with the first batch, so an empty result is still one write.
            var text = csv ? AuditCSV.header : ""
            while true {
                let batch = try await pool.offLoop { try cursor.next(1000) }
                for entry in batch { text += csv ? AuditCSV.row(entry.record) : entry.line + "\n" }
                if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                text = ""
                if batch.isEmpty { break }
            }
            try await writer.finish(nil)
        })
    }
}
