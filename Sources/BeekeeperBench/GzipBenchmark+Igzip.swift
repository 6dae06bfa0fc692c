import ISAL
import Zlib

extension GzipBenchmark {
    /// One compressor under test, fed the whole corpus in 256 KiB slices as sealing reads it.
    enum Codec {
        case zlib(level: Int)
        case igzip(level: Int)

        var label: String {
            switch self {
            case .zlib(let level): "zlib level \(level)"
            case .igzip(let level): "igzip level \(level)"
            }
        }

        /// Compresses `corpus` from memory; returns the compressed size (output only counted).
        func compressedSize(of corpus: [UInt8]) -> Int {
            var outputBytes = 0
            let slice = 256 * 1024
            do {
                switch self {
                case .zlib(let level):
                    let deflater = try Deflater(format: .gzip, level: level)
                    try corpus.withUnsafeBytes { raw in
                        for start in stride(from: 0, to: raw.count, by: slice) {
                            try deflater.compress(UnsafeRawBufferPointer(rebasing: raw[start..<min(raw.count, start + slice)])) {
                                outputBytes += $0.count
                            }
                        }
                    }
                    try deflater.finish { outputBytes += $0.count }
                case .igzip(let level):
                    let compressor = try IgzipCompressor(level: level)
                    for start in stride(from: 0, to: corpus.count, by: slice) {
                        try compressor.compress(corpus[start..<min(corpus.count, start + slice)]) { outputBytes += $0.count }
                    }
                    try compressor.finish { outputBytes += $0.count }
                }
            } catch {
                fatalError("gzip: \(label) failed: \(error)")
            }
            return outputBytes
        }
    }

    /// zlib 1/6/9 against igzip 0-3 on the same corpus, from memory on one thread: MB/s of input
    /// and ratio side by side. Each output is checked to decompress (zlib) to the corpus once.
    func compareCodecs(corpus: [UInt8]) -> [ResultRow] {
        let codecs: [Codec] = [.zlib(level: 1), .zlib(level: 6), .zlib(level: 9)] + IgzipCompressor.levels.map { .igzip(level: $0) }
        var rows: [ResultRow] = []
        for codec in codecs {
            verify(codec, corpus: corpus)
            var outputBytes = 0
            let repetitions: Int
            if case .zlib(9) = codec { repetitions = context.repetitions(3) } else { repetitions = context.repetitions(5) }
            let seconds = (0..<repetitions).map { _ in
                Double(Nanoseconds.measure { outputBytes = codec.compressedSize(of: corpus) }) / 1e9
            }
            let rates = Summary(seconds.map { Double(corpus.count) / 1e6 / $0 })
            let row = ResultRow(
                Self.name, "in memory, one core: \(codec.label), \(Format.bytes(Double(corpus.count))) of audit JSONL",
                ops: corpus.count, summary: rates, unit: "MB/s",
                extra: "ratio \(Format.number(Double(corpus.count) / Double(outputBytes))):1 (\(Format.bytes(Double(outputBytes))))")
            row.print()
            rows.append(row)
        }
        return rows
    }

    /// The codec's whole output inflates (with zlib) back to the corpus: a fast but wrong codec
    /// must not win the table.
    private func verify(_ codec: Codec, corpus: [UInt8]) {
        var compressed: [UInt8] = []
        do {
            switch codec {
            case .zlib(let level): compressed = try Gzip.compress(corpus, level: level)
            case .igzip(let level):
                let compressor = try IgzipCompressor(level: level)
                compressed = try compressor.compress(corpus) + compressor.finish()
            }
            let restored = try Gzip.decompress(compressed)
            precondition(restored == corpus, "gzip: \(codec.label) does not round-trip")
        } catch {
            fatalError("gzip: \(codec.label) verification failed: \(error)")
        }
    }
}
