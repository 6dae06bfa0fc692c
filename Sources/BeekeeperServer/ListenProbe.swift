#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import BeekeeperConfig

/// The listen address cannot be bound (in use, not this host's, not allowed): a configuration
/// problem, told before anything starts.
public struct ListenUnavailable: Error, CustomStringConvertible {
    public var address: ListenAddress
    public var reason: String
    public var description: String { "cannot listen on \(address): \(reason)" }
}

/// Binds the listen address once and lets it go, before `sidecar.started` is written: a start
/// that can never serve must not leave a started/stopped pair in the audit log, nor start bees.
/// (The HTTP server binds again right after; a port taken in between still fails, later.)
enum ListenProbe {
    static func check(_ address: ListenAddress) throws(ListenUnavailable) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard status == 0, let first = found else {
            throw ListenUnavailable(address: address, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListenUnavailable(address: address, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        // As the HTTP server does, so a port left in TIME_WAIT by the last run is not "in use".
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw ListenUnavailable(address: address, reason: String(cString: strerror(errno)))
        }
    }
}
