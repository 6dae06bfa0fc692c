extension GuardianStats {
    public struct Snapshot: Sendable, Equatable, Codable {
        public var approved: UInt64
        /// Block reason → count.
        public var blocked: [String: UInt64]
        /// The last audit `seq` these counts include (0: none).
        public var lastSeq: UInt64

        public init(approved: UInt64 = 0, blocked: [String: UInt64] = [:], lastSeq: UInt64 = 0) {
            self.approved = approved
            self.blocked = blocked
            self.lastSeq = lastSeq
        }

        /// All blocks, whatever the reason.
        public var blockedTotal: UInt64 { blocked.values.reduce(0, &+) }

        enum CodingKeys: String, CodingKey {
            case approved
            case blocked
            case lastSeq = "last_seq"
        }
    }
}
