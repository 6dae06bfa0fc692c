import BeekeeperCore
import Foundation
import Testing

/// Power loss, not just kill -9 (issue 14). lazyfs (Tools/lazyfs.py) is a FUSE filesystem that
/// keeps only what POSIX promises survives a power cut: file data covered by fsync/fdatasync and
/// directory entries covered by an fsync of their directory. kill -9 leaves the page cache
/// intact; these tests drop it.
@Suite("Power cuts", .serialized, .timeLimit(.minutes(20)))
struct PowerCutTests {
    static let tools = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools"
    /// The moments the issue names; power_cut.py counts the cuts that landed in each.
    static let moments = ["group_commit", "rotation", "compression", "checkpoint", "backup", "shipment", "journal", "reload"]

    /// FUSE, fusermount and fusepy: required in CI (scripts/install-deps.sh installs them).
    static func fuseAvailable() -> Bool {
        let fusepy = (try? Program.run(SidecarProcess.python, ["-c", "import fuse"]))?.status == 0
        let ready = FileManager.default.fileExists(atPath: "/dev/fuse") && fusepy
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/fusermount")
        if !ready {
            if Requirements.isCI {
                Issue.record("/dev/fuse, fusermount (Debian fuse) and fusepy are required in CI")
            } else {
                print("skipping: /dev/fuse, fusermount or fusepy missing")
            }
        }
        return ready
    }

    static func summary(_ result: Program.Result) throws -> JSONValue {
        guard let line = result.stdout.split(separator: "\n").last else { throw HarnessError("no summary:\n\(result.output)") }
        return try JSONValue.parse(Array(line.utf8))
    }

    @Test("lazyfs drops unsynced data, unsynced renames, creates and unlinks, keeps what was synced, and tears appends on request")
    func lazyfsSelfTest() throws {
        guard Self.fuseAvailable() else { return }
        let result = try Program.run(SidecarProcess.python, [Self.tools + "/lazyfs.py", "selftest"])
        let summary = try Self.summary(result)
        #expect(result.status == 0, "\(result.output)")
        #expect(summary["failures"]?.arrayValue?.isEmpty == true, "\(summary.serialized())")
        #expect((summary["checks"]?.intValue ?? 0) >= 18, "\(summary.serialized())")
    }

    /// The Guardian-stats mismatch once seen with `--torn` (212 approvals served, 229 records
    /// counted) was the loop's reader, not the sidecar: it listed audit/ between a compression's
    /// rename of `.jsonl.gz` into place and the unlink of the `.jsonl`, and read the segment twice.
    /// The reader now reads such a segment once, from the compressed file, as AuditSegments.list does.
    @Test("the power-cut loop reads a segment listed both plain and compressed once")
    func readerCountsACompressingSegmentOnce() throws {
        let result = try Program.run(SidecarProcess.python, [Self.tools + "/power_cut.py", "--selftest"])
        let summary = try Self.summary(result)
        #expect(result.status == 0, "\(result.output)")
        #expect(summary["failures"]?.arrayValue?.isEmpty == true, "\(summary.serialized())")
        #expect((summary["checks"]?.intValue ?? 0) >= 4, "\(summary.serialized())")
    }

    /// The same with the real sidecar: lazyfs cuts right after a compression renames `.jsonl.gz`
    /// into place, so the directory keeps both names (the compression's directory fsync before the
    /// unlink never returns). The old reader counted that segment's decisions twice: 19 in a
    /// 16 KiB segment here, as many as the 17 approvals and 2 blocks of the mismatch once seen.
    @Test("a segment caught between compression's rename and unlink is listed twice and counted once")
    func compressingSegmentCountedOnce() throws {
        guard Self.fuseAvailable() else { return }
        let result = try Program.run(
            SidecarProcess.python,
            [Self.tools + "/power_cut.py", "--binary", SidecarProcess.binary, "--reproduce-double-listing", "--no-colonies"])
        let summary = try Self.summary(result)
        #expect(result.status == 0, "\(result.output)")
        #expect(summary["both_listed"]?.boolValue == true, "the cut did not catch a compression mid-way: \(summary.serialized())")
        let old = summary["old_reader_decisions"]?.intValue ?? 0
        let counted = summary["reader_decisions"]?.intValue ?? 0
        #expect(counted > 0 && old > counted, "\(summary.serialized())")
        #expect(summary["reader_unique_seqs"]?.boolValue == true, "\(summary.serialized())")
    }

