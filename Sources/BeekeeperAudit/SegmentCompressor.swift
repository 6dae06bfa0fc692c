#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Sodium

/// Turns a sealed `audit-N.jsonl` into `audit-N.jsonl.gz`, crash-safely: compress to a temporary
/// name, fsync, check that it decompresses to the same bytes, rename, fsync the directory, and
/// only then remove the plain file. The gzip encoder follows `shipper.gzip_level` (SegmentEncoder). A crash at any point leaves either the plain file, or both
/// (the `.gz` complete), never a half `.gz` under the final name.
enum SegmentCompressor {
    struct Result: Sendable {
        var compressedPath: String
        var inputBytes: Int64
        var outputBytes: Int64
    }

    static func compress(plainPath: String, level: Int) throws(AuditError) -> Result {
        let compressedPath = plainPath + ".gz"
        let temporaryPath = compressedPath + AuditSegments.temporarySuffix
        let directory = POSIX.directoryName(of: plainPath)
        var inputBytes: Int64 = 0
        var outputBytes: Int64 = 0
        let digest: [UInt8]
        do throws(AuditError) {
            let input = try POSIX.open(plainPath, O_RDONLY)
            defer { POSIX.close(input) }
            let output = try POSIX.open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
            defer { POSIX.close(output) }
            let encoder: SegmentEncoder
            do {
                encoder = try SegmentEncoder(gzipLevel: level)
            } catch {
                throw AuditError.compressedSegment(path: temporaryPath, reason: error.description)
            }
            var hasher = SHA256()
            var chunk = [UInt8](repeating: 0, count: 256 * 1024)
            while true {
                let count = try POSIX.read(input, into: &chunk, path: plainPath)
                let compressed: [UInt8]
                do {
                    compressed = count == 0 ? try encoder.finish() : try encoder.compress(chunk[0..<count])
                } catch {
                    throw AuditError.compressedSegment(path: temporaryPath, reason: error.description)
                }
                if count > 0 {
                    hasher.update(chunk[0..<count])
                    inputBytes += Int64(count)
                }
                if !compressed.isEmpty {
                    try POSIX.writeAll(output, compressed, path: temporaryPath)
                    outputBytes += Int64(compressed.count)
                }
                if count == 0 { break }
            }
            digest = hasher.finalize()
            try POSIX.fullSync(output, path: temporaryPath)
        } catch {
            try? POSIX.unlink(temporaryPath)
            throw error
        }
        // Read back what reached the disk before the plain copy goes.
        do throws(AuditError) {
            let reader = try SegmentLineReader(path: temporaryPath, compressed: true)
            var hasher = SHA256()
            while let line = try reader.next() {
                hasher.update(line.bytes)
                if line.terminated { hasher.update([10]) }
            }
            guard hasher.finalize() == digest else {
                throw AuditError.compressedSegment(path: temporaryPath, reason: "compressed copy does not match the segment")
            }
        } catch {
            try? POSIX.unlink(temporaryPath)
            throw error
        }
        try POSIX.rename(temporaryPath, compressedPath)
        try POSIX.syncDirectory(directory)
        try POSIX.unlink(plainPath)
        try POSIX.syncDirectory(directory)
        return Result(compressedPath: compressedPath, inputBytes: inputBytes, outputBytes: outputBytes)
    }
}
