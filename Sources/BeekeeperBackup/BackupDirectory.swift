import BeekeeperCore
import Foundation

/// The backup directory: `last/` holds every dump as made, `daily/`, `weekly/` and `monthly/`
/// hard links to the newest dump of each period. Every dump has its `.json` manifest beside it.
///
///     last/colonies-20261122-020000.sql.gz   last/colonies-20261122-020000.json
///     daily/colonies-20261122.sql.gz         (and .json)   YYYYMMDD
///     weekly/colonies-202647.sql.gz          (and .json)   ISO week-year and week, GGGGVV
///     monthly/colonies-202611.sql.gz         (and .json)   YYYYMM
///
/// Stamps are wall-clock times in `backup.timezone`, the zone the schedule is written in.
public struct BackupDirectory: Sendable {
    public enum Folder: String, Sendable, CaseIterable {
        case last, daily, weekly, monthly

        /// Digits of the stamp after `<database>-`: `YYYYMMDD-HHMMSS`, `YYYYMMDD`, `GGGGVV`, `YYYYMM`.
        var stampPattern: [Int] {
            switch self {
            case .last: return [8, 6]
            case .daily: return [8]
            case .weekly, .monthly: return [6]
            }
        }
    }

    public static let dumpSuffix = ".sql.gz"
    public static let manifestSuffix = ".json"
    static let temporarySuffix = ".tmp"

    public let root: String

    public init(_ root: String) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public func path(_ folder: Folder) -> String { root + "/" + folder.rawValue }
    public func path(_ folder: Folder, _ file: String) -> String { path(folder) + "/" + file }

    /// The stamp of `instant` for `folder`, in `zone`.
    static func stamp(_ instant: Date, _ folder: Folder, in zone: TimeZone) -> String {
        let local = LocalDateTime(instant, in: zone)
        let date = pad(local.year, 4) + pad(local.month, 2) + pad(local.day, 2)
        switch folder {
        case .last: return date + "-" + pad(local.hour, 2) + pad(local.minute, 2) + pad(local.second, 2)
        case .daily: return date
        case .weekly:
            let week = local.isoWeek
            return pad(week.year, 4) + pad(week.week, 2)
        case .monthly: return pad(local.year, 4) + pad(local.month, 2)
        }
    }

    /// `<database>-<stamp>.sql.gz`
    static func dumpName(database: String, stamp: String) -> String { database + "-" + stamp + dumpSuffix }

    /// The manifest beside a dump: `x.sql.gz` → `x.json`.
    public static func manifestName(forDump name: String) -> String {
        (name.hasSuffix(dumpSuffix) ? String(name.dropLast(dumpSuffix.count)) : name) + manifestSuffix
    }

    /// Splits `<database>-<stamp>.sql.gz` into its database and stamp if `stamp` has the folder's shape.
    static func parseDumpName(_ name: String, folder: Folder) -> (database: String, stamp: String)? {
        guard name.hasSuffix(dumpSuffix) else { return nil }
        let base = Array(name.dropLast(dumpSuffix.count).utf8)
        let pattern = folder.stampPattern
        let stampLength = pattern.reduce(0, +) + pattern.count - 1
        guard base.count > stampLength + 1, base[base.count - stampLength - 1] == UInt8(ascii: "-") else { return nil }
        let stamp = base[(base.count - stampLength)...]
        var index = stamp.startIndex
        for (position, digits) in pattern.enumerated() {
            if position > 0 {
                guard stamp[index] == UInt8(ascii: "-") else { return nil }
                index += 1
            }
            guard stamp[index..<index + digits].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            index += digits
        }
        let database = String(decoding: base[..<(base.count - stampLength - 1)], as: UTF8.self)
        return (database, String(decoding: stamp, as: UTF8.self))
    }

    /// One dump file in one folder.
    public struct Entry: Sendable, Equatable {
        public var folder: Folder
        public var name: String
        public var database: String
        public var stamp: String
        public var path: String
        public var manifestPath: String
    }

    /// The dumps in `folder` (of `database`, if given), oldest first by stamp.
    public func entries(_ folder: Folder, database: String? = nil) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
        return names.compactMap { name -> Entry? in
            guard let parsed = Self.parseDumpName(name, folder: folder) else { return nil }
            if let database, parsed.database != database { return nil }
            return Entry(
                folder: folder, name: name, database: parsed.database, stamp: parsed.stamp, path: path(folder, name),
                manifestPath: path(folder, Self.manifestName(forDump: name)))
        }.sorted { ($0.stamp, $0.name) < ($1.stamp, $1.name) }
    }

    /// Creates the four folders (mode 0700: dumps hold all of a database's data).
    func create() throws(BackupError) {
        for folder in Folder.allCases {
            do {
                try DurableFile.makeDirectories(path(folder), mode: 0o700)
            } catch {
                throw BackupError(.storage, "cannot create \(path(folder)): \(error.message)")
            }
        }
    }

    /// Removes what an interrupted run left behind: temporary files (`*.tmp`) in every folder,
    /// and manifests in `last/` whose dump never got its final name.
    /// - Returns: the paths removed.
    @discardableResult
    public func removeLeftovers() -> [String] {
        var removed: [String] = []
        for folder in Folder.allCases {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
            for name in names {
                let orphanManifest = folder == .last && name.hasSuffix(Self.manifestSuffix)
                    && !names.contains(String(name.dropLast(Self.manifestSuffix.count)) + Self.dumpSuffix)
                if name.hasSuffix(Self.temporarySuffix) || orphanManifest {
                    if (try? FileManager.default.removeItem(atPath: path(folder, name))) != nil { removed.append(path(folder, name)) }
                }
            }
        }
        return removed
    }
}
