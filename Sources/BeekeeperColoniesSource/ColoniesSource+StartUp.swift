import BeekeeperAudit
import BeekeeperColonies
import BeekeeperConfig
import Synchronization
import BeekeeperCore
import BeekeeperPipeline
import Logging

extension ColoniesSource {
    /// Before the slots assign anything: register (with the colony key), settle the processes an
    /// earlier run held, and return what it still owes (sent beside the slots).
    func startUp() async -> [(processID: String, report: ColoniesReport)] {
        if let colonyOwner { await register(colonyOwner) }
        let pending = await owed.pending
        await settleOrphans()
        if !pending.isEmpty { logger.notice("colonies: re-sending reports owed by the last run", metadata: ["count": "\(pending.count)"]) }
        return pending
    }

    /// Adds and approves this executor with the colony owner's key; "already exists" is fine.
    private func register(_ colonyOwner: ColoniesIdentity) async {
        var delay = Self.backoff.initial
        while !isStopping {
            do throws(ColoniesError) {
                do throws(ColoniesError) {
                    _ = try await client.addExecutor(
                        name: configuration.executorName, type: configuration.executorType, id: client.identity.id, colonyOwner: colonyOwner)
                } catch .server(400, let message) where message.contains("already exists") {
                    // Registered earlier (by us or an operator): approving again is harmless.
                }
                try await client.approveExecutor(name: configuration.executorName, colonyOwner: colonyOwner)
                logger.notice("colonies: executor registered and approved", metadata: ["executor": "\(configuration.executorName)"])
                return
            } catch {
                noteCall(Result<Void, ColoniesError>.failure(error))
                logger.warning("colonies: cannot register the executor yet", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                await sleep(delay)
                delay = min(delay * 2, Self.backoff.maximum)
            }
        }
    }

    /// Running processes assigned to our id, found before this run assigns anything, were taken
    /// by an earlier run: report their stored outcome if the pipeline has one, else fail them
    /// ("beekeeper restarted") so their users are not left waiting for the server's stale
    /// cleanup. Those whose report is owed are left to the re-send. The server lists at most 100
    /// running processes of our type per call (COLONYOS.md section 5).
    private func settleOrphans() async {
        var delay = Self.backoff.initial
        var running: [ColoniesProcess] = []
        while !isStopping {
            let result: Result<[ColoniesProcess], ColoniesError>
            do throws(ColoniesError) {
                result = .success(try await client.getProcesses(state: .running, count: 100, executorType: configuration.executorType))
            } catch {
                result = .failure(error)
            }
            noteCall(result)
            switch result {
            case .success(let processes):
                running = processes
            case .failure(.transport), .failure(.cancelled):
                await sleep(delay)
                delay = min(delay * 2, Self.backoff.maximum)
                continue
            case .failure(let error):
                // A refusal will not change by waiting; the slots will say the same in their logs.
                logger.error("colonies: cannot list running processes; orphans are left to the server", metadata: ["error": "\(error)"])
            }
            break
        }
        for process in running where process.assignedExecutorID == client.identity.id {
            if await owed.contains(process.processID) { continue }
            if let stored = await pipeline.storedOutcome(of: process.processID), let report = ColoniesReport(stored.kind) {
                logger.notice("colonies: reporting the stored outcome of an orphaned process", metadata: ["process_id": "\(process.processID)"])
                await deliver(report, for: process.processID)
            } else {
                logger.notice("colonies: failing a process an earlier run held", metadata: ["process_id": "\(process.processID)"])
                _ = try? await pipeline.record([
                    AuditRecord(type: "task.failed", fields: [
                        .init("task_id", .string(process.processID)), .init("funcname", .string(process.funcname)),
                        .init("colony", .string(configuration.colony)), .init("attempt", 0),
                        .init("reason", "restarted"), .init("error", "beekeeper restarted before the process finished"),
                    ])
                ])
                await deliver(.restarted, for: process.processID)
            }
        }
    }
}
