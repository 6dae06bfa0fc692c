import BeekeeperConfig
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import Foundation
import Logging
import Sodium
import Testing

@testable import BeekeeperAudit
@testable import BeekeeperPipeline
/// A real pipeline over a real audit log in a temporary directory, with a real process bee.
struct PipelineFixture {
    static let beeScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Bees/pipeline_bee.py").path
    static let logger = Logger(label: "pipeline-test") { _ in SwiftLogNoOpLogHandler() }

    let directory: String
    let pipeline: TaskPipeline
    let bee: Bee
    let audit: AuditLog

    /// `auditFaults` and `journalFaults` make the audit log's or the idempotency journal's writes
    /// and fdatasyncs fail on demand.
    static func make(
        directory: String? = nil, timeout: Duration = .seconds(10), retries: Int = 0,
        auditOptions: AuditLogOptions = AuditLogOptions(checkpointInterval: .seconds(3600)),
        auditFaults: AuditFaultInjector? = nil, journalFaults: AuditFaultInjector? = nil,
        idempotencyClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) async throws -> PipelineFixture {
        let directory = directory ?? FileManager.default.temporaryDirectory.path + "/beekeeper-pipeline-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/audit", withIntermediateDirectories: true)
        var beeConfig = BeeConfig(name: "ledger", funcnames: ["echo", "fail", "flaky", "sleep"], kind: .process, command: ["python3", beeScript])
        beeConfig.timeout = timeout
        beeConfig.concurrency = 4
        beeConfig.retries.max = retries
        beeConfig.retries.initialBackoff = .milliseconds(200)
        beeConfig.retries.maxBackoff = .milliseconds(400)
        let metrics = SidecarMetrics(configuration: MetricsConfig())
        let audit = try await openAudit(directory: directory + "/audit", options: auditOptions, faults: auditFaults)
        let guardian = try Guardian(configuration: GuardianConfig(), knownFuncnames: Set(beeConfig.funcnames))
        let bee = Bee(configuration: beeConfig, logger: logger)
        await bee.start()
        let recorder = AuditRecorder(audit: audit, metrics: metrics, failClosed: true, logger: logger)
        let idempotency = IdempotencyStore(
            journalPath: directory + "/idempotency.jsonl", logger: logger, faults: journalFaults, clock: idempotencyClock)
        let pipeline = TaskPipeline(recorder: recorder, guardian: guardian, bees: [bee], idempotency: idempotency, logger: logger)
        return PipelineFixture(directory: directory, pipeline: pipeline, bee: bee, audit: audit)
    }

    func close() async throws {
        await bee.shutdown()
        try await audit.close()
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: directory) }

    /// The audit log, waiting (bounded) for a lock this process just released: a bee another test
    /// forks at that moment shares the lock's open file until its `exec` closes it (close-on-exec),
    /// which is how a reopen right after `close()` once failed with `locked` in a parallel run.
    private static func openAudit(directory: String, options: AuditLogOptions, faults: AuditFaultInjector?) async throws -> AuditLog {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                return try await AuditLog(
                    directory: directory, options: options,
                    signingKey: Ed25519.KeyPair.fromSeed([UInt8](repeating: 3, count: 32)), hmacKey: Array("k".utf8), logger: logger,
                    clock: AuditTimestamp.nowMicroseconds, faults: faults)
            } catch {
                guard case .locked(_, let holder) = error, holder == getpid(), ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }


    var journalFile: String { directory + "/idempotency.jsonl" }

    /// The ids of the idempotency journal's lines, in file order.
    func journalIDs() throws -> [String] {
        let text = (try? String(contentsOfFile: journalFile, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONValue.parse(Array($0.utf8))["id"]?.stringValue ?? "" }
    }

    var runsFile: String { directory + "/runs.txt" }

    /// How many times the bee ran `id` (each run appends the id to the runs file).
    func runs(of id: String) -> Int {
        let text = (try? String(contentsOfFile: runsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0 == id }.count
    }

    func submission(
        _ funcname: String, id: String?, args: JSONValue = [], kwargs: [JSONValue.Member] = [], timeout: Duration? = nil,
        deadline: ContinuousClock.Instant? = nil, sourceFields: [JSONValue.Member] = []
    ) -> TaskSubmission {
        let kwargs = JSONValue.object([.init("runs", .string(runsFile))] + kwargs)
        let payload = Array(JSONValue.object(["funcname": .string(funcname), "args": args, "kwargs": kwargs]).serialized().utf8)
        let digest = TaskSubmission.digest(of: payload)
        return TaskSubmission(
            id: id, funcname: funcname, args: args, kwargs: kwargs, timeout: timeout, deadline: deadline, actor: "tester",
            payloadBytes: digest.bytes, payloadSHA256: digest.sha256, sourceFields: sourceFields)
    }

    /// Every record in the live segment, parsed.
    func records() throws -> [JSONValue] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/audit").filter { $0.hasSuffix(".jsonl") }.sorted()
        var records: [JSONValue] = []
        for name in names {
            let text = try String(contentsOfFile: directory + "/audit/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") { records.append(try JSONValue.parse(Array(line.utf8))) }
        }
        return records
    }

    func records(of taskID: String) throws -> [JSONValue] {
        try records().filter { $0["task_id"]?.stringValue == taskID }
    }
}
