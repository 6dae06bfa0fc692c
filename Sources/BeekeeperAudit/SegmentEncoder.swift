import ISAL
import Zlib

/// The gzip encoder that seals a segment, chosen by `shipper.gzip_level` (1...9, SPEC default 6).
///
/// The level keeps its meaning as a dial from fastest (1) to smallest (9), but levels 1-6 are
/// served by ISA-L's igzip, which writes the same standard gzip several times faster than zlib at a
/// similar ratio, so sealing keeps pace with the fastest append rate on one core (BENCHMARKS.md
/// section 5). Levels 7-9 are an explicit request for the smallest output and stay on zlib:
///
/// | `gzip_level` | 1-2 | 3-4 | 5-6 | 7-9 |
/// | --- | --- | --- | --- | --- |
/// | encoder | igzip 1 | igzip 2 | igzip 3 | zlib 7-9 |
enum SegmentEncoder {
    case igzip(IgzipCompressor)
    case zlib(Deflater)

    /// What a `gzip_level` selects: the library and its own level.
    enum Choice: Equatable {
        case igzip(level: Int)
        case zlib(level: Int)
    }

    static func choice(forGzipLevel level: Int) -> Choice {
        switch level {
        case ...2: .igzip(level: 1)
        case 3...4: .igzip(level: 2)
        case 5...6: .igzip(level: 3)
        default: .zlib(level: min(level, 9))
        }
    }

    /// The encoder's failure, as text for `AuditError.compressedSegment`.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(gzipLevel: Int) throws(Failure) {
        switch Self.choice(forGzipLevel: gzipLevel) {
        case .igzip(let level):
            do { self = .igzip(try IgzipCompressor(level: level)) } catch { throw Failure(description: error.description) }
        case .zlib(let level):
            do { self = .zlib(try Deflater(format: .gzip, level: level)) } catch { throw Failure(description: error.description) }
        }
    }

    /// Compresses `input`; returns whatever compressed output is ready, often nothing.
    func compress(_ input: ArraySlice<UInt8>) throws(Failure) -> [UInt8] {
        switch self {
        case .igzip(let compressor):
            do { return try compressor.compress(input) } catch { throw Failure(description: error.description) }
        case .zlib(let deflater):
            do { return try deflater.compress(input) } catch { throw Failure(description: error.description) }
        }
    }

    /// The rest of the output and the gzip trailer.
    func finish() throws(Failure) -> [UInt8] {
        switch self {
        case .igzip(let compressor):
            do { return try compressor.finish() } catch { throw Failure(description: error.description) }
        case .zlib(let deflater):
            do { return try deflater.finish() } catch { throw Failure(description: error.description) }
        }
    }
}
