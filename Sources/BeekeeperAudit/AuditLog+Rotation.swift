#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperCore
import Logging

extension AuditLog {
    /// Seals the live segment: closing checkpoint, fdatasync (whatever the fsync mode), a new
    /// live segment named after the next seq with the directory synced, then compression in
    /// the background. A failure leaves the current segment live; rotation is tried again.
    func rotateNow() async -> Result<Void, AuditError> {
        guard live.records > 0 else { return .success(()) }
        if lastType != AuditChain.checkpointType {
            if case .failure(let error) = await writeCheckpoint(sync: true) { return .failure(error) }
        } else if case .failure(let error) = await syncLive() {
            return .failure(error)
        }
        let nextSeq = seq + 1
        let directory = self.directory
        let path = POSIX.join(directory, AuditSegments.fileName(firstSeq: nextSeq, compressed: false))
        let old = live
        let created = await BlockingWork.result(on: io) { () throws(AuditError) -> Int32 in
            let fd = try POSIX.open(path, O_RDWR | O_CREAT | O_EXCL)
            do throws(AuditError) {
                try POSIX.syncDirectory(directory)
            } catch {
                POSIX.close(fd)
                try? POSIX.unlink(path)
                throw error
            }
            POSIX.close(old.fd)
            return fd
        }
        switch created {
        case .success(let fd):
            live = LiveSegment(fd: fd, path: path, firstSeq: nextSeq, size: 0, records: 0, startedAt: nil)
            statistics.rotations += 1
            logger.info(
                "audit segment sealed",
                metadata: ["segment": "\(POSIX.fileName(of: old.path))", "bytes": "\(old.size)", "last_seq": "\(seq)"])
            scheduleCompression(of: old.path)
            return .success(())
        case .failure(let error):
            markFailing(error)
            return .failure(error)
        }
    }

    /// Compresses a sealed segment on the compression queue; a failure (a full disk) is logged
    /// and retried later, and the plain segment stays until a compressed copy is safe.
    func scheduleCompression(of path: String) {
        guard compressions[path] == nil else { return }
        let level = options.gzipLevel
        let queue = compressionQueue
        compressions[path] = Task {
            let result = await BlockingWork.result(on: queue) { () throws(AuditError) in
                try SegmentCompressor.compress(plainPath: path, level: level)
            }
            self.compressionFinished(path, result)
        }
    }

    private func compressionFinished(_ path: String, _ result: Result<SegmentCompressor.Result, AuditError>) {
        compressions[path] = nil
        switch result {
        case .success(let done):
            logger.info(
                "audit segment compressed",
                metadata: [
                    "segment": "\(POSIX.fileName(of: done.compressedPath))", "bytes_in": "\(done.inputBytes)",
                    "bytes_out": "\(done.outputBytes)",
                ])
            options.compressionObserver?(done.compressedPath)
        case .failure(let error):
            logger.error("audit segment compression failed; will retry", metadata: ["segment": "\(path)", "error": "\(error)"])
            if phase == .open { compressionRetries[path] = clock() + 30_000_000 }
        }
    }
}
