import BeekeeperCore
import Curl
import Foundation
import Testing

/// `audit.fail_closed`: when the audit log cannot write (a full disk), new work is refused with
/// 503 and Retry-After, /readyz says why, no half record stays behind, and everything comes
/// back by itself once space is free again. The data directory sits on a 3 MiB tmpfs.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct AuditDiskFullTests {
    /// A tmpfs mounted for one test; `unmount` is safe to call whatever happened.
    struct SmallFilesystem {
        let path: String

        static func mount(size: String) throws -> SmallFilesystem? {
            let path = NSTemporaryDirectory() + "beekeeper-full-" + UUID().uuidString.prefix(8).lowercased()
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let mounted = try AuditHarness.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
            guard mounted.status == 0 else {
                try? FileManager.default.removeItem(atPath: path)
                print("AuditDiskFullTests: cannot mount a tmpfs (\(mounted.output.trimmingCharacters(in: .whitespacesAndNewlines)))")
                return nil
            }
            return SmallFilesystem(path: path)
        }

        func unmount() {
            if (try? AuditHarness.run("/bin/umount", [path]))?.status != 0 {
                // Something still holds a file open: detach now, freed when it lets go.
                _ = try? AuditHarness.run("/bin/umount", ["-l", path])
            }
            try? FileManager.default.removeItem(atPath: path)
        }

        /// Writes `path` until the filesystem refuses with ENOSPC; returns the errno it ended with.
        func fill(_ file: String) -> Int32 {
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
            var size = chunk.count
            while true {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if written < 0 {
                    if errno == EINTR { continue }
                    // Use up the last partial chunks too, down to single pages.
                    if errno == ENOSPC, size > 4096 {
                        size = 4096
                        continue
                    }
                    return errno
                }
            }
        }
    }

    @Test func fullDiskRefusesWorkThenRecoversByItself() async throws {
        guard let filesystem = try SmallFilesystem.mount(size: "3m") else {
            #expect(!Requirements.isCI, "mounting a tmpfs is required in CI (run as root)")
            return
        }
        defer { filesystem.unmount() }
        let dataDir = filesystem.path + "/data"
        let auditDir = dataDir + "/audit"
        let sidecar = try await SidecarProcess(config: { keyHex, _ in
            AuditHarness.config(keyHex: keyHex, dataDir: dataDir, audit: ["fsync: batch", "fail_closed: true"])
        })
        // Runs before the unmount: nothing may keep the tmpfs busy.
        defer {
            if sidecar.process.isRunning {
                kill(sidecar.process.processIdentifier, SIGKILL)
                sidecar.process.waitUntilExit()
            }
        }
        #expect(try await sidecar.submit(["id": "before-full", "funcname": "echo"]).status == 200)
        #expect(try await sidecar.get("/readyz").status == 200)

        let filler = filesystem.path + "/filler"
        #expect(filesystem.fill(filler) == ENOSPC)

        // The last partly used page of the live segment may still take a record or two; the
        // first write that needs a new page fails, and from then on work is refused.
        var refused: SidecarProcess.TaskAnswer? = nil
        var refusedID = ""
        var answers: [String] = []
        for index in 0..<40 {
            let id = "full-\(index)"
            let clock = ContinuousClock()
            let started = clock.now
            let answer = try await sidecar.submit(["id": .string(id), "funcname": "echo"])
            answers.append("\(id): \(answer.status) in \(clock.now - started)")
            if answer.status != 200 {
                refused = answer
                refusedID = id
                break
            }
        }
        print("AuditDiskFullTests: \(answers)")
        let answer = try #require(refused, "the sidecar never refused work on a full disk: \(answers)")
        #expect(answer.status == 503, "\(answers) \(answer.body.serialized())")
        #expect(answer.body.value(atPath: "error.code") == "audit_unavailable", "\(answer.body.serialized())")
        #expect(Int(answer.response.header("Retry-After") ?? "") ?? 0 >= 1)

        // From now on refusal is immediate, for every kind of work that needs the audit log.
        let again = try await sidecar.submit(["id": "full-again", "funcname": "echo"])
        #expect(again.status == 503)
        #expect(again.body.value(atPath: "error.code") == "audit_unavailable")
        let event: JSONValue = ["task_id": "self-full", "funcname": "echo", "outcome": "succeeded"]
        let report = try await sidecar.post("/v1/events", body: event.bytes)
        #expect(report.status == 503)
        #expect(report.header("Retry-After") != nil)

        let ready = try await sidecar.get("/readyz")
        #expect(ready.status == 503)
        let readiness = try JSONValue.parse(ready.body)
        let reasons = readiness["reasons"]?.arrayValue ?? []
        #expect(reasons.contains { $0["component"] == "audit" }, "\(readiness.serialized())")
        #expect(try await sidecar.get("/healthz").status == 200)

        // No half-written record stays behind in the live segment.
        let liveName = try #require(try AuditHarness.segmentNames(auditDir).last)
        let live = try AuditHarness.segmentBytes(auditDir + "/" + liveName)
        #expect(live.last == UInt8(ascii: "\n"))
        for line in AuditHarness.lines(live) {
            #expect((try? JSONValue.parse(line)) != nil, "not a whole record: \(String(decoding: line, as: UTF8.self))")
        }

        // Space comes back: the log probes, turns writable, and work is accepted again.
        try FileManager.default.removeItem(atPath: filler)
        let recovered = try await AuditHarness.poll(timeout: .seconds(15)) { try await sidecar.get("/readyz").status == 200 }
        let readyAfter = String(decoding: try await sidecar.get("/readyz").body, as: UTF8.self)
        #expect(recovered, "/readyz stayed 503 after space was freed: \(readyAfter)")
        let retried = try await sidecar.submit(["id": .string(refusedID), "funcname": "echo"])
        #expect(retried.status == 200, "the refused id could not be retried: \(retried.body.serialized())")
        #expect(retried.response.header("Idempotent-Replay") == nil)
        #expect(try await sidecar.submit(["id": "after-full", "funcname": "echo"]).status == 200)
        #expect(try await sidecar.terminate() == 0)

        let verify = try AuditHarness.cli(sidecar, ["audit", "verify"])
        #expect(verify.status == 0, "\(verify.output)")
        let records = try AuditHarness.records(auditDir)
        #expect(AuditHarness.seqs(records) == Array(1...records.count))
        // The refused task ran once, after the disk recovered: one terminal record, one run.
        let refusedRecords = records.filter { $0["task_id"]?.stringValue == refusedID }
        #expect(refusedRecords.filter { $0["type"] == "task.started" }.count == 1, "\(refusedRecords.map { $0.serialized() })")
        #expect(refusedRecords.filter { $0["type"] == "task.succeeded" }.count == 1)
        #expect(records.contains { $0["task_id"] == "after-full" && $0["type"] == "task.succeeded" })
        #expect(!records.contains { $0["task_id"] == "full-again" })
    }
}
