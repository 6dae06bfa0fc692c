package import Hummingbird
package import NIOCore

/// A request context that knows the client's address, which the pages need to answer loopback
/// clients only when no review token is set. The sidecar's router uses it for every route.
package struct AuditReviewContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
