import BeekeeperCore
import Foundation
import Testing

/// Power loss, not just kill -9 (issue 14). lazyfs (Tools/lazyfs.py) is a FUSE filesystem that
/// keeps only what POSIX promises survives a power cut: file data covered by fsync/fdatasync and
/// directory entries covered by an fsync of their directory. kill -9 leaves the page cache
/// intact; these tests drop it.
@Suite("Power cuts", .serialized, .timeLimit(.minutes(8)))
struct PowerCutTests {
    static let tools = SidecarProcess.packageRoot + "/Tests/BeekeeperIntegrationTests/Tools"

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

    /// The whole sidecar on lazyfs under signed load, backups, shipping and SIGHUP reloads, cut at
    /// random moments. BEEKEEPER_POWER_CUT_CYCLES sets the count (scripts/power-cut.sh runs the long one).
    @Test("power cuts under load lose no acknowledged record, re-run no answered id, and restart fast")
    func powerCutsUnderLoad() throws {
        guard Self.fuseAvailable() else { return }
        let environment = ProcessInfo.processInfo.environment
        let cycles = environment["BEEKEEPER_POWER_CUT_CYCLES"].flatMap(Int.init) ?? 35
        // The strict POSIX model (nothing unsynced survives). `--torn` (unsynced appends survive in
        // part) is not in CI yet: one run of 35 cuts once saw /v1/stats Guardian counts below the
        // records after a restart, not reproduced since (README, Power loss).
        // A restart is measured from spawn to listening, of the debug binary: on a 2-core machine
        // that other builds saturate, a few take over 2 s (2.2 s seen at load 15), so a cycle fails
        // past 4 s and the median must stay under 2 s; the long run (scripts/power-cut.sh) holds 2 s.
        var arguments = [
            Self.tools + "/power_cut.py", "--binary", SidecarProcess.binary, "--cycles", String(cycles), "--restart-limit", "4",
        ]
        if let seed = environment["BEEKEEPER_TEST_SEED"] { arguments += ["--seed", seed] }
        let postgres = environment["BEEKEEPER_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if postgres == nil, Requirements.isCI { Issue.record("BEEKEEPER_TEST_PG_URL is required in CI: cuts must land in backups too") }
        let result = try Program.run(SidecarProcess.python, arguments)
        let summary = try Self.summary(result)
        print("power cuts: \(summary.serialized())")
        #expect(result.status == 0, "\(summary.serialized())\n\(result.stderr.suffix(4000))")
        #expect(summary["failure_count"]?.intValue == 0, "\(summary["failures"]?.serialized() ?? "")")
        #expect(summary["cycles"]?.intValue == cycles)
        #expect((summary["succeeded"]?.intValue ?? 0) > cycles, "the load acknowledged too few tasks to mean anything")
        #expect((summary["blocked"]?.intValue ?? 0) > 0)
        #expect((summary["restart_p50_s"]?.doubleValue ?? 99) < 2.0)
        #expect((summary["restart_max_s"]?.doubleValue ?? 99) < 4.0)
        #expect((summary["shipped_markers"]?.intValue ?? 0) > 0, "no segment was shipped: the cuts never met the shipper")
        if postgres != nil { #expect((summary["backup_manifests"]?.intValue ?? 0) > 0, "no backup finished: the cuts never met a backup") }
    }
}
