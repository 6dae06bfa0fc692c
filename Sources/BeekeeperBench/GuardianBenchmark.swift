import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian

/// `guardian-check`: one `Guardian.check` with the default patterns and SPEC's validate_revenue
/// rules, on a realistic Stripe event and on 64 KiB of prose; and, to show where the time goes,
/// the same checks without patterns and with each default pattern alone.
struct GuardianBenchmark {
    static let name = "guardian-check"
    let context: BenchContext

    static let revenueRules: [String: [GuardianConfig.FieldRule]] = [
        "validate_revenue": [
            .init(field: "args.0.data.object.metadata.userId", check: .uuid),
            .init(field: "args.0.data.object.metadata.tier", check: .oneOf(["bronze", "silver", "gold"])),
        ]
    ]

    func run() -> [ResultRow] {
        let event: JSONValue
        do {
            event = try JSONValue.parse(Fixtures.stripeEventBytes)
        } catch {
            fatalError("guardian-check: the Stripe fixture does not parse: \(error)")
        }
        let eventBody = JSONValue.object(["funcname": "validate_revenue", "args": .array([event])]).bytes
        let text = Fixtures.prose(bytes: 64 << 10)
        let textBody = JSONValue.object(["funcname": "summarize", "args": .array([.string(text)])]).bytes
        let cases: [(String, GuardianRequest)] = [
            (
                "Stripe invoice.paid, \(Fixtures.stripeEventBytes.count) B",
                GuardianRequest(funcname: "validate_revenue", args: .array([event]), payloadBytes: eventBody.count)
            ),
            (
                "64 KiB prose in one string arg",
                GuardianRequest(funcname: "summarize", args: .array([.string(text)]), payloadBytes: textBody.count)
            ),
        ]
        let full = Self.guardian(patterns: .builtIn)
        let none = Self.guardian(patterns: .custom([]))
        var rows: [ResultRow] = []
        for (label, request) in cases {
            let decision = full.check(request)
            let result = context.micro { blackHole(full.check(request)) }
            let micro = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e3 })
            rows.append(emit(ResultRow(
                Self.name, "\(label), default patterns + validate_revenue rules", ops: result.operationsPerBatch,
                summary: micro, unit: "µs/check",
                extra: "decision \(decision.reason.map { "blocked: \($0)" } ?? "approved"); "
                    + "\(Format.number(Double(request.payloadBytes) / micro.median)) MB/s of body")))

            let bare = context.micro { blackHole(none.check(request)) }
            rows.append(emit(ResultRow(
                Self.name, "\(label), no patterns (limits, depth, rules only)", ops: bare.operationsPerBatch,
                summary: Summary(bare.nanosecondsPerOp.sorted.map { $0 / 1e3 }), unit: "µs/check")))

            // Each default pattern alone: which regex costs what on this input.
            var parts: [String] = []
            for pattern in Guardian.defaultPatterns {
                let single = Self.guardian(patterns: .custom([pattern]))
                let cost = MicroBenchmark.measure(batches: 3, batchSeconds: context.quick ? 0.02 : 0.05) {
                    blackHole(single.check(request))
                }
                parts.append("\(pattern.id) \(Format.number(cost.nanosecondsPerOp.median / 1e3))")
            }
            print(
                "<!-- \(Self.name) \(label): µs per check with one default pattern alone (no-pattern check "
                    + "\(Format.number(bare.nanosecondsPerOp.median / 1e3)) µs): \(parts.joined(separator: ", ")) -->")
        }
        return rows
    }

    private static func guardian(patterns: GuardianConfig.Patterns) -> Guardian {
        var configuration = GuardianConfig()
        configuration.patterns = patterns
        configuration.rules = revenueRules
        do {
            return try Guardian(configuration: configuration, knownFuncnames: ["validate_revenue", "summarize"])
        } catch {
            fatalError("guardian-check: cannot build the Guardian: \(error)")
        }
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        return row
    }
}
