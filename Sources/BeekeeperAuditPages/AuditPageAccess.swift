import Foundation
package import NIOCore
import Sodium
import Synchronization

/// Who may read the pages (SPEC section 12). With a token: a request that carries it as
/// `Authorization: Bearer`, or a session cookie the sign-in form handed out. Without one: only
/// clients on loopback addresses, whatever they send.
package final class AuditPageAccess: Sendable {
    package enum Decision: Equatable, Sendable {
        case allowed
        /// A token is set and the request has neither it nor a session: sign in.
        case signInRequired
        /// No token is set and the client is not on loopback.
        case notLoopback
    }

    static let cookieName = "beekeeper_review"
    /// A session lasts a working day; signing in again is one form.
    static let sessionLifetime: Double = 12 * 3600

    private let token: [UInt8]?
    /// Session id (hex) -> expiry (seconds since the epoch). Sessions live in memory only: a
    /// restart signs everyone out, and the cookie holds nothing derived from the token.
    private let sessions = Mutex<[String: Double]>([:])

    package init(token: [UInt8]?) {
        self.token = token
    }

    package var requiresToken: Bool { token != nil }

    package func decide(remote: SocketAddress?, authorization: String?, cookie: String?, now: Double = Date().timeIntervalSince1970) -> Decision {
        guard let token else { return Self.isLoopback(remote) ? .allowed : .notLoopback }
        if let authorization, authorization.hasPrefix("Bearer "), Self.equal(Array(authorization.dropFirst(7).utf8), token) {
            return .allowed
        }
        if let session = cookie.flatMap(Self.session(fromCookieHeader:)) {
            let valid = sessions.withLock { sessions -> Bool in
                sessions = sessions.filter { $0.value > now }
                return sessions[session] != nil
            }
            if valid { return .allowed }
        }
        return .signInRequired
    }

    /// A new session when `offered` is the token; nil otherwise.
    package func signIn(offered: String, now: Double = Date().timeIntervalSince1970) -> String? {
        guard let token, Self.equal(Array(offered.utf8), token) else { return nil }
        let id = Hex.encode(Sodium.randomBytes(32))
        sessions.withLock { $0[id] = now + Self.sessionLifetime }
        return id
    }

    /// `Set-Cookie` for a session: only the pages see it, scripts never (there are none), and no
    /// other site's page can make the browser send it.
    static func cookie(session: String) -> String {
        "\(cookieName)=\(session); Path=/audit/; HttpOnly; SameSite=Strict; Max-Age=\(Int(sessionLifetime))"
    }

    static func session(fromCookieHeader header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    /// 127.0.0.0/8, ::1 and IPv4-mapped loopback. A connection without an address (a Unix
    /// socket has no peer address to check) is not loopback.
    package static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        if ip == "::1" { return true }
        let v4 = ip.hasPrefix("::ffff:") ? String(ip.dropFirst(7)) : ip
        return v4.hasPrefix("127.")
    }

    /// Constant time in the length of the token.
    static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
