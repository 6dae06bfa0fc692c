/// A signed request's body as read, with the hex SHA-256 that the signature check computed over
/// it: `task.received` records the same digest, so the body is hashed once, not twice (for a
/// 64 KiB body the second hash cost about as much as parsing it).
struct SignedBody: Sendable {
    var bytes: [UInt8]
    var sha256Hex: String
}
