/// Hand-written templates: every value goes through `escape` on its way into the page, and the
/// markup around it is fixed text in Swift. Chosen over swift-mustache or Plot because the pages
/// are few, the escaping rule is one function that the tests check directly, and it adds no
/// dependency to the build.
enum HTML {
    /// Text and attribute values (always written in double quotes): `& < > " '` as entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A path segment or query value, percent-encoded (then escaped where it goes in an attribute).
    static func percent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }

    /// `?k=v&...` from the pairs with a value, percent-encoded.
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { key, value in value.map { percent(key) + "=" + percent($0) } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// The page frame: navigation, title and the stylesheet (served from /audit/style.css, since
    /// the Content-Security-Policy allows no inline style).
    static func page(title: String, source: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Beekeeper audit</title>
        <link rel="stylesheet" href="/audit/style.css">
        </head><body>
        <header><nav><a class="brand" href="/audit/">Beekeeper audit</a><a href="/audit/">Overview</a><a href="/audit/search">Search</a></nav>
        <p class="source">\(escape(source))</p></header>
        <main>
        <h1>\(escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }

    /// A table: header cells and rows of already-escaped cell HTML.
    static func table(_ headers: [String], _ rows: [[String]], id: String? = nil) -> String {
        var out = "<table\(id.map { " id=\"\(escape($0))\"" } ?? "")><thead><tr>"
        for header in headers { out += "<th>\(escape(header))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return out + "</tbody></table>"
    }

    static let stylesheet = """
        :root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee3; --paper: #fbfbf9; --accent: #2f6f5e; --bad: #b3261e; --warn: #8a5a00; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--paper); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        header { background: #fff; border-bottom: 1px solid var(--line); padding: 0.6rem 1.5rem; display: flex; align-items: baseline; gap: 1.5rem; flex-wrap: wrap; }
        nav a { margin-right: 1.2rem; color: var(--accent); text-decoration: none; }
        nav a.brand { font-weight: 600; color: var(--ink); }
        .source { margin: 0; color: var(--muted); font-size: 13px; }
        main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        h1 { font-size: 1.5rem; font-weight: 600; margin: 0.6rem 0 1rem; }
        h2 { font-size: 1.1rem; font-weight: 600; margin: 2rem 0 0.6rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; font-size: 13px; color: var(--muted); background: #f3f4f1; }
        td { font-size: 14px; overflow-wrap: break-word; }
        td .mono, td.nowrap, .nowrap { white-space: nowrap; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; }
        pre { background: #fff; border: 1px solid var(--line); padding: 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
        a { color: var(--accent); }
        .status { padding: 0.8rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: #fff; }
        .status.ok { border-left: 6px solid var(--accent); }
        .status.bad { border-left: 6px solid var(--bad); }
        .status strong { font-size: 1.05rem; }
        .fault { color: var(--bad); font-weight: 600; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1.5rem; }
        .muted { color: var(--muted); }
        .type-blocked, .type-failed, .type-timed_out { color: var(--bad); }
        form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 0.6rem 1rem; background: #fff; border: 1px solid var(--line); padding: 0.9rem; border-radius: 6px; }
        form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
        input, select { font: inherit; padding: 0.3rem 0.4rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--ink); }
        button { font: inherit; padding: 0.35rem 1rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
        .actions { display: flex; gap: 1rem; align-items: center; margin: 0.8rem 0; flex-wrap: wrap; }
        .error { color: var(--bad); font-weight: 600; }
        svg { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
        .signin { max-width: 420px; background: #fff; border: 1px solid var(--line); padding: 1.2rem; border-radius: 6px; }
        .signin input { width: 100%; margin: 0.4rem 0 0.8rem; }
        """
}
