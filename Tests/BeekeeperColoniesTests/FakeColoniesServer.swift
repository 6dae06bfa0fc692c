import BeekeeperColonies
import BeekeeperCore
import Curl
import Synchronization

/// Stands in for the HTTP transport: records every request and answers from a script.
final class FakeColoniesServer: Sendable {
    enum Answer: Sendable {
        case reply(status: Int, body: [UInt8])
        case fail(CurlError)
    }

    private let requests = Mutex<[HTTPClientRequest]>([])
    private let answer: @Sendable (SentRequest) -> Answer

    init(answer: @escaping @Sendable (SentRequest) -> Answer) {
        self.answer = answer
    }

    var sent: [HTTPClientRequest] { requests.withLock { $0 } }

    func lastMessage() throws -> SentRequest { try SentRequest(body: sent.last?.body ?? []) }

    func handle(_ request: HTTPClientRequest) throws(CurlError) -> HTTPClientResponse {
        requests.withLock { $0.append(request) }
        let sent: SentRequest
        do { sent = try SentRequest(body: request.body ?? []) } catch { return HTTPClientResponse(status: 400, headers: [], body: Array("bad request".utf8)) }
        switch answer(sent) {
        case .reply(let status, let body): return HTTPClientResponse(status: status, headers: [], body: body)
        case .fail(let error): throw error
        }
    }

    /// A client in colony "dev" whose every request goes to this fake.
    func client(identity: ColoniesIdentity = .generate(), observer: ColoniesClient.Observer? = nil) throws -> ColoniesClient {
        try ColoniesClient(server: "http://colonies.test:50080/", colony: "dev", identity: identity, callTimeout: .seconds(7), observer: observer) {
            request throws(CurlError) in try self.handle(request)
        }
    }

    static func ok(_ payload: JSONValue, type: String = "x") -> Answer {
        .reply(status: 200, body: envelopeBody(payloadtype: type, payload: payload, error: false))
    }

    static func error(_ status: Int, _ message: String) -> Answer {
        .reply(status: status, body: errorBody(status: status, message: message))
    }
}
