public import Sodium
import Synchronization

/// The chain status of one audit directory, kept up to date cheaply: sealed (compressed)
/// segments never change, so each is verified once and the verifier's state after them is kept;
/// every look then checks only the plain segments on top of that state. A sealed segment that
/// changes (size) or disappears starts the check over. Thread-safe; one per directory.
public final class AuditChainStatus: Sendable {
    public let directory: String
    private let publicKey: Ed25519.PublicKey?
    private let state: Mutex<Checked>

    private struct Checked: @unchecked Sendable {
        /// Sealed segments already checked, name and size, in order.
        var sealed: [(name: String, bytes: Int64)] = []
        var verifier: ChainVerifier
        /// A fault found in a sealed segment: it stays until that segment changes.
        var sealedFault: AuditFault?
    }

    public init(directory: String, publicKey: Ed25519.PublicKey?) {
        self.directory = directory
        self.publicKey = publicKey
        state = Mutex(Checked(verifier: ChainVerifier(publicKey: publicKey)))
    }

    /// Verifies what changed since the last call and returns the report for the whole directory.
    /// Blocking file reads: call it off the event loops.
    public func report() throws(AuditError) -> AuditVerificationReport {
        let segments = try AuditSegments.list(directory: directory)
        let sealed = segments.filter(\.isCompressed)
        let plain = segments.filter { !$0.isCompressed }
        // Mutex is not reentrant and verification is slow: take the state out, work, put it back.
        var checked = state.withLock { $0 }
        let known = checked.sealed
        let stillValid = known.count <= sealed.count
            && zip(known, sealed).allSatisfy { $0.name == $1.fileName && $0.bytes == $1.byteCount }
        if !stillValid { checked = Checked(verifier: ChainVerifier(publicKey: publicKey)) }
        if checked.sealedFault == nil {
            for segment in sealed.dropFirst(checked.sealed.count) {
                let file = AuditVerifier.SegmentFile(path: segment.path, firstSeq: segment.firstSeq, compressed: true)
                // A sealed segment is never the last: the live one follows it (or will).
                if let fault = try checked.verifier.check(file, isLast: plain.isEmpty && segment == sealed.last) {
                    checked.sealedFault = fault
                    checked.sealed.append((segment.fileName, segment.byteCount))
                    break
                }
                checked.sealed.append((segment.fileName, segment.byteCount))
            }
        }
        state.withLock { $0 = checked }
        var verifier = checked.verifier
        if let fault = checked.sealedFault {
            verifier.report.fault = fault
            return verifier.report
        }
        for (index, segment) in plain.enumerated() {
            let isLast = index == plain.count - 1
            let file = AuditVerifier.SegmentFile(path: segment.path, firstSeq: segment.firstSeq, compressed: false, live: isLast)
            if let fault = try verifier.check(file, isLast: isLast) {
                verifier.report.fault = fault
                break
            }
        }
        return verifier.report
    }
}
