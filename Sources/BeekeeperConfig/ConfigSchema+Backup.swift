import Foundation
import Yams

// The `backup` section: schedule, databases and retention.
extension ConfigSchema {
    static var backup: [ConfigField<BackupConfig>] {
        [
            .value("schedule", \.schedule, environment: .optionalText) { (d, n, p) throws(ConfigError) in try schedule(d, n, p) },
            .value("timezone", \.timezone, environment: .text) { (d, n, p) throws(ConfigError) in try timezone(d, n, p) },
            .value("dir", \.dir, environment: .optionalText) { (d, n, p) throws(ConfigError) in try d.optionalText(n, p) },
            .value("databases", \.databases) { (d, n, p) throws(ConfigError) in try databases(d, n, p) },
            .section("keep", \.keep, keep),
            .value("verify", \.verify) { (d, n, p) throws(ConfigError) in try d.choice(n, p) },
            .value("run_on_start", \.runOnStart) { (d, n, p) throws(ConfigError) in try d.boolean(n, p) },
        ]
    }

    static var keep: [ConfigField<BackupConfig.Keep>] {
        [
            .value("last", \.last) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
            .value("days", \.days) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
            .value("weeks", \.weeks) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
            .value("months", \.months) { (d, n, p) throws(ConfigError) in try d.integer(n, p, in: 0...Int.max) },
        ]
    }

    static var database: [ConfigField<BackupConfig.Database>] {
        [
            .value("name", \.name) { (d, n, p) throws(ConfigError) in try name(d, n, p) },
            .value("url", \.url) { (d, n, p) throws(ConfigError) in try databaseURL(d, n, p) },
        ]
    }

    static func schedule(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String? {
        guard let schedule = try decoder.optionalText(node, path) else { return nil }
        if let problem = CronSyntax.problem(in: schedule) {
            throw decoder.error(path, at: node, "invalid schedule \(ConfigDecoder.quote(schedule)): \(problem)")
        }
        return schedule
    }

    static func timezone(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let identifier = try decoder.text(node, path)
        guard TimeZone(identifier: identifier) != nil else {
            throw decoder.error(path, at: node, "unknown time zone \(ConfigDecoder.quote(identifier)) (use an IANA name such as UTC or Europe/Stockholm)")
        }
        return identifier
    }

    static func databases(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> [BackupConfig.Database] {
        var databases: [BackupConfig.Database] = []
        for (index, item) in try decoder.items(node, path, what: "a list of {name, url}").enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard case .mapping(let mapping) = item else {
                throw decoder.error(itemPath, at: item, "expected a mapping {name, url}, found \(ConfigDecoder.describe(item))")
            }
            var database = BackupConfig.Database(name: "", url: "")
            let errorsBefore = decoder.errors.count
            let seen = try decoder.decode(item, itemPath, fields: Self.database, into: &database)
            // Its errors are recorded; checks against the other entries would only misjudge it.
            guard decoder.errors.count == errorsBefore else { continue }
            for required in ["name", "url"] where !seen.contains(required) {
                throw decoder.error("\(itemPath).\(required)", at: item, "required key is missing")
            }
            if databases.contains(where: { $0.name == database.name }) {
                // Backups are filed by database name, so two databases cannot share one.
                throw decoder.error("\(itemPath).name", at: value(of: "name", in: mapping), "database name \(ConfigDecoder.quote(database.name)) is used twice")
            }
            databases.append(database)
        }
        return databases
    }

    static func databaseURL(_ decoder: ConfigDecoder, _ node: Node, _ path: String) throws(ConfigError) -> String {
        let url = try decoder.text(node, path)
        let lowered = url.lowercased()
        guard lowered.hasPrefix("postgresql://") || lowered.hasPrefix("postgres://") else {
            throw decoder.error(path, at: node, "expected a postgresql:// URL, found \(ConfigDecoder.quote(URLRedaction.redact(url, hideLoneUser: false)))")
        }
        return url
    }
}
