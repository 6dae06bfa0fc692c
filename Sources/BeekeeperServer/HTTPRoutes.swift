import BeekeeperAudit
package import BeekeeperAuditPages
import BeekeeperAuth
import BeekeeperBackup
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import BeekeeperMetrics
import BeekeeperPipeline
import BeekeeperShipper
import Foundation
import HTTPTypes
package import Hummingbird
import Sodium

/// The HTTP API of SPEC section 4 on a Hummingbird router.
package struct HTTPRoutes: Sendable {
    let pipeline: TaskPipeline
    let verifier: RequestVerifier
    let bees: [Bee]
    let guardianStats: GuardianStats
    let backups: BackupRunner
    let bearerToken: BearerToken
    let maxBodyBytes: Int
    let windowSeconds: Double
    /// nil without `shipper.target`.
    let shipper: Shipper?
    let auditDirectory: String
    /// The ColonyOS source's state for `/readyz` (nil without a `colonies` section): shown, never
    /// a reason, since signed HTTP tasks keep working while the Colonies server is away.
    var coloniesDetail: (@Sendable () -> JSONValue)? = nil
    /// `auth.rate_limit` (replaced on reload; without a limit it lets everything through).
    var rateLimiter = KeyRateLimiter(limit: nil)
    /// `http.max_body_bytes_in_flight`.
    var bodyBudget = BodyBudget(limit: Int.max)
    /// Aggregates repeated `auth.denied`; nil records each one (in-process tests).
    var denials: DenialLedger? = nil
    /// The audit review pages (SPEC section 12) over this sidecar's audit directory.
    var auditPages: AuditPages? = nil

    static let jsonContentType = "application/json; charset=utf-8"

    package func makeRouter() -> Router<AuditReviewContext> {
        let router = Router(context: AuditReviewContext.self)
        router.add(middleware: HTTPMetricsMiddleware(requests: pipeline.metrics.httpRequests))
        router.get("/healthz") { _, _ in HTTPRoutes.json(200, ["status": "ok"]) }
        router.get("/readyz") { _, _ in await self.readiness() }
        router.get("/metrics") { request, _ in self.metricsPage(request) }
        router.get("/v1/stats") { request, _ in await self.stats(request) }
        router.post("/v1/tasks") { request, _ in
            await self.signed(request) { body, actor in await self.submitTask(body: body, actor: actor) }
        }
        router.post("/v1/events") { request, _ in
            await self.signed(request) { body, actor in await self.reportEvents(body: body.bytes, actor: actor) }
        }
        router.post("/v1/guardian/check") { request, _ in
            await self.signed(request) { body, actor in await self.checkTask(body: body, actor: actor) }
        }
        router.post("/v1/backups") { request, _ in
            await self.signed(request) { body, actor in await self.runBackups(body: body.bytes, actor: actor) }
        }
        auditPages?.register(on: router)
        return router
    }

    // MARK: Signed requests

    /// Everything that can be judged from the headers is judged before any body byte is read:
    /// size, media type, the key, timestamp and nonce (``RequestVerifier/precheck(header:)``), the
    /// key's rate limit. Only then is the body read, up to the limit and within the body budget,
    /// and its signature checked. Any answer given before the body is read closes the connection (the
    /// edge does that), so an unread body is never drained.
    func signed(_ request: Request, _ handle: (SignedBody, String) async -> HTTPAnswer) async -> Response {
        let declared = request.headers.combinedValue(.contentLength).flatMap(Int.init)
        if let declared, declared > maxBodyBytes {
            return HTTPRoutes.error(.payloadTooLarge(limit: maxBodyBytes), close: true)
        }
        guard HTTPRoutes.isJSON(contentType: request.headers.combinedValue(.contentType)) else {
            return HTTPRoutes.error(.unsupportedMediaType("Content-Type must be application/json"), close: true)
        }
        let signedHeaders = SignedHeaderValues(request.headers)
        let header: (String) -> String? = { name in signedHeaders.value(of: name) }
        let keyName: String
        do {
            keyName = try verifier.precheck(header: header)
        } catch {
            return await deny(request, error)
        }
        if let wait = rateLimiter.take(keyName) {
            if let refusal = await auditDenial(request, reason: "rate_limited", message: "over auth.rate_limit") { return refusal }
            return HTTPRoutes.error(.rateLimited(key: keyName, retryAfter: wait), close: true)
        }
        let body: SignedBody
        switch await SignedBody.read(request.body, limit: maxBodyBytes, budget: bodyBudget) {
        case .success(let read): body = read
        case .failure(let refusal): return HTTPRoutes.error(refusal, close: true)
        }
        let verification = Result { () throws(AuthFailure) -> String in
            try verifier.verify(method: request.method.rawValue, path: request.uri.description, bodySHA256Hex: body.sha256Hex, header: header)
        }
        let actor: String
        switch verification {
        case .success(let name): actor = name
        case .failure(let error): return await deny(request, error)
        }
        let answer = await handle(body, actor)
        return HTTPRoutes.json(answer.status, answer.body, headers: answer.headers)
    }

    /// The media type (before any `;` parameter, trimmed, case-insensitive) is `application/json`.
    /// The exact spelling every client sends is compared first, without splitting or case folding.
    static func isJSON(contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType == "application/json" { return true }
        return contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// 401 for a failed signature check, audited (in aggregate when it repeats).
    func deny(_ request: Request, _ error: AuthFailure) async -> Response {
        if let refusal = await auditDenial(request, reason: error.code, message: error.description) { return refusal }
        return HTTPRoutes.error(.unauthorized(code: error.code, error.description), close: true)
    }

    /// Records a denial now when it is the first of its reason and source in the interval; the
    /// rest go into the interval's aggregate. A 503 when the audit log cannot take it.
    func auditDenial(_ request: Request, reason: String, message: String) async -> Response? {
        let claimed = request.headers[SignedHeaderValues.keyName] ?? ""
        let source = HTTPRoutes.source(of: request)
        if let denials, !denials.note(reason: reason, source: source, key: claimed, path: request.uri.path) { return nil }
        let record = AuditRecord(type: "auth.denied", fields: [
            .init("reason", .string(reason)), .init("message", .string(message)),
            .init("key", .string(String(claimed.prefix(128)))), .init("method", .string(request.method.rawValue)),
            .init("path", .string(String(request.uri.path.prefix(256)))), .init("source", .string(source)),
        ])
        do {
            try await pipeline.record([record])
            return nil
        } catch {
            return HTTPRoutes.error(TaskRejection.auditUnavailable.apiError)
        }
    }

    /// The client's address as the edge saw it (``EdgeHTTP1Channel/peerHeader``).
    static func source(of request: Request) -> String {
        String((request.headers[EdgeHTTP1Channel.peerHeader] ?? "unknown").prefix(64))
    }

    // MARK: Reads

    func authorizedReader(_ request: Request) -> Response? {
        guard let bearerToken = bearerToken.value else { return nil }
        let presented = request.headers[.authorization].flatMap { value -> [UInt8]? in
            guard value.lowercased().hasPrefix("bearer ") else { return nil }
            return Array(value.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        }
        if let presented, Sodium.constantTimeEquals(presented, bearerToken) { return nil }
        var response = HTTPRoutes.error(.unauthorized(code: "bearer_token_required", "a valid bearer token is required"))
        response.headers[.wwwAuthenticate] = "Bearer realm=\"beekeeper\""
        return response
    }

    func metricsPage(_ request: Request) -> Response {
        if let refusal = authorizedReader(request) { return refusal }
        let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
        // Bytes, not a String: one copy into the response buffer, no UTF-8 validation of the
        // whole exposition on the way (BENCHMARKS.md 20).
        var exposition: [UInt8] = []
        pipeline.metrics.registry.render(format, into: &exposition)
        return Response(
            status: .ok, headers: [.contentType: format.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: exposition)))
    }

    func readiness() async -> Response {
        var reasons: [JSONValue] = []
        if case .failing(let reason) = await pipeline.audit.health {
            reasons.append(["component": "audit", "reason": .string(reason)])
        }
        for bee in bees {
            let status = bee.status
            if !status.up { reasons.append(["component": .string("bee:\(status.name)"), "reason": "no live worker"]) }
        }
        // A shipping backlog is reported, never a reason: bees keep working while the collector is
        // down, and the backlog waits on disk (nothing unshipped is deleted).
        let shipping = shipperDetail()
        var detail: [JSONValue.Member] = [.init("shipper", shipping)]
        if let colonies = coloniesDetail { detail.append(.init("colonies", colonies())) }
        if reasons.isEmpty { return HTTPRoutes.json(200, .object([.init("status", "ready")] + detail)) }
        return HTTPRoutes.json(503, .object([.init("status", "not_ready"), .init("reasons", .array(reasons))] + detail))
    }

    /// The shipper's state for `/readyz`: the backlog on disk and how the last attempts went.
    func shipperDetail() -> JSONValue {
        let backlog = AuditSegments.backlog(directory: auditDirectory)
        var detail: [JSONValue.Member] = [
            .init("target", shipper.map { .string($0.status.target) } ?? .null),
            .init("backlog_segments", .number(backlog.segments)),
            .init("backlog_bytes", .number(String(backlog.bytes))),
            .init("oldest_unshipped", backlog.oldest.map { .string($0.fileName) } ?? .null),
        ]
        guard let status = shipper?.status else { return .object(detail) }
        func time(_ date: Date?) -> JSONValue { date.map { .string($0.formatted(.iso8601)) } ?? .null }
        detail += [
            .init("kind", .string(status.targetKind)),
            .init("shipped", .number(status.shipped)),
            .init("failed", .number(status.failed)),
            .init("consecutive_failures", .number(status.consecutiveFailures)),
            .init("last_error", status.lastError.map { .string($0) } ?? .null),
            .init("last_error_at", time(status.lastErrorAt)),
            .init("last_success_at", time(status.lastSuccessAt)),
            .init("last_shipped", status.lastShipped.map { .string($0) } ?? .null),
            .init("retry_at", time(status.retryAt)),
        ]
        return .object(detail)
    }

    func stats(_ request: Request) async -> Response {
        if let refusal = authorizedReader(request) { return refusal }
        let guardian = guardianStats.snapshot()
        let blocked = guardian.blocked.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .number(String($0.value))) }
        let windows: [JSONValue] = pipeline.metrics.windows.snapshot().map { window in
            let quantiles = window.quantiles.map { JSONValue.Member(String($0.0), $0.1.isNaN ? .null : .number($0.1)) }
            return [
                "bee": .string(window.bee), "funcname": .string(window.funcname), "count": .number(window.count),
                "throughput_per_second": .number(window.throughputPerSecond),
                "error_ratio": window.errorRatio.isNaN ? .null : .number(window.errorRatio),
                "latency_seconds": .object(quantiles),
            ]
        }
        let beeStatuses: [JSONValue] = bees.map { bee in
            let status = bee.status
            return [
                "name": .string(status.name), "up": .bool(status.up), "live_workers": .number(status.liveWorkers),
                "restarts": .number(String(status.restarts)), "in_flight": .number(status.inFlight), "queued": .number(status.queued),
            ]
        }
        let body: JSONValue = [
            "guardian": ["approved": .number(String(guardian.approved)), "blocked": .object(blocked)],
            "window_seconds": .number(windowSeconds),
            "windows": .array(windows),
            "bees": .array(beeStatuses),
            "audit": ["last_seq": .number(String(await pipeline.audit.lastSeq))],
        ]
        return HTTPRoutes.json(200, body)
    }

    // MARK: Responses

    static func json(_ status: Int, _ body: JSONValue, headers: [(String, String)] = []) -> Response {
        var fields: HTTPFields = [.contentType: jsonContentType]
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        // Serialized straight to bytes (the same bytes as `serialized()`), no String in between.
        var bytes = body.bytes
        bytes.append(UInt8(ascii: "\n"))
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ error: APIError, close: Bool = false) -> Response {
        var headers = error.headers
        // An oversized body is not read: closing the connection spares reading the rest.
        if close { headers.append(("Connection", "close")) }
        return json(error.status, error.body, headers: headers)
    }
}

/// Counts answers by route (the matched path pattern, so callers cannot mint series) and status.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: CounterFamily

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            requests.labels(handler(context), String(response.status.code)).increment()
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            requests.labels(handler(context), String(status)).increment()
            throw error
        }
    }

    /// The route pattern; every path no route matches shares one label.
    func handler(_ context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }
}
