import BeekeeperCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reports the Colonies server has not acknowledged yet, kept durably under `state/` so a restart
/// re-sends them: a report is written (and fdatasync'd) here before its first send, and marked
/// done once the server's answer is audited. Compacted on open.
///
/// Lines: `{"owe":PROCESS_ID,"report":{...}}` and `{"done":PROCESS_ID}`. A torn last line (a crash
/// mid-write) is skipped: an `owe` that did not reach the disk is found again as an orphan at
/// start; a `done` that did not is sent once more and answered "already" by the server.
actor OwedReports {
    private var owed: [String: ColoniesReport] = [:] {
        didSet { owedCount.store(owed.count, ordering: .relaxed) }
    }
    /// `owed.count`, readable without awaiting the actor (`/readyz`).
    private let owedCount = Atomic<Int>(0)
    private var order: [String] = []
    private let path: String
    private var fd: Int32 = -1
    private let logger: Logger

    init(path: String, logger: Logger) throws(ColoniesStartupError) {
        self.path = path
        self.logger = logger
        var owed: [String: ColoniesReport] = [:]
        var order: [String] = []
        let existing: [UInt8]?
        do {
            existing = try DurableFile.readFile(path)
        } catch {
            throw ColoniesStartupError(description: error.description)
        }
        if let bytes = existing {
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                guard let entry = try? JSONValue.parse(Array(line)) else { continue }
                if let id = entry["owe"]?.stringValue, let report = entry["report"].flatMap(ColoniesReport.init(json:)) {
                    if owed[id] == nil { order.append(id) }
                    owed[id] = report
                } else if let id = entry["done"]?.stringValue {
                    owed[id] = nil
                }
            }
        }
        order = order.filter { owed[$0] != nil }
        let kept = order.map { Self.oweLine($0, owed[$0]!) }.joined()
        do {
            try DurableFile.replace(path, with: Array(kept.utf8), mode: 0o600)
        } catch {
            throw ColoniesStartupError(description: error.description)
        }
        self.owed = owed
        owedCount.store(owed.count, ordering: .relaxed)  // no didSet in an initializer
        self.order = order
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd < 0 { throw ColoniesStartupError(description: "\(path): cannot open: \(String(cString: strerror(errno)))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// What the last run left owed, oldest first.
    var pending: [(processID: String, report: ColoniesReport)] { order.compactMap { id in owed[id].map { (id, $0) } } }

    nonisolated var count: Int { owedCount.load(ordering: .relaxed) }

    func contains(_ processID: String) -> Bool { owed[processID] != nil }

    /// Makes the report durable before it is sent. A failure to write is logged: the report is
    /// still sent, and only a crash before its acknowledgement would then lose it (the process
    /// is then failed as an orphan at the next start).
    func owe(_ processID: String, _ report: ColoniesReport) {
        if owed[processID] == nil { order.append(processID) }
        owed[processID] = report
        write(Self.oweLine(processID, report), sync: true)
    }

    /// The server's answer is audited: nothing more is owed.
    func settle(_ processID: String) {
        guard owed.removeValue(forKey: processID) != nil else { return }
        if order.count > 64, order.count > owed.count * 2 { order = order.filter { owed[$0] != nil } }
        write(JSONValue.object(["done": .string(processID)]).serialized() + "\n", sync: false)
    }

    private static func oweLine(_ id: String, _ report: ColoniesReport) -> String {
        JSONValue.object(["owe": .string(id), "report": report.json]).serialized() + "\n"
    }

    private func write(_ line: String, sync: Bool) {
        let ok = Array(line.utf8).withUnsafeBytes { UnixIO.writeAll(fd, $0) == nil } && (!sync || fdatasync(fd) == 0)
        if !ok {
            logger.error("could not write the owed ColonyOS reports journal", metadata: ["path": "\(path)", "errno": "\(errno)"])
        }
    }
}
