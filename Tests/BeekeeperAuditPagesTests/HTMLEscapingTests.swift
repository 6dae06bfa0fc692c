import NIOCore
import Testing

@testable import BeekeeperAuditPages

@Suite("audit pages: escaping and access")
struct HTMLEscapingTests {
    @Test("text and attribute values never carry markup")
    func escaping() {
        let hostile = #"<script>alert(1)</script>"><img src=x onerror=alert(2)>'&"#
        let escaped = HTML.escape(hostile)
        #expect(escaped == "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;")
        for character in ["<", ">", "\"", "'"] { #expect(!escaped.contains(character)) }
        #expect(HTML.escape("plain täxt") == "plain täxt")
    }

    @Test("links carry ids percent-encoded")
    func percent() {
        #expect(HTML.percent("evt 1/<x>") == "evt%201%2F%3Cx%3E")
        #expect(HTML.query([("task", "a&b"), ("type", nil), ("format", "csv")]) == "?task=a%26b&format=csv")
        #expect(AuditPages.formValues("token=a%2Bb+c&x=") == ["token": "a+b c", "x": ""])
    }

    @Test("a plot escapes its labels")
    func plotLabels() {
        let svg = SVGPlot.timeline([.init(label: "<script>", start: 0, duration: 5, colour: "#000")], title: "t\"")
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;"))
    }

    @Test("without a token only loopback; with one, the bearer token or a session")
    func access() throws {
        let open = AuditPageAccess(token: nil)
        let loopback = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let mapped = try SocketAddress(ipAddress: "::1", port: 5000)
        let remote = try SocketAddress(ipAddress: "10.1.2.3", port: 5000)
        #expect(open.decide(remote: loopback, authorization: nil, cookie: nil) == .allowed)
        #expect(open.decide(remote: mapped, authorization: nil, cookie: nil) == .allowed)
        #expect(open.decide(remote: remote, authorization: nil, cookie: nil) == .notLoopback)
        #expect(open.decide(remote: nil, authorization: nil, cookie: nil) == .notLoopback)

        let guarded = AuditPageAccess(token: Array("s3cret".utf8))
        #expect(guarded.decide(remote: loopback, authorization: nil, cookie: nil) == .signInRequired)
        #expect(guarded.decide(remote: remote, authorization: "Bearer s3cret", cookie: nil) == .allowed)
        #expect(guarded.decide(remote: remote, authorization: "Bearer s3cre", cookie: nil) == .signInRequired)
        #expect(guarded.signIn(offered: "wrong") == nil)
        let session = try #require(guarded.signIn(offered: "s3cret"))
        #expect(guarded.decide(remote: remote, authorization: nil, cookie: "a=b; beekeeper_review=\(session)") == .allowed)
        #expect(guarded.decide(remote: remote, authorization: nil, cookie: "beekeeper_review=forged") == .signInRequired)
        // Sessions expire.
        #expect(guarded.decide(remote: remote, authorization: nil, cookie: "beekeeper_review=\(session)", now: 4_000_000_000) == .signInRequired)
        #expect(AuditPageAccess.cookie(session: "x").contains("HttpOnly; SameSite=Strict"))
    }
}
