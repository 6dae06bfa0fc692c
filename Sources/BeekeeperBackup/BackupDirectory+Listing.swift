import Foundation

extension BackupDirectory {
    /// A dump on disk with what its manifest says, for `beekeeper backup list`.
    public struct Listing: Sendable {
        public var entry: Entry
        public var sizeBytes: Int64?
        public var manifest: BackupManifest?
        /// Why the manifest could not be read, if it could not.
        public var manifestProblem: String?
    }

    /// Every dump in every folder (of `database`, if given): folders in the order last, daily,
    /// weekly, monthly; newest first within each.
    public func listing(database: String? = nil) -> [Listing] {
        Folder.allCases.flatMap { folder in
            entries(folder, database: database).reversed().map { entry in
                let size = (try? FileManager.default.attributesOfItem(atPath: entry.path)[.size] as? NSNumber)?.int64Value
                var listing = Listing(entry: entry, sizeBytes: size)
                do throws(BackupError) {
                    listing.manifest = try BackupManifest.load(from: entry.manifestPath)
                } catch {
                    listing.manifestProblem = error.message
                }
                return listing
            }
        }
    }

    /// Finds a dump by path (`/x/last/a.sql.gz`), by folder and name (`daily/a-20261122.sql.gz`),
    /// by name alone (looked up in last, daily, weekly, monthly), or by database name (its
    /// newest dump in `last/`).
    public func find(_ reference: String) -> Entry? {
        if reference.contains("/") {
            let path = reference.hasPrefix("/") || FileManager.default.fileExists(atPath: reference) ? reference : root + "/" + reference
            let name = (path as NSString).lastPathComponent
            let folderName = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
            let folder = Folder(rawValue: folderName) ?? .last
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let parsed = Self.parseDumpName(name, folder: folder) ?? Folder.allCases.lazy.compactMap { Self.parseDumpName(name, folder: $0) }.first
            let directory = (path as NSString).deletingLastPathComponent
            return Entry(
                folder: folder, name: name, database: parsed?.database ?? "", stamp: parsed?.stamp ?? "", path: path,
                manifestPath: directory + "/" + Self.manifestName(forDump: name))
        }
        for folder in Folder.allCases {
            if let entry = entries(folder).first(where: { $0.name == reference }) { return entry }
        }
        return entries(.last, database: reference).last
    }
}
