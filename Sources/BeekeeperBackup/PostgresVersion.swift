import Foundation

/// A PostgreSQL release as tools and servers report it, reduced to what compatibility needs:
/// the major version (15 for 15.20; 9.6 for 9.6.24, when majors had two parts).
struct PostgresVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// The release as reported, e.g. `15.20`.
    var text: String
    /// 1500 for 15, 906 for 9.6: one number that orders majors.
    var majorKey: Int

    var major: String { majorKey >= 1000 ? String(majorKey / 100) : "\(majorKey / 100).\(majorKey % 100)" }
    var description: String { text }

    static func < (lhs: PostgresVersion, rhs: PostgresVersion) -> Bool { lhs.majorKey < rhs.majorKey }

    /// From libpq's server version number: 150020 is 15.20, 90624 is 9.6.24.
    init(serverVersionNumber number: Int) {
        if number >= 100_000 {
            text = "\(number / 10000).\(number % 10000)"
            majorKey = number / 10000 * 100
        } else {
            text = "\(number / 10000).\(number / 100 % 100).\(number % 100)"
            majorKey = number / 10000 * 100 + number / 100 % 100
        }
    }

    /// From `pg_dump --version` / `psql --version`: `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)`,
    /// `pg_dump (PostgreSQL) 17beta1`, `pg_dump (PostgreSQL) 9.6.24`. Nil if no version is found.
    init?(toolOutput: String) {
        let marker = "(PostgreSQL) "
        guard let range = toolOutput.range(of: marker) else { return nil }
        let token = toolOutput[range.upperBound...].prefix { !$0.isWhitespace }
        let numbers = token.split(separator: ".").map { part in Int(part.prefix { $0.isASCII && $0.isNumber }) }
        guard let first = numbers.first, let major = first else { return nil }
        text = String(token)
        if major >= 10 {
            majorKey = major * 100
        } else {
            guard numbers.count >= 2, let minor = numbers[1] else { return nil }
            majorKey = major * 100 + minor
        }
    }
}
