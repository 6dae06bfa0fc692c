/// The first thing `audit verify` found wrong, printed as `FILE:LINE: reason`.
public struct AuditFault: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A line's chain does not follow from the line before: a byte of it changed (or of
        /// the chain it should continue).
        case chainMismatch
        /// A seq is missing: a line was removed.
        case seqGap
        /// Lines are out of seq order.
        case reordered
        /// A checkpoint's signature does not verify.
        case badSignature
        /// A checkpoint is signed by another key than the one given.
        case wrongKey
        /// A line is not a record (bad JSON, missing or misplaced seq/ts/type/chain).
        case malformed
        /// The last line has no newline.
        case tornLine
        /// A compressed segment ends early or is corrupt.
        case corruptCompression
        /// A segment's first record is not the seq its name says.
        case misnamedSegment
        /// A sealed segment does not end with its closing checkpoint (its tail was cut).
        case missingCheckpoint
        /// An `audit.gap` record: a start found fewer records than it remembered and was told
        /// to go on; the records it names are gone.
        case auditGap
    }

    public var file: String
    /// 1-based line number in the (decompressed) segment.
    public var line: Int
    public var kind: Kind
    public var reason: String

    public init(file: String, line: Int, kind: Kind, reason: String) {
        self.file = file
        self.line = line
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}
