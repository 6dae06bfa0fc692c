import BeekeeperConfig
import Foundation
import Testing

@testable import BeekeeperBackup

@Suite("Backup retention over simulated days")
struct BackupRetentionTests {
    /// Puts a stand-in dump (its content is its own name) and its manifest into `last/`, as a
    /// run would, and applies retention. Returns the dump's name.
    @discardableResult
    func backUp(_ directory: BackupDirectory, _ database: String, at moment: Date, zone: TimeZone, keep: BackupConfig.Keep) throws -> String {
        let name = BackupDirectory.dumpName(database: database, stamp: BackupDirectory.stamp(moment, .last, in: zone))
        try directory.create()
        try Data(name.utf8).write(to: URL(fileURLWithPath: directory.path(.last, name)))
        try DatabaseDump.writeManifest(.fake(database: database, file: name, startedAt: moment), to: directory.path(.last, BackupDirectory.manifestName(forDump: name)))
        try BackupRetention(keep: keep, timeZone: zone).apply(dump: name, database: database, startedAt: moment, in: directory)
        return name
    }

    @Test("400 days, some with two backups: each folder keeps its newest periods, each period its latest backup")
    func simulatedYear() throws {
        let scratch = try ScratchDirectory()
        let directory = BackupDirectory(scratch.path + "/backups")
        let berlin = zone("Europe/Berlin")
        var keep = BackupConfig.Keep()
        keep.last = 3
        keep.days = 7
        keep.weeks = 4
        keep.months = 6
        var made: [(name: String, moment: Date)] = []
        var latest: [BackupDirectory.Folder: [String: String]] = [.daily: [:], .weekly: [:], .monthly: [:]]
        let start = instant("2026-01-01T01:00:00Z")  // 02:00 in Berlin in winter
        for day in 0..<400 {
            var moments = [start + Double(day) * 86400]
            if day % 5 == 0 { moments.append(moments[0] + 12 * 3600) }
            for moment in moments {
                let name = try backUp(directory, "colonies", at: moment, zone: berlin, keep: keep)
                made.append((name, moment))
                for folder in [BackupDirectory.Folder.daily, .weekly, .monthly] {
                    latest[folder]![BackupDirectory.stamp(moment, folder, in: berlin)] = name
                }
            }
            // last/: the three newest backups.
            #expect(directory.entries(.last).map(\.name) == made.suffix(3).map(\.name), "day \(day)")
            for (folder, count) in [(BackupDirectory.Folder.daily, 7), (.weekly, 4), (.monthly, 6)] {
                let expectedStamps = latest[folder]!.keys.sorted().suffix(count)
                let entries = directory.entries(folder)
                #expect(entries.map(\.stamp) == Array(expectedStamps), "day \(day) \(folder)")
                for entry in entries {
                    // The period's link holds its latest backup, and its manifest says so.
                    #expect(readText(entry.path) == latest[folder]![entry.stamp], "day \(day) \(entry.path)")
                    let manifest = try BackupManifest.load(from: entry.manifestPath)
                    #expect(manifest.file == latest[folder]![entry.stamp], "day \(day) \(entry.manifestPath)")
                }
            }
        }
        // No temporary files, no manifest without its dump.
        for folder in BackupDirectory.Folder.allCases {
            let names = scratch.files("backups/\(folder.rawValue)")
            #expect(!names.contains { $0.hasSuffix(".tmp") })
            #expect(names.count == 2 * directory.entries(folder).count, "\(folder): \(names)")
        }
        // Spot checks of the period names: ISO weeks across the year boundary.
        #expect(directory.entries(.weekly).last?.name == "colonies-202705.sql.gz")
        #expect(directory.entries(.monthly).map(\.stamp) == ["202609", "202610", "202611", "202612", "202701", "202702"])
    }

    @Test("the backup just made is never deleted; a keep of 0 keeps no period links")
    func neverDeletesTheNewest() throws {
        let scratch = try ScratchDirectory()
        let directory = BackupDirectory(scratch.path + "/backups")
        let utcZone = zone("UTC")
        var keep = BackupConfig.Keep()
        keep.last = 0
        keep.days = 0
        keep.weeks = 0
        keep.months = 1
        for day in 0..<5 { try backUp(directory, "colonies", at: instant("2026-11-10T02:00:00Z") + Double(day) * 86400, zone: utcZone, keep: keep) }
        #expect(directory.entries(.last).map(\.name) == ["colonies-20261114-020000.sql.gz"])
        #expect(directory.entries(.daily).isEmpty)
        #expect(directory.entries(.weekly).isEmpty)
        #expect(directory.entries(.monthly).map(\.name) == ["colonies-202611.sql.gz"])

        // The clock went back: the new backup is older by name than what is kept, and stays.
        keep.last = 2
        for day in 0..<2 { try backUp(directory, "colonies", at: instant("2026-11-20T02:00:00Z") + Double(day) * 86400, zone: utcZone, keep: keep) }
        let older = try backUp(directory, "colonies", at: instant("2026-11-01T02:00:00Z"), zone: utcZone, keep: keep)
        #expect(directory.entries(.last).map(\.name).contains(older))
        #expect(directory.entries(.last).count == 3)
    }

    @Test("each database's retention leaves the others alone, even with a name that extends another's")
    func databasesApart() throws {
        let scratch = try ScratchDirectory()
        let directory = BackupDirectory(scratch.path + "/backups")
        let utcZone = zone("UTC")
        var keep = BackupConfig.Keep()
        keep.last = 2
        for day in 0..<4 {
            let moment = instant("2026-11-10T02:00:00Z") + Double(day) * 86400
            try backUp(directory, "a", at: moment, zone: utcZone, keep: keep)
            try backUp(directory, "a-b", at: moment + 60, zone: utcZone, keep: keep)
        }
        try backUp(directory, "a", at: instant("2026-11-20T02:00:00Z"), zone: utcZone, keep: keep)
        #expect(directory.entries(.last, database: "a").map(\.stamp) == ["20261113-020000", "20261120-020000"])
        #expect(directory.entries(.last, database: "a-b").map(\.stamp) == ["20261112-020100", "20261113-020100"])
        #expect(directory.entries(.daily, database: "a-b").count == 4)
        #expect(BackupDirectory.parseDumpName("a-b-20261113-020100.sql.gz", folder: .last)! == ("a-b", "20261113-020100"))
        #expect(BackupDirectory.parseDumpName("a-b-20261113.sql.gz", folder: .last) == nil)
        #expect(BackupDirectory.parseDumpName("a-2026111.sql.gz", folder: .daily) == nil)
        #expect(BackupDirectory.parseDumpName("-20261113.sql.gz", folder: .daily) == nil)
    }

    @Test("leftovers of an interrupted run are removed, finished backups are not")
    func leftovers() throws {
        let scratch = try ScratchDirectory()
        let directory = BackupDirectory(scratch.path + "/backups")
        let kept = try backUp(directory, "colonies", at: instant("2026-11-10T02:00:00Z"), zone: zone("UTC"), keep: BackupConfig.Keep())
        let junk = [
            directory.path(.last, "colonies-20261111-020000.sql.gz.tmp"), directory.path(.last, "colonies-20261111-020000.json"),
            directory.path(.daily, "colonies-20261111.sql.gz.tmp"), directory.path(.last, "colonies-20261112-020000.json.tmp"),
        ]
        for path in junk { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
        #expect(Set(directory.removeLeftovers()) == Set(junk))
        #expect(scratch.files("backups/last") == [BackupDirectory.manifestName(forDump: kept), kept].sorted())
        #expect(scratch.files("backups/daily").count == 2)
    }
}
