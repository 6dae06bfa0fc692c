import BeekeeperCore

/// Where the audit log stood the last time its records were known durable:
/// `state/audit-position.json`, `{"version":1,"last_seq":N,"chain":"<64 hex>"}`.
///
/// Why a file of its own rather than the Guardian stats snapshot's `last_seq`: that one moves
/// only on decisions and is saved on its own timer, before the final `sidecar.stopped` and
/// checkpoint, so it trails the log; this one is written by the audit log itself, on its I/O
/// queue right after each durable checkpoint and at close, so it names the whole log's last
/// seq and chain and never a record that is not yet on disk (a crash can leave it behind the
/// log, never ahead). A start that finds fewer records than it names has lost records.
public struct AuditPosition: Sendable, Equatable {
    public var lastSeq: UInt64
    public var chain: String

    public init(lastSeq: UInt64, chain: String) {
        self.lastSeq = lastSeq
        self.chain = chain
    }

    static let formatVersion = 1

    func encoded() -> [UInt8] {
        let document = JSONValue.object([
            .init("version", .number(Self.formatVersion)),
            .init("last_seq", .number(String(lastSeq))),
            .init("chain", .string(chain)),
        ])
        return Array((document.serialized() + "\n").utf8)
    }

    /// The remembered position; nil when the file does not exist (a new data directory, or one
    /// from before positions were kept). A file that cannot be read or parsed stops the start:
    /// silently ignoring it would hide exactly the gap it is there to reveal.
    static func load(from path: String) throws(AuditError) -> AuditPosition? {
        let bytes: [UInt8]
        do {
            guard let read = try DurableFile.readFile(path) else { return nil }
            bytes = read
        } catch {
            throw .corruptSegment(path: path, line: 1, reason: "cannot read the remembered audit position: \(error.message)")
        }
        guard let document = try? JSONValue.parse(bytes, maxDepth: 4),
            document["version"]?.intValue == formatVersion,
            case .number(let literal)? = document["last_seq"], let lastSeq = UInt64(literal),
            let chain = document["chain"]?.stringValue
        else {
            throw .corruptSegment(path: path, line: 1, reason: "not an audit position file (version 1)")
        }
        return AuditPosition(lastSeq: lastSeq, chain: chain)
    }

    /// Atomic and durable (rename, fsync); a failure is only logged by the caller: the log is
    /// intact, the next checkpoint tries again.
    func save(to path: String) throws(DurableFile.Failure) {
        try DurableFile.replace(path, with: encoded(), mode: 0o600)
    }
}
