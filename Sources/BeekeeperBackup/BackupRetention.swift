public import BeekeeperConfig
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The type's own `link` shadows the C function inside it.
private func systemLink(_ source: String, _ destination: String) -> Int32 { link(source, destination) }

/// After a verified dump: hard links for its day, ISO week and month, then each folder pruned to
/// its `keep` newest, per database.
///
/// - A period's link names the newest dump of that period: a later backup on the same day
///   replaces the day's link (as postgres-backup-local does), so `daily/` holds each day's
///   last backup.
/// - "Newest" is by the stamp in the name (wall-clock time in `backup.timezone`).
/// - The dump just made is never deleted, whatever the counts; `keep.last` below 1 counts as 1.
///   `keep.days`, `weeks` or `months` of 0 keep no links in that folder.
/// - Hard links share the dump's data: deleting `last/x` leaves `daily/y` whole. The backup
///   directory must be on one filesystem that supports hard links.
public struct BackupRetention: Sendable {
    public var keep: BackupConfig.Keep
    public var timeZone: TimeZone

    public init(keep: BackupConfig.Keep, timeZone: TimeZone) {
        self.keep = keep
        self.timeZone = timeZone
    }

    /// Links the dump `name` in `last/` (made at `startedAt`) into the period folders and
    /// prunes every folder of `database`.
    /// - Returns: the paths removed (dumps and their manifests).
    @discardableResult
    public func apply(dump name: String, database: String, startedAt: Date, in directory: BackupDirectory) throws(BackupError) -> [String] {
        let source = directory.path(.last, name)
        let sourceManifest = directory.path(.last, BackupDirectory.manifestName(forDump: name))
        var current: [BackupDirectory.Folder: String] = [.last: name]
        for folder in [BackupDirectory.Folder.daily, .weekly, .monthly] where count(folder) > 0 {
            let linkName = BackupDirectory.dumpName(database: database, stamp: BackupDirectory.stamp(startedAt, folder, in: timeZone))
            try Self.link(source, as: directory.path(folder, linkName))
            try Self.link(sourceManifest, as: directory.path(folder, BackupDirectory.manifestName(forDump: linkName)))
            current[folder] = linkName
        }
        var removed: [String] = []
        for folder in BackupDirectory.Folder.allCases {
            let entries = directory.entries(folder, database: database)
            let surplus = entries.count - count(folder)
            guard surplus > 0 else { continue }
            for entry in entries.prefix(surplus) where entry.name != current[folder] {
                for path in [entry.path, entry.manifestPath] where unlink(path) == 0 {
                    removed.append(path)
                }
            }
        }
        for folder in BackupDirectory.Folder.allCases { try? Self.syncDirectory(directory.path(folder)) }
        return removed
    }

    func count(_ folder: BackupDirectory.Folder) -> Int {
        switch folder {
        case .last: return max(1, keep.last)
        case .daily: return max(0, keep.days)
        case .weekly: return max(0, keep.weeks)
        case .monthly: return max(0, keep.months)
        }
    }

    /// Makes `destination` a hard link to `source`, replacing whatever had that name in one
    /// atomic rename (a reader sees the old file or the new one, never none).
    static func link(_ source: String, as destination: String) throws(BackupError) {
        let temporary = destination + BackupDirectory.temporarySuffix
        unlink(temporary)
        guard systemLink(source, temporary) == 0 else {
            let code = errno
            let hint = code == EXDEV || code == EPERM || code == EMLINK ? " (backup.dir must be one filesystem that supports hard links)" : ""
            throw CompressedDumpWriter.failure("cannot hard-link \(source) as", temporary, errno: code).appending(hint)
        }
        guard rename(temporary, destination) == 0 else {
            let failure = CompressedDumpWriter.failure("cannot rename \(temporary) to", destination)
            unlink(temporary)
            throw failure
        }
    }

    static func syncDirectory(_ path: String) throws(BackupError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CompressedDumpWriter.failure("cannot open directory", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw CompressedDumpWriter.failure("cannot fsync directory", path) }
    }
}

extension BackupError {
    func appending(_ text: String) -> BackupError { BackupError(kind, message + text) }
}