    /// The whole sidecar on lazyfs under signed load, a ColonyOS source (the stand-in, outside the
    /// mount), backups, shipping and SIGHUP reloads, cut at random moments and, one cut in four,
    /// forced into each moment in turn. BEEKEEPER_POWER_CUT_CYCLES sets the count
    /// (scripts/power-cut.sh runs the long one); BEEKEEPER_POWER_CUT_TORN=1 keeps torn tails.
    @Test("power cuts under load lose no acknowledged record, re-run no answered id, and restart fast")
    func powerCutsUnderLoad() throws {
        guard Self.fuseAvailable() else { return }
        let environment = ProcessInfo.processInfo.environment
        let cycles = environment["BEEKEEPER_POWER_CUT_CYCLES"].flatMap(Int.init) ?? 100
        // A restart is measured from spawn to listening, of the binary under test (debug in CI): on
        // a 2-core machine that other builds saturate, some restarts take over 2 s whatever the
        // binary (BENCHMARKS.md section 14), so a cycle fails past 4 s and the median must stay under
        // 2 s; the long run (scripts/power-cut.sh, release binary) fails every restart over 2 s.
        // Seeded: the same seed forces the same moments on the same cuts.
        var arguments = [
            Self.tools + "/power_cut.py", "--binary", SidecarProcess.binary, "--cycles", String(cycles), "--restart-limit", "4",
            "--seed", environment["BEEKEEPER_TEST_SEED"] ?? "14",
        ]
        // One remount in four keeps torn tails (part of an unsynced append survives), the rest the
        // strict model (nothing unsynced survives); BEEKEEPER_POWER_CUT_TORN=1 makes every one torn.
        arguments += environment["BEEKEEPER_POWER_CUT_TORN"] == "1" ? ["--torn"] : ["--torn-share", "0.25"]
        let postgres = environment["BEEKEEPER_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if postgres == nil, Requirements.isCI { Issue.record("BEEKEEPER_TEST_PG_URL is required in CI: cuts must land in backups too") }
        let result = try Program.run(SidecarProcess.python, arguments)
        let summary = try Self.summary(result)
        print("power cuts: \(summary.serialized())")
        #expect(result.status == 0, "\(summary.serialized())\n\(result.stderr.suffix(4000))")
        #expect(summary["failure_count"]?.intValue == 0, "\(summary["failures"]?.serialized() ?? "")")
        #expect(summary["slow_restart_count"]?.intValue == 0, "\(summary["slow_restarts"]?.serialized() ?? "")")
        #expect(summary["cycles"]?.intValue == cycles)
        #expect((summary["succeeded"]?.intValue ?? 0) > cycles, "the load acknowledged too few tasks to mean anything")
        #expect((summary["blocked"]?.intValue ?? 0) > 0)
        #expect((summary["restart_p50_s"]?.doubleValue ?? 99) < 2.0)
        #expect((summary["restart_max_s"]?.doubleValue ?? 99) < 4.0)
        #expect((summary["shipped_markers"]?.intValue ?? 0) > 0, "no segment was shipped: the cuts never met the shipper")
        if postgres != nil { #expect((summary["backup_manifests"]?.intValue ?? 0) > 0, "no backup finished: the cuts never met a backup") }
        // Every moment was in flight at some cut (one in four is forced into each in turn).
        for moment in Self.moments where postgres != nil || moment != "backup" {
            #expect((summary["moments"]?[moment]?.intValue ?? 0) >= 1, "no cut landed mid \(moment): \(summary["moments"]?.serialized() ?? "")")
        }
        // The ColonyOS source was part of the load: processes it closed successful were checked.
        #expect((summary["colonies_closed_successful"]?.intValue ?? 0) > 0, "the stand-in saw no process closed successful")
    }
}
