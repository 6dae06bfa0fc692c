#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import BeekeeperAudit
import BeekeeperConfig
public import Logging
import Synchronization

/// Writes each log event as exactly one line on standard error, as text or as a JSON object
/// (``LogSettings``). A newline inside a message or a value (a libpq error spans two lines) is
/// escaped, so line-based shippers never split an event.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let settings: LogSettings
    /// Set only when code sets `logger.logLevel` itself; otherwise the shared level rules.
    var localLevel: Logger.Level?

    public init(label: String, settings: LogSettings, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.settings = settings
        self.metadataProvider = metadataProvider
    }

    public var logLevel: Logger.Level {
        get { localLevel ?? settings.snapshot.level }
        set { localLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        // The audit log's own timestamp layout, so log lines and records line up.
        let timestamp = AuditTimestamp.format(microseconds: AuditTimestamp.nowMicroseconds())
        let line: String
        switch settings.snapshot.format {
        case .text: line = LogLine.text(timestamp: timestamp, level: event.level, label: label, message: "\(event.message)", metadata: merged, source: event.source)
        case .json: line = LogLine.json(timestamp: timestamp, level: event.level, message: "\(event.message)", metadata: merged)
        }
        StandardError.emit(line + "\n")
    }
}

/// One write per line under a lock, so lines from concurrent tasks never interleave.
enum StandardError {
    private static let lock = Mutex(())

    static func emit(_ text: String) {
        var bytes = Array(text.utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
