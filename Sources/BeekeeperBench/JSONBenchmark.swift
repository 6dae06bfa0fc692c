import BeekeeperCore

/// `json`: `JSONValue.parse` and `serialized()` of the Stripe event, of a 64 KiB array of them, and
/// of a task body whose one argument is 64 KiB of prose (what `POST /v1/guardian/check` reads).
struct JSONBenchmark {
    static let name = "json"
    let context: BenchContext

    func run() -> [ResultRow] {
        let single = Fixtures.stripeEventBytes
        let copies = (64 << 10) / (single.count + 1)
        let array = Array(("[" + Array(repeating: Fixtures.stripeInvoicePaid, count: copies).joined(separator: ",") + "]").utf8)
        let prose = JSONValue.object(["funcname": "summarize", "args": .array([.string(Fixtures.prose(bytes: 64 << 10))])]).bytes
        var rows: [ResultRow] = []
        for (label, bytes) in [
            ("Stripe event, \(single.count) B", single), ("array of \(copies) events, \(array.count) B", array),
            ("task body, 64 KiB prose in one string, \(prose.count) B", prose),
        ] {
            let value: JSONValue
            do {
                value = try JSONValue.parse(bytes)
            } catch {
                fatalError("json: fixture does not parse: \(error)")
            }
            precondition(value.bytes == bytes, "json: the fixture does not round-trip byte for byte")
            let measured: [(String, MicroBenchmark.Result)] = [
                ("parse", context.micro {
                    blackHole(try? JSONValue.parse(bytes))
                }),
                ("serialize", context.micro {
                    blackHole(value.serialized())
                }),
                ("parse + serialize", context.micro {
                    blackHole((try? JSONValue.parse(bytes))?.serialized())
                }),
            ]
            for (operation, result) in measured {
                let micro = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e3 })
                let row = ResultRow(
                    Self.name, "\(operation): \(label)", ops: result.operationsPerBatch, summary: micro, unit: "µs/op",
                    extra: "\(Format.number(Double(bytes.count) / micro.median)) MB/s")
                row.print()
                rows.append(row)
            }
        }
        return rows
    }
}
