import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Behind the HTTP decoder: tells the connection where each request and answer stands, and gives
/// the error answers the framework makes itself (a 400 for a request it cannot parse, a 404 or
/// 405 from the router) the SPEC error body, which they would otherwise lack.
final class EdgePartHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let connection: EdgeConnection
    /// The SPEC body replacing the framework's empty one, written before the answer's end.
    private var replacementBody: ByteBuffer?

    init(connection: EdgeConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connection.requestHead()
        case .body: break
        case .end: connection.requestEnd()
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The decoder reports every later read as an error too; the first one says why.
        if connection.parseError == nil { connection.parseError = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response):
            connection.responseHead(closing: response.headerFields[.connection]?.lowercased() == "close")
            // Beekeeper's own answers always name their type; one without is the framework's.
            guard response.status.code >= 400, response.headerFields[.contentType] == nil else {
                context.write(data, promise: promise)
                return
            }
            let answer = EdgeErrorAnswer(status: response.status.code, parseError: connection.parseError)
            let body = context.channel.allocator.buffer(string: answer.body)
            response.status = HTTPResponse.Status(code: answer.status)
            response.headerFields[.contentType] = "application/json; charset=utf-8"
            response.headerFields[.contentLength] = String(body.readableBytes)
            response.headerFields[.transferEncoding] = nil
            replacementBody = body
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .body:
            if replacementBody != nil {
                promise?.succeed()
            } else {
                context.write(data, promise: promise)
            }
        case .end(let trailers):
            if let body = replacementBody {
                replacementBody = nil
                context.write(wrapOutboundOut(.body(body)), promise: nil)
            }
            let written = promise ?? context.eventLoop.makePromise()
            context.write(wrapOutboundOut(.end(trailers)), promise: written)
            let connection = self.connection
            written.futureResult.assumeIsolated().whenComplete { _ in connection.responseEnded() }
        }
    }
}
