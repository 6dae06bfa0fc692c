import Foundation
import Synchronization

/// The token `GET /metrics` and `/v1/stats` ask for (`metrics.bearer_token_file`), replaceable by
/// a configuration reload; each request reads it once.
final class BearerToken: Sendable {
    private let current: Mutex<[UInt8]?>

    init(_ token: [UInt8]?) {
        current = Mutex(token)
    }

    /// nil: reads are open.
    var value: [UInt8]? { current.withLock { $0 } }

    func replace(_ token: [UInt8]?) {
        current.withLock { $0 = token }
    }

    /// The token in `file` (surrounding whitespace dropped), nil without a file. An unreadable or
    /// empty file is an error: an operator who set a token never wants reads left open.
    static func load(file: String?) throws(SidecarStartupError) -> [UInt8]? {
        guard let file else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SidecarStartupError(description: "metrics.bearer_token_file: cannot read \(file)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw SidecarStartupError(description: "metrics.bearer_token_file: \(file) is empty") }
        return Array(token.utf8)
    }
}
