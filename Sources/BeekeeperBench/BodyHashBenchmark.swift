import LibCrypto

/// `body-hash` (issue 13, item 4): what the signed-request path spends on SHA-256 of a 64 KiB
/// body that arrives in parts (4 KiB, as socket reads hand them over), before and after hashing
/// it as it arrives:
/// - before: the parts appended into one buffer, then the buffer hashed twice with libsodium's
///   SHA-256 (once for the signature check, once for the audit's payload digest);
/// - after: each part fed to OpenSSL's incremental SHA-256 as it is appended, the one digest used
///   for both;
/// - and, to separate the two effects, the buffer hashed once after the fact by OpenSSL.
struct BodyHashBenchmark {
    static let name = "body-hash"
    let context: BenchContext

    func run() -> [ResultRow] {
        var random = RandomSource(seed: 13)
        let body = (0..<(64 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let parts = stride(from: 0, to: body.count, by: 4096).map { Array(body[$0..<min(body.count, $0 + 4096)]) }
        let expected = SHA256.hash(body)
        func assemble() -> [UInt8] {
            var buffer: [UInt8] = []
            for part in parts { buffer.append(contentsOf: part) }
            return buffer
        }
        precondition(SodiumDigest.sha256(assemble()) == expected, "body-hash: libsodium and OpenSSL disagree")
        let cases: [(String, () -> Void)] = [
            ("before: buffer, then libsodium SHA-256 twice", {
                let buffer = assemble()
                blackHole(SodiumDigest.sha256(buffer))
                blackHole(SodiumDigest.sha256(buffer))
            }),
            ("buffer, then OpenSSL SHA-256 once", {
                blackHole(SHA256.hash(assemble()))
            }),
            ("after: OpenSSL SHA-256 part by part as the buffer fills", {
                var buffer: [UInt8] = []
                let hasher = SHA256.Hasher()
                for part in parts {
                    part.withUnsafeBytes { hasher.update($0) }
                    buffer.append(contentsOf: part)
                }
                blackHole(buffer)
                blackHole(hasher.finalize())
            }),
        ]
        var rows: [ResultRow] = []
        var medians: [Double] = []
        for (label, body) in cases {
            let result = context.micro(body)
            let micro = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e3 })
            medians.append(micro.median)
            let row = ResultRow(
                Self.name, "64 KiB in 16 parts, \(label)", ops: result.operationsPerBatch, summary: micro, unit: "µs/body",
                extra: "\(Format.number(Double(64 << 10) / micro.median)) MB/s" + (medians.count > 1 ? "; \(Format.number(medians[0] / micro.median))× the first case" : ""))
            row.print()
            rows.append(row)
        }
        return rows
    }
}
