import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `guardian-check`: one `Guardian.check` with the default patterns and SPEC's validate_revenue
/// rules, on a realistic Stripe event and on 64 KiB of prose; and, to show where the time goes,
/// the same checks without patterns and with each default pattern alone. In the same run, the
/// Python baseline (`scripts/guardian-python-baseline.py`: the same patterns with `re` over the
/// same event) and the hostile quote-and-spaces body.
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
        // The engine before the literal prefilter (each pattern one PCRE2 pass over each string),
        // measured in the same run so that the ratio does not depend on the machine's load.
        let whole = Self.guardian(patterns: .builtIn, prefilter: false)
        // One literal that never occurs: collecting the strings and one scan each, no PCRE2. What
        // the default patterns cost beyond this is the matching itself.
        let floor = Self.guardian(patterns: .custom([GuardianConfig.Pattern(id: "floor", regex: "zqxjzqxj")]))
        var rows: [ResultRow] = []
        var stripeMedian: Double?
        for (label, request) in cases {
            // One row per Guardian: µs per check, median of the batches; `extra` sees the summary.
            func row(_ guardian: Guardian, _ what: String, extra: (Summary) -> String) -> Summary {
                let result = context.micro { blackHole(guardian.check(request)) }
                let summary = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e3 })
                rows.append(emit(ResultRow(
                    Self.name, "\(label), \(what)", ops: result.operationsPerBatch, summary: summary, unit: "µs/check",
                    extra: extra(summary))))
                return summary
            }
            func decision(_ guardian: Guardian) -> String { guardian.check(request).reason.map { "blocked: \($0)" } ?? "approved" }

            let micro = row(full, "default patterns + validate_revenue rules") { summary in
                "decision \(decision(full)); \(Format.number(Double(request.payloadBytes) / summary.median)) MB/s of body"
            }
            if stripeMedian == nil { stripeMedian = micro.median }
            let bareMicro = row(none, "no patterns (limits, depth, rules only)") { summary in
                "patterns cost \(Format.number(micro.median - summary.median)) µs of the prefiltered check"
            }
            _ = row(floor, "one literal that never occurs (string collection + scan, no PCRE2)") { summary in
                "default patterns cost \(Format.number(micro.median - summary.median)) µs beyond this"
            }
            _ = row(whole, "default patterns without the prefilter (PCRE2 per pattern)") { summary in
                "decision \(decision(whole)); prefilter \(Format.number(summary.median / micro.median))x faster; pattern cost "
                    + "\(Format.number((summary.median - bareMicro.median) / max(micro.median - bareMicro.median, 0.001)))x lower"
            }

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
                    + "\(Format.number(bareMicro.median)) µs): \(parts.joined(separator: ", ")) -->")
        }
        rows += hostileRows(full, label: "")
        rows += hostileRows(whole, label: " (without the prefilter)")
        if let python = Self.pythonBaseline(event: event), let stripeMedian {
            rows.append(emit(ResultRow(
                Self.name, "Python baseline: the same patterns with `re`, same Stripe event", ops: python.checks,
                median: python.microseconds, min: python.microseconds, max: python.microseconds, unit: "µs/check",
                extra: "Beekeeper \(Format.number(python.microseconds / stripeMedian))x faster in this run")))
        }
        return rows
    }

    /// Ten strings of a quote and 4,900 spaces (48 KiB), which took ICU 13 s; and a 1 MiB body
    /// dense with quote-and-spaces runs (the worst this pattern set knows of).
    private func hostileRows(_ guardian: Guardian, label suffix: String) -> [ResultRow] {
        var rows: [ResultRow] = []
        // Near misses: every default pattern's literals, many candidates, and no match.
        let nearMiss = "O'Brien and/or the rm 4 team; select a plan from the wiki (id 7) at ..docs or $5 (price) - "
            + "drop in churn, exec summary | sleep well & <b>bold</b> /etc is fine: javascript: 5 years. "
        for (label, strings, length, unit) in [
            ("hostile: 10 × (quote + 4,900 spaces), 48 KiB", 10, 4_900, "'"),
            ("hostile: 1 MiB of quote + 100 spaces runs in 100 strings", 100, 10_400, "'"),
            ("pattern-dense: 1 MiB of near-miss prose in 100 strings", 100, 10_400, nearMiss),
        ] {
            let run = unit.count > 1 ? unit : unit + String(repeating: " ", count: min(length, 100))
            let text = length <= 4_900 ? run + String(repeating: " ", count: length - 100) : String(repeating: run, count: length / run.utf8.count)
            let args = JSONValue.array((0..<strings).map { .string(text + "\($0)") })
            let request = GuardianRequest(funcname: "summarize", args: args, payloadBytes: strings * (text.utf8.count + 8))
            let decision = guardian.check(request)
            let result = MicroBenchmark.measure(batches: 3, batchSeconds: context.quick ? 0.05 : 0.2) { blackHole(guardian.check(request)) }
            let summary = Summary(result.nanosecondsPerOp.sorted.map { $0 / 1e6 })
            rows.append(emit(ResultRow(
                Self.name, label + suffix, ops: result.operationsPerBatch, summary: summary, unit: "ms/check",
                extra: "decision \(decision.reason.map { "blocked: \($0)" } ?? "approved"); \(request.payloadBytes) B")))
        }
        return rows
    }

    /// Runs `scripts/guardian-python-baseline.py` (found from the working directory) with the
    /// default patterns and `event`; nil when python3 or the script is missing.
    static func pythonBaseline(event: JSONValue) -> (microseconds: Double, checks: Int)? {
        let script = "scripts/guardian-python-baseline.py"
        guard access(script, R_OK) == 0 else {
            print("<!-- guardian-check: \(script) not found (run from the repository root); no Python baseline -->")
            return nil
        }
        let directory = "/tmp/beekeeper-bench-guardian-\(getpid())"
        mkdir(directory, 0o755)
        let patterns = JSONValue.array(Guardian.defaultPatterns.map { .object(["id": .string($0.id), "regex": .string($0.regex)]) })
        for (name, value) in [("patterns.json", patterns), ("event.json", event)] {
            let bytes = value.bytes
            let fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return nil }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        guard let pipe = popen("python3 \(script) \(directory)/patterns.json \(directory)/event.json", "r") else { return nil }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 256)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            output += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        guard pclose(pipe) == 0 else { return nil }
        let fields = output.split(separator: " ")
        guard fields.count == 2, let microseconds = Double(fields[0]), let checks = Int(fields[1].trimmingPrefix(" ").filter(\.isNumber)) else {
            return nil
        }
        return (microseconds, checks)
    }

    private static func guardian(patterns: GuardianConfig.Patterns, prefilter: Bool = true) -> Guardian {
        var configuration = GuardianConfig()
        configuration.patterns = patterns
        configuration.rules = revenueRules
        do {
            return try Guardian(configuration: configuration, knownFuncnames: ["validate_revenue", "summarize"], prefilter: prefilter)
        } catch {
            fatalError("guardian-check: cannot build the Guardian: \(error)")
        }
    }

    private func emit(_ row: ResultRow) -> ResultRow {
        row.print()
        return row
    }
}
