import BeekeeperConfig
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension AuditQuery {
    /// `--since`/`--until` and the search page's fields: RFC 3339 (`2026-11-22T10:00:00Z`) or an
    /// age before `now` (`15m`, `7d`). nil when it is neither.
    public static func time(_ text: String, now: Date = Date()) -> Date? {
        if let age = DurationParser.parse(text) {
            return now.addingTimeInterval(-(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18))
        }
        guard let micros = AuditTimestamp.parse(text) else { return nil }
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}
