#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipe between the sidecar and a bee process: both ends close-on-exec, the sidecar's end
/// non-blocking (the child's end stays blocking, as a program expects of its stdio).
struct BeePipe {
    enum End { case read, write }

    let read: Int32
    let write: Int32

    /// Nil if the pipe could not be made (nothing is left open then).
    init?(sidecarEnd: End) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        // Close-on-exec right after: Swift's Glibc does not offer pipe2, and the window does not
        // matter for the children that count, since Subprocess marks every descriptor above 2
        // close-on-exec in a child before it runs the bee.
        let nonBlocking = sidecarEnd == .read ? ends[0] : ends[1]
        let flags = fcntl(nonBlocking, F_GETFL)
        guard fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0,
            flags >= 0, fcntl(nonBlocking, F_SETFL, flags | O_NONBLOCK) == 0
        else {
            close(ends[0])
            close(ends[1])
            return nil
        }
        (read, write) = (ends[0], ends[1])
    }
}
