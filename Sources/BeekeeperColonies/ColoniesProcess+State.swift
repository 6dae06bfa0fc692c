extension ColoniesProcess {
    /// A process's `state` code. Its description is the word the server uses in messages
    /// ("Tried to set failed process as successful").
    public enum State: Sendable, Hashable, CustomStringConvertible {
        case waiting
        case running
        case successful
        case failed
        case cancelled
        /// A code this client does not know (a newer server).
        case unknown(Int)

        public init(code: Int) {
            switch code {
            case 0: self = .waiting
            case 1: self = .running
            case 2: self = .successful
            case 3: self = .failed
            case 4: self = .cancelled
            default: self = .unknown(code)
            }
        }

        public var code: Int {
            switch self {
            case .waiting: 0
            case .running: 1
            case .successful: 2
            case .failed: 3
            case .cancelled: 4
            case .unknown(let code): code
            }
        }

        public var description: String {
            switch self {
            case .waiting: "waiting"
            case .running: "running"
            case .successful: "successful"
            case .failed: "failed"
            case .cancelled: "cancelled"
            case .unknown(let code): "unknown(\(code))"
            }
        }
    }
}
