#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure of the audit module. `append` throws it typed, so callers can map it to a 503.
public enum AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process (or another `AuditLog` in this one) holds the directory's lock.
    case locked(lockFile: String, holderPID: Int32?)
    /// A system call failed; `errno` is kept so ENOSPC and EIO can be told apart.
    case io(operation: String, path: String, errno: Int32)
    /// A compressed segment could not be read (truncated or corrupt gzip stream).
    case compressedSegment(path: String, reason: String)
    /// The log was closed; no more appends.
    case closed
    /// A record the log refuses to write (reserved key, raw payload, invalid number).
    case invalidRecord(String)
    /// Startup found a segment it cannot continue from.
    case corruptSegment(path: String, line: Int, reason: String)
    /// A path given to the review side is neither a segment file nor a directory.
    case notASegment(path: String)
    /// The live segment's path no longer names the file being appended to: someone deleted or
    /// replaced it under the running log, so records would go where no reader finds them.
    case liveSegmentLost(path: String, how: String)
    /// Start-up found fewer records than the remembered position names: seq `missingFrom`
    /// through `missingTo` are gone (a deleted or replaced segment).
    case gap(missingFrom: UInt64, missingTo: UInt64, positionFile: String)

    public var description: String {
        switch self {
        case .locked(let lockFile, let pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "audit log is locked by \(holder) (\(lockFile)); only one process may write an audit directory"
        case .io(let operation, let path, let code):
            return "\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .compressedSegment(let path, let reason):
            return "\(path): \(reason)"
        case .closed:
            return "audit log is closed"
        case .invalidRecord(let reason):
            return "invalid audit record: \(reason)"
        case .corruptSegment(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .notASegment(let path):
            return "\(path): not an audit segment (audit-<seq>.jsonl[.gz]) or a directory"
        case .liveSegmentLost(let path, let how):
            return "the live audit segment \(path) was \(how) under the running sidecar; new work is refused (restore the file and restart)"
        case .gap(let from, let to, let positionFile):
            return "audit records seq \(from)-\(to) are missing: the log ends at seq \(from - 1) but \(positionFile) remembers seq \(to); restore the missing segments (for example from the collector)"
        }
    }

    /// The errno of an I/O failure, if this is one.
    public var errno: Int32? {
        if case .io(_, _, let code) = self { return code }
        return nil
    }
}
