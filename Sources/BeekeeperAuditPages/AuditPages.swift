package import BeekeeperAudit
import BeekeeperCore
import Foundation
package import Hummingbird
import HTTPTypes
import NIOCore
import NIOPosix
package import Sodium

/// The audit review pages of SPEC section 12 over one audit directory: the sidecar mounts them on
/// its router, `beekeeper audit serve` on a router of its own. Read-only: GET, and POST for the
/// sign-in form only. All file reading runs on NIO's blocking thread pool, never on an event loop.
package struct AuditPages: Sendable {
    package let directory: String
    /// What the header says is being shown (the data directory, or `--dir`).
    package let source: String
    package let hmacKey: [UInt8]?
    package let index: AuditTaskIndex?
    package let status: AuditChainStatus
    package let summary: AuditSummary
    package let access: AuditPageAccess
    static let pageSize = 50

    package init(directory: String, source: String, hmacKey: [UInt8]?, indexDirectory: String?, publicKey: Ed25519.PublicKey?, access: AuditPageAccess) {
        self.directory = directory
        self.source = source
        self.hmacKey = hmacKey
        self.index = indexDirectory.map(AuditTaskIndex.init(directory:))
        self.status = AuditChainStatus(directory: directory, publicKey: publicKey)
        self.summary = AuditSummary(directory: directory)
        self.access = access
    }

    static let securityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    package func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/audit/") { request, context in await guarded(request, context) { try await overview() } }
        router.get("/audit/style.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(string: HTML.stylesheet)))
        }
        router.get("/audit/search") { request, context in await guarded(request, context) { try await search(request) } }
        router.get("/audit/tasks/:task") { request, context in
            let task = context.parameters.get("task") ?? ""
            return await guarded(request, context) { try await timeline(task: task) }
        }
        router.get("/audit/records/:seq") { request, context in
            let seq = context.parameters.get("seq").flatMap(UInt64.init)
            return await guarded(request, context) { try await record(seq: seq) }
        }
        router.post("/audit/sign-in") { request, context in await signIn(request, context) }
    }

    // MARK: Access

    func guarded<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context, _ page: () async throws -> Response) async -> Response {
        switch access.decide(
            remote: context.remoteAddress, authorization: request.headers[.authorization], cookie: request.headers[.cookie])
        {
        case .allowed:
            do {
                return try await page()
            } catch let failure as PageFailure {
                return Self.html(failure.status, HTML.page(title: failure.title, source: source, body: "<p class=\"error\">\(HTML.escape(failure.message))</p>"))
            } catch {
                return Self.html(.internalServerError, HTML.page(title: "Cannot read the audit log", source: source, body: "<p class=\"error\">\(HTML.escape("\(error)"))</p>"))
            }
        case .notLoopback:
            return Self.html(.forbidden, HTML.page(
                title: "Loopback only", source: "",
                body: "<p>These pages answer clients on this machine only, because no <code>review.token_file</code> is set.</p>"))
        case .signInRequired:
            var response = Self.html(.unauthorized, signInPage(message: nil))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"beekeeper-audit\""
            return response
        }
    }

    func signInPage(message: String?) -> String {
        // Nothing about the log, not even where it is, before sign-in.
        HTML.page(title: "Sign in", source: "", body: """
            <form class="signin" method="post" action="/audit/sign-in">
            \(message.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? "")
            <label for="token">Review token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" autofocus>
            <button type="submit">Sign in</button>
            </form>
            """)
    }

    func signIn<Context: RemoteAddressRequestContext>(_ incoming: Request, _ context: Context) async -> Response {
        var request = incoming
        guard access.requiresToken else { return Self.redirect("/audit/") }
        let body = (try? await request.collectBody(upTo: 4096)).map { String(buffer: $0) } ?? ""
        let token = Self.formValues(body)["token"] ?? ""
        guard let session = access.signIn(offered: token) else {
            var response = Self.html(.unauthorized, signInPage(message: "That token is not the review token."))
            response.headers[.wwwAuthenticate] = "Bearer realm=\"beekeeper-audit\""
            return response
        }
        var response = Self.redirect("/audit/")
        response.headers[.setCookie] = AuditPageAccess.cookie(session: session)
        return response
    }

    // MARK: Helpers

    /// Blocking file reading on NIO's thread pool.
    func offLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    static func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        Response(status: status, headers: headers(contentType: "text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func headers(contentType: String) -> HTTPFields {
        [
            .contentType: contentType, HTTPField.Name("Content-Security-Policy")!: securityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
        ]
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// `application/x-www-form-urlencoded` and query strings: `+` is a space, `%XX` a byte.
    static func formValues(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first else { continue }
            values[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(32)
            } else if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A page that cannot be shown as asked: bad filters (400), no such record (404).
struct PageFailure: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String
}

