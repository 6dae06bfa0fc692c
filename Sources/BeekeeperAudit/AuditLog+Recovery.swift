import BeekeeperCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

extension AuditLog {
    /// Writes `audit.recovered` for every cut not reported yet, in the order the cuts happened,
    /// makes the records durable whatever the fsync mode, and only then marks each copy with
    /// `<copy>.recorded`. A crash before the marker leaves the copy pending: the next start
    /// finds its record in the log and only marks it; a crash before the record, and the next
    /// start writes it. So every cut gets exactly one record.
    func reportCuts(_ cuts: [AuditLogRecovery.TornFile]) async throws(AuditError) {
        guard !cuts.isEmpty else { return }
        let unreported = cuts.filter { !$0.reported }
        var durable = true
        if !unreported.isEmpty {
            let records = unreported.map { cut in
                AuditRecord(
                    type: AuditChain.recoveredType,
                    fields: [
                        .init("bytes_removed", .number(String(cut.bytesRemoved))),
                        .init("resumed_after_seq", .number(String(cut.resumedAfterSeq))),
                        .init("segment", .string(cut.file.segment)),
                        .init("removed_bytes_file", .string(cut.file.name)),
                    ])
            }
            // Fewer seqs than records: dropped (fail_closed is off and the disk refused them).
            // The copies stay pending and the next start tries again.
            durable = try await enqueue(records.map(PreparedRecord.init)).count == records.count
            if durable {
                do throws(AuditError) {
                    try await control(.sync)
                } catch {
                    if options.failClosed { throw error }
                    durable = false
                }
            }
        }
        let paths = (durable ? cuts : cuts.filter(\.reported)).map { $0.path + AuditTornFile.recordedSuffix }
        guard !paths.isEmpty else { return }
        let directory = self.directory
        let marked = await BlockingWork.result(on: io) { () throws(AuditError) in
            for path in paths { POSIX.close(try POSIX.open(path, O_WRONLY | O_CREAT, mode: 0o640)) }
            try POSIX.syncDirectory(directory)
        }
        if case .failure(let error) = marked {
            // Harmless: the next start finds the records in the log and marks the copies then.
            logger.warning("audit log: cannot mark reported cuts", metadata: ["error": "\(error)"])
        }
    }
}
