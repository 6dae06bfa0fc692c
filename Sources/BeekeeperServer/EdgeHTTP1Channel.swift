import BeekeeperConfig
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with Beekeeper's edge around it: the header limit of
/// `http.max_header_bytes`, the connection cap, and the two edge handlers that give every phase
/// of a connection a deadline (see ``EdgeConnection``). Otherwise the same pipeline as
/// `HTTP1Channel`, so requests reach the router exactly as before.
struct EdgeHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// The request header that carries the client's address to the routes (for the `source` of
    /// audited denials). Whatever a client sends under this name is replaced.
    static let peerHeader = HTTPField.Name("X-Beekeeper-Peer")!

    let responder: HTTPChannelHandler.Responder
    let limits: EdgeLimits

    init(responder: @escaping HTTPChannelHandler.Responder, limits: EdgeLimits) {
        self.responder = { request, writer, channel in
            var head = request.head
            head.headerFields[EdgeHTTP1Channel.peerHeader] = channel.remoteAddress?.ipAddress ?? "unknown"
            try await responder(Request(head: head, body: request.body), writer, channel)
        }
        self.limits = limits
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = self.limits
        return channel.eventLoop.makeCompletedFuture {
            let admitted = limits.admit()
            channel.closeFuture.whenComplete { _ in limits.leave() }
            let connection = EdgeConnection(limits: limits, refused: !admitted)
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            let maxHeaderBytes = limits.configuration.maxHeaderBytes
            decoderLimits.maxHeaderFieldSize = maxHeaderBytes
            decoderLimits.maxHeaderListSize = maxHeaderBytes
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(EdgeByteHandler(connection: connection))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(EdgePartHandler(connection: connection))
            // Hummingbird's own state handler still closes idle connections on SIGTERM and
            // busy ones after their answer; the deadlines are the edge's.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
