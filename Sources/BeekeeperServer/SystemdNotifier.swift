#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging

/// systemd's readiness protocol (`Type=notify`): one datagram per state change to the unix socket
/// named by `NOTIFY_SOCKET`, an abstract socket when the name starts with "@". A few lines, so no
/// library. Without the variable (not under systemd) nothing is sent.
struct SystemdNotifier: Sendable {
    let socketPath: String?
    let logger: Logger

    init(environment: [String: String], logger: Logger) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.logger = logger
    }

    /// Sends `state` (`READY=1`, `STOPPING=1`); a failure is logged, never fatal: systemd then
    /// judges the service by its own timeouts.
    func notify(_ state: String) {
        guard let socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            logger.warning("NOTIFY_SOCKET path is too long", metadata: ["path": "\(socketPath)"])
            return
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // An abstract name is exactly its bytes; a path is NUL-terminated (the zeroed tail).
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + path.count + (path.first == 0 ? 0 : 1)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            logger.warning("cannot notify systemd", metadata: ["state": "\(state)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
        defer { close(descriptor) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length))
            }
        }
        if sent < 0 {
            logger.warning("cannot notify systemd", metadata: ["state": "\(state)", "error": "\(String(cString: strerror(errno)))"])
        } else {
            logger.debug("notified systemd", metadata: ["state": "\(state)"])
        }
    }
}
