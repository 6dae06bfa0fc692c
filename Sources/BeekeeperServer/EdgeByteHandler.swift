import NIOCore

/// The first handler of every connection, in front of the HTTP decoder: it sees every byte the
/// client sends (so header and body deadlines hold even when no HTTP part completes), discards
/// what arrives while lingering, and turns every shut output into a bounded linger, so no socket
/// outlives its answer (issue 13: the framework's 400 used to leave the socket in FIN-WAIT-2).
final class EdgeByteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let connection: EdgeConnection

    init(connection: EdgeConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection.context = context
        if context.channel.isActive { connection.activate() }
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.activate()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.inactive()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytes
        if connection.acceptBytes(bytes) { context.fireChannelRead(data) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { connection.quiesce() }
        context.fireUserInboundEventTriggered(event)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, !connection.outputClosing() {
            promise?.succeed()
            return
        }
        context.close(mode: mode, promise: promise)
    }
}
