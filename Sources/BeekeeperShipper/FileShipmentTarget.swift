#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging

/// `file:///dir/`: a durable copy into a directory (a mounted share, a second disk).
///
/// The copy goes to `.<name>.tmp` in the target directory, is fsynced, and is then published
/// under `<name>` with `link`, which (unlike `rename`) never replaces an existing file; the
/// directory is fsynced before the shipment counts as acknowledged. An object already present
/// under the name is compared by SHA-256: the same bytes are a re-send after a crash
/// (acknowledged), different bytes are a conflict that is never overwritten.
///
/// The directory itself is not created: a missing directory usually means a share that is not
/// mounted, and writing beneath its mount point would hide the segments from the collector.
public struct FileShipmentTarget: ShipmentTarget {
    public let directory: String
    private let logger: Logger

    public init(directory: String, logger: Logger) {
        var directory = directory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        self.directory = directory
        self.logger = logger
    }

    public var kind: String { "file" }
    public var description: String { "file://" + (directory == "/" ? "/" : directory + "/") }

    public func ship(_ shipment: Shipment) async throws(ShipmentError) {
        let directory = self.directory
        let logger = self.logger
        try await BlockingIO.run { (cancellation) throws(ShipmentError) in
            try Self.copy(shipment, into: directory, cancellation: cancellation, logger: logger)
        }
    }

    static func copy(_ shipment: Shipment, into directory: String, cancellation: BlockingIO.Cancellation?, logger: Logger) throws(ShipmentError) {
        guard SegmentFile.isDirectory(directory) else { throw .io(operation: "open target directory", path: directory, errno: ENOENT) }
        let final = directory + "/" + shipment.fileName
        let temporary = directory + "/." + shipment.fileName + ".tmp"
        if SegmentFile.exists(final) {
            try acknowledgeExisting(final, shipment: shipment, temporary: temporary, logger: logger)
            return
        }
        let published: Bool
        do throws(ShipmentError) {
            let copied = try SegmentFile.copy(from: shipment.path, to: temporary, cancellation: cancellation)
            guard copied == shipment.sha256 else { throw .changedWhileShipping(path: shipment.path) }
            try cancellation?.check()
            published = try publish(temporary, as: final)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        guard published else {
            // Someone published the name between our check and our link.
            try acknowledgeExisting(final, shipment: shipment, temporary: temporary, logger: logger)
            return
        }
        try SegmentFile.syncDirectory(directory)
    }

    /// The target already has an object of this name: the same bytes acknowledge the shipment.
    private static func acknowledgeExisting(_ final: String, shipment: Shipment, temporary: String, logger: Logger) throws(ShipmentError) {
        let existing = try SegmentFile.sha256(path: final)
        guard existing == shipment.sha256 else {
            throw .conflict(object: final, existingSHA256: existing, localSHA256: shipment.sha256)
        }
        // A crash between link and unlink can leave the temporary copy behind.
        _ = unlink(temporary)
        logger.info("audit segment already at the target with the same content", metadata: ["segment": "\(shipment.fileName)", "object": "\(final)"])
    }

    /// Gives `temporary` its final name without ever replacing an existing file; false when the
    /// name is already taken.
    private static func publish(_ temporary: String, as final: String) throws(ShipmentError) -> Bool {
        if link(temporary, final) == 0 {
            _ = unlink(temporary)
            return true
        }
        let code = errno
        if code == EEXIST { return false }
        // File systems without hard links (some FUSE and SMB mounts): check, then rename.
        guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EXDEV || code == EMLINK else {
            throw .io(operation: "link", path: final, errno: code)
        }
        if SegmentFile.exists(final) { return false }
        guard rename(temporary, final) == 0 else { throw .io(operation: "rename", path: final, errno: errno) }
        return true
    }
}
