public import BeekeeperCore
public import Curl
public import Logging

/// A client of one Colonies server, acting for one identity in one colony: the RPCs an executor
/// makes (COLONYOS.md section 5). Every method is one POST to `<server>/api`; nothing is retried
/// here, callers decide (see `ReportVerdict`).
public struct ColoniesClient: Sendable {
    /// Called after every RPC with its msgtype, how long it took and whether the method returned
    /// normally (an assign that found nothing and a keepalive's expected 404 count as ok).
    public typealias Observer = @Sendable (_ msgtype: String, _ duration: Duration, _ ok: Bool) -> Void
    /// Sends one HTTP request; tests and fault injection replace `Curl.execute`.
    public typealias Transport = @Sendable (HTTPClientRequest) async throws(CurlError) -> HTTPClientResponse

    /// The base URL without trailing slashes, e.g. `http://127.0.0.1:50080`.
    public let server: String
    public let colony: String
    public let identity: ColoniesIdentity
    /// HTTP time limit of every call but assign, whose limit is its long poll plus this.
    public let callTimeout: Duration
    private let endpoint: String
    private let logger: Logger
    private let observer: Observer?
    private let transport: Transport

    public init(
        server: String,
        colony: String,
        identity: ColoniesIdentity,
        callTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "beekeeper.colonies"),
        observer: Observer? = nil,
        transport: Transport? = nil
    ) throws(ColoniesError) {
        let lowered = server.lowercased()
        var base = Substring(server)
        while base.hasSuffix("/") { base.removeLast() }
        let afterScheme = lowered.hasPrefix("http://") ? 7 : lowered.hasPrefix("https://") ? 8 : nil
        guard let afterScheme, base.count > afterScheme, !base.contains(where: \.isWhitespace) else {
            throw .invalidServerURL(server)
        }
        self.server = String(base)
        self.endpoint = self.server + "/api"
        self.colony = colony
        self.identity = identity
        self.callTimeout = callTimeout
        self.logger = logger
        self.observer = observer
        // Not `transport ?? { ... }`: Swift 6.3.1 crashes lowering a typed-throws closure there.
        if let transport {
            self.transport = transport
        } else {
            self.transport = Self.curl
        }
    }

    @Sendable private static func curl(_ request: HTTPClientRequest) async throws(CurlError) -> HTTPClientResponse {
        try await Curl.execute(request)
    }

    /// Sends `message` and hands the decoded reply (or the failure) to `interpret`, whose result
    /// is returned; reports the call to the observer and the log either way.
    func rpc<T>(
        _ message: JSONValue,
        signedBy signer: ColoniesIdentity?,
        timeout: Duration? = nil,
        interpret: (Result<JSONValue, ColoniesError>) throws(ColoniesError) -> T
    ) async throws(ColoniesError) -> T {
        let msgtype = message["msgtype"]?.stringValue ?? ""
        let clock = ContinuousClock()
        let start = clock.now
        let reply: Result<JSONValue, ColoniesError>
        do {
            reply = .success(try await self.send(message, signedBy: signer, timeout: timeout ?? self.callTimeout))
        } catch {
            reply = .failure(error)
        }
        let outcome = Result { () throws(ColoniesError) -> T in try interpret(reply) }
        let duration = start.duration(to: clock.now)
        switch outcome {
        case .success(let value):
            self.observer?(msgtype, duration, true)
            self.logger.trace("colonies rpc", metadata: ["msgtype": "\(msgtype)", "duration": "\(duration)"])
            return value
        case .failure(let error):
            self.observer?(msgtype, duration, false)
            self.logger.debug("colonies rpc failed", metadata: ["msgtype": "\(msgtype)", "duration": "\(duration)", "error": "\(error)"])
            throw error
        }
    }

    private func send(_ message: JSONValue, signedBy signer: ColoniesIdentity?, timeout: Duration) async throws(ColoniesError) -> JSONValue {
        let request = HTTPClientRequest(
            method: "POST",
            url: self.endpoint,
            headers: [("Content-Type", "application/json")],
            body: ColoniesEnvelope.request(message, signedBy: signer),
            timeout: timeout,
            connectTimeout: min(self.callTimeout, .seconds(10))
        )
        let response: HTTPClientResponse
        do {
            response = try await self.transport(request)
        } catch {
            throw error.isCancelled ? .cancelled : .transport(error.description)
        }
        return try ColoniesEnvelope.reply(status: response.status, body: response.body)
    }
}
