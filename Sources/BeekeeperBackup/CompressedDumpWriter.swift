import BeekeeperCore
import Sodium
import Zlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif


/// Streams a dump into a new gzip file: each chunk of input is compressed, the compressed bytes
/// hashed (SHA-256 of the file, as `sha256sum` reports it) and written at once, so memory stays
/// constant whatever the database's size. The file is created exclusively (mode 0600: dumps
/// hold all of a database's data) and fsynced by `finish`.
final class CompressedDumpWriter {
    let path: String
    private var descriptor: Int32
    private let deflater: Deflater
    // Optional so that `finish` can take it out: SHA256 is noncopyable and a class cannot consume a stored property.
    private var hasher: SHA256? = SHA256()
    private(set) var compressedBytes: Int64 = 0
    private(set) var uncompressedBytes: Int64 = 0

    init(path: String, level: Int = 6) throws(BackupError) {
        do {
            deflater = try Deflater(format: .gzip, level: level)
        } catch {
            throw BackupError(.storage, "cannot start compression: \(error)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("cannot create", path) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(BackupError) {
        uncompressedBytes += Int64(bytes.count)
        do {
            try deflater.compress(bytes) { chunk in try self.writeOut(chunk) }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.storage, "compression failed: \(error)")
        }
    }

    /// Writes the gzip trailer, fsyncs and closes. Returns the file's size and hex SHA-256.
    func finish() throws(BackupError) -> (size: Int64, sha256: String) {
        do {
            try deflater.finish { chunk in try self.writeOut(chunk) }
        } catch let error as BackupError {
            throw error
        } catch {
            throw BackupError(.storage, "compression failed: \(error)")
        }
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot fsync", path) }
        let closing = descriptor
        descriptor = -1
        guard close(closing) == 0 || errno == EINTR else { throw Self.failure("cannot close", path) }
        guard let hasher = hasher.take() else { throw BackupError(.storage, "\(path): finished twice") }
        return (compressedBytes, Hex.encode(hasher.finalize()))
    }

    /// Closes and deletes the file: nothing half-written stays behind.
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(path)
    }

    private func writeOut(_ chunk: UnsafeBufferPointer<UInt8>) throws(BackupError) {
        let raw = UnsafeRawBufferPointer(chunk)
        hasher?.update(raw)
        if let code = UnixIO.writeAll(descriptor, raw) { throw Self.failure("cannot write", path, errno: code) }
        compressedBytes += Int64(raw.count)
    }

    /// An errno as an operator reads it; a full disk says so first.
    static func failure(_ what: String, _ path: String, errno code: Int32 = errno) -> BackupError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return BackupError(.storage, "disk full: \(what) \(path): \(reason)")
        }
        return BackupError(.storage, "\(what) \(path): \(reason)")
    }
}
