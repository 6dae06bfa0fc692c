import BeekeeperCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Persists Guardian stats under `state/` (SPEC section 6) as one small JSON document:
/// `{"version":1,"approved":N,"blocked":{"<reason>":N,...},"last_seq":N}`, reasons sorted.
///
/// One writer per path at a time (the sidecar's persister): concurrent saves would share the
/// `.tmp` file.
public enum GuardianStatsStore {
    static let formatVersion = 1

    /// Atomic replace: write `<path>.tmp`, fsync it, rename it over `path`, fsync the directory.
    /// After a crash the file holds either the old or the new snapshot, never a mix.
    public static func save(_ snapshot: GuardianStats.Snapshot, to path: String) throws(GuardianStatsStoreError) {
        do {
            try DurableFile.replace(path, with: Array(encode(snapshot).utf8))
        } catch {
            throw GuardianStatsStoreError(path: error.path, message: error.message)
        }
    }

    /// The saved snapshot; nil if the file does not exist. Throws if it cannot be read or is
    /// not a snapshot this version wrote: a corrupt state file must stop the start, never
    /// silently reset counters.
    public static func load(from path: String) throws(GuardianStatsStoreError) -> GuardianStats.Snapshot? {
        let bytes: [UInt8]
        do {
            guard let read = try DurableFile.readFile(path) else { return nil }
            bytes = read
        } catch {
            throw GuardianStatsStoreError(path: error.path, message: error.message)
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes, maxDepth: 8)
        } catch {
            throw GuardianStatsStoreError(path: path, message: "corrupt Guardian stats: \(error)")
        }
        return try decode(document, path: path)
    }

    static func encode(_ snapshot: GuardianStats.Snapshot) -> String {
        let blocked = snapshot.blocked.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, .number(String($0.value))) }
        let document = JSONValue.object([
            JSONValue.Member("version", .number(formatVersion)),
            JSONValue.Member("approved", .number(String(snapshot.approved))),
            JSONValue.Member("blocked", .object(blocked)),
            JSONValue.Member("last_seq", .number(String(snapshot.lastSeq))),
        ])
        return document.serialized() + "\n"
    }

    static func decode(_ document: JSONValue, path: String) throws(GuardianStatsStoreError) -> GuardianStats.Snapshot {
        func fail(_ message: String) -> GuardianStatsStoreError {
            GuardianStatsStoreError(path: path, message: "corrupt Guardian stats: \(message)")
        }
        func counter(_ value: JSONValue?, _ name: String) throws(GuardianStatsStoreError) -> UInt64 {
            guard let value else { throw fail("missing \"\(name)\"") }
            guard case .number(let literal) = value, let count = UInt64(literal) else {
                throw fail("\"\(name)\" is not a non-negative integer")
            }
            return count
        }
        guard case .object(let members) = document else { throw fail("not a JSON object") }
        let known: Set<String> = ["version", "approved", "blocked", "last_seq"]
        if let unknown = members.first(where: { !known.contains($0.key) }) { throw fail("unknown key \"\(unknown.key)\"") }
        let version = try counter(document["version"], "version")
        guard version == formatVersion else { throw fail("unsupported version \(version)") }
        guard case .object(let reasons)? = document["blocked"] else { throw fail("\"blocked\" is missing or not an object") }
        var blocked: [String: UInt64] = [:]
        for reason in reasons {
            guard blocked[reason.key] == nil else { throw fail("reason \"\(reason.key)\" appears twice") }
            blocked[reason.key] = try counter(reason.value, "blocked.\(reason.key)")
        }
        return GuardianStats.Snapshot(
            approved: try counter(document["approved"], "approved"),
            blocked: blocked,
            lastSeq: try counter(document["last_seq"], "last_seq")
        )
    }
}
