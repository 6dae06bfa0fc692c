import BeekeeperCore
import Curl
import Foundation
import Synchronization
import Testing

/// `/metrics` of a live sidecar judged by promtool and prometheus_client's text and OpenMetrics
/// parsers, during and after a known load; and label values that try to break the format.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct MetricsExpositionTests {
    /// One request of the load and what it must come to.
    struct Job: Sendable {
        var task: JSONValue
        var status: Int
        var bee: String
        var funcname: String
        var outcome: String
    }

    static let validEvent: JSONValue = [
        "id": "evt_1", "type": "invoice.paid",
        "data": ["object": ["amount_paid": 4200, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "gold"]]],
    ]
    static let platinumEvent: JSONValue = [
        "id": "evt_2", "type": "invoice.paid",
        "data": ["object": ["amount_paid": 1, "currency": "EUR", "metadata": ["userId": "8d0f7a52-3f6b-4a8e-9c1d-2b5e6f7a8b9c", "tier": "platinum"]]],
    ]
    static let notRevenueEvent: JSONValue = ["type": "customer.created", "data": ["object": ["metadata": ["tier": "gold"]]]]
    static let hostileArguments: [JSONValue] = ["x'; DROP TABLE users; --", "; rm -rf / #", "../../../../etc/passwd"]

    static let quantiles = ["0.5", "0.9", "0.95", "0.99"]

    static func loadConfig(keyHex: String, dataDir: String) -> String {
        SidecarProcess.standardConfig(
            keyHex: keyHex, dataDir: dataDir,
            extra: """
                metrics:
                  window: 5m
                  quantiles: [0.5, 0.9, 0.95, 0.99]
                """)
    }

    /// N echo, M fail, K pattern-blocked, L timed-out sleeps (1 s task timeout), and the worker bee's
    /// valid, invalid and rule-blocked events.
    static func jobs(directory: String) -> [Job] {
        var jobs: [Job] = []
        for index in 0..<36 {
            jobs.append(Job(task: ["id": .string("echo-\(index)"), "funcname": "echo", "args": [.number(index)]], status: 200, bee: "tester", funcname: "echo", outcome: "succeeded"))
        }
        for index in 0..<10 {
            jobs.append(Job(task: ["id": .string("fail-\(index)"), "funcname": "fail"], status: 502, bee: "tester", funcname: "fail", outcome: "failed"))
        }
        for index in 0..<9 {
            let argument = hostileArguments[index % hostileArguments.count]
            jobs.append(Job(task: ["id": .string("blocked-\(index)"), "funcname": "echo", "args": [argument]], status: 422, bee: "tester", funcname: "echo", outcome: "blocked"))
        }
        for index in 0..<3 {
            jobs.append(Job(
                task: ["id": .string("sleep-\(index)"), "funcname": "sleep", "kwargs": ["pidfile": .string(directory + "/sleep-\(index).pids"), "seconds": 30], "timeout": 1],
                status: 504, bee: "tester", funcname: "sleep", outcome: "timed_out"))
        }
        for index in 0..<8 {
            jobs.append(Job(task: ["id": .string("rev-\(index)"), "funcname": "validate_revenue", "args": [validEvent]], status: 200, bee: "finance", funcname: "validate_revenue", outcome: "succeeded"))
        }
        for index in 0..<3 {
            jobs.append(Job(task: ["id": .string("norev-\(index)"), "funcname": "validate_revenue", "args": [notRevenueEvent]], status: 502, bee: "finance", funcname: "validate_revenue", outcome: "failed"))
        }
        for index in 0..<3 {
            jobs.append(Job(task: ["id": .string("platinum-\(index)"), "funcname": "validate_revenue", "args": [platinumEvent]], status: 422, bee: "finance", funcname: "validate_revenue", outcome: "blocked"))
        }
        return jobs
    }

    final class LoadState: Sendable {
        let done = Atomic<Bool>(false)
    }

    struct ScrapeLog {
        var textScrapes = 0
        var openMetricsScrapes = 0
        var sawTasksInFlight = false
        var problems: [String] = []
        /// Family order of every text scrape: it must not change from one scrape to the next.
        var familyOrders: [[String]] = []

        var orderProblems: [String] {
            guard let last = familyOrders.last else { return ["no scrape"] }
            return familyOrders.compactMap { order in
                let common = order.filter(last.contains)
                return common == last.filter(order.contains) ? nil : "family order changed: \(order) vs \(last)"
            }
        }
    }

    @Test func liveSidecarUnderLoadExposesExactCounts() async throws {
        guard MetricsTools.available() else { return }
        let sidecar = try await SidecarProcess(config: Self.loadConfig)
        let jobs = Self.jobs(directory: sidecar.directory).shuffled()
        let state = LoadState()

        // The load: 12 concurrent clients working through the shuffled jobs.
        let clients = 12
        let load = Task { () throws -> [(Job, SidecarProcess.TaskAnswer)] in
            defer { state.done.store(true, ordering: .sequentiallyConsistent) }
            return try await withThrowingTaskGroup(of: [(Job, SidecarProcess.TaskAnswer)].self) { group in
                for client in 0..<clients {
                    let mine = stride(from: client, to: jobs.count, by: clients).map { jobs[$0] }
                    group.addTask {
                        var answers: [(Job, SidecarProcess.TaskAnswer)] = []
                        for job in mine { answers.append((job, try await sidecar.submit(job.task))) }
                        return answers
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }

        // A light watcher proves the scrapes overlap the load: the judged scrapes below run
        // promtool and two parsers each, and on a loaded machine may only bracket the load.
        let watcher = Task { () -> (sawBusy: Bool, scrapes: Int) in
            var scrapes = 0
            while !state.done.load(ordering: .sequentiallyConsistent) {
                guard let response = try? await sidecar.get("/metrics") else { continue }
                scrapes += 1
                let busy = String(decoding: response.body, as: UTF8.self).split(separator: "\n").contains { line in
                    line.hasPrefix("beekeeper_tasks_in_flight{") && (Double(line.split(separator: " ").last ?? "") ?? 0) > 0
                }
                if busy { return (true, scrapes) }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return (false, scrapes)
        }

        // Scrapes while the load runs (at least three of each format): each must pass every judge.
        var log = ScrapeLog()
        while !state.done.load(ordering: .sequentiallyConsistent) || log.textScrapes < 3 {
            try await checkTextScrape(sidecar, log: &log)
            try await checkOpenMetricsScrape(sidecar, log: &log)
        }
        let answers = try await load.value
        #expect(log.problems.isEmpty, "scrapes under load: \(log.problems.joined(separator: "\n"))")
        let watched = await watcher.value
        #expect(log.sawTasksInFlight || watched.sawBusy, "no scrape saw a task in flight: the scrapes did not overlap the load")

        // Every answer is the one its job calls for; the blocked ones name their reason.
        var blockedReasons: [String: Int] = [:]
        for (job, answer) in answers {
            #expect(answer.status == job.status, "\(job.task.serialized()) answered \(answer.status): \(answer.body.serialized())")
            #expect(answer.body["outcome"]?.stringValue == job.outcome, "\(job.task.serialized()): \(answer.body.serialized())")
            if job.outcome == "blocked", let reason = answer.body["reason"]?.stringValue { blockedReasons[reason, default: 0] += 1 }
        }
        #expect(blockedReasons.values.reduce(0, +) == jobs.filter { $0.outcome == "blocked" }.count)
        #expect(blockedReasons["rule:args.0.data.object.metadata.tier:one_of"] == 3)
        #expect(blockedReasons.keys.filter { $0.hasPrefix("pattern:") }.count >= 2, "the hostile arguments should hit different patterns: \(blockedReasons)")

        // The final exposition, in both formats, against what was sent.
        let scrapesBefore = log.textScrapes + log.openMetricsScrapes + watched.scrapes
        let text = try await sidecar.scrape()
        #expect(text.status == 200)
        #expect(try MetricsTools.promtoolProblems(text.body) == nil)
        let parsedText = try MetricsTools.parse(text.body, openMetrics: false)
        log.familyOrders.append(parsedText.families.map(\.name))
        #expect(log.orderProblems == [], "output order is not stable")
        let openMetrics = try await sidecar.scrape(openMetrics: true)
        #expect(openMetrics.status == 200)
        #expect(openMetrics.header("Content-Type")?.hasPrefix("application/openmetrics-text; version=1.0.0") == true)
        #expect(String(decoding: openMetrics.body, as: UTF8.self).hasSuffix("\n# EOF\n"))
        let parsedOpenMetrics = try MetricsTools.parse(openMetrics.body, openMetrics: true)

        let stats = try JSONValue.parse(try await sidecar.get("/v1/stats").body)
        for (parsed, format) in [(parsedText, "text"), (parsedOpenMetrics, "OpenMetrics")] {
            verifyFinal(parsed, format: format, jobs: jobs, blockedReasons: blockedReasons)
            #expect(
                MetricsSpec.problems(raw: String(decoding: format == "text" ? text.body : openMetrics.body, as: UTF8.self), parsed: parsed, openMetrics: format != "text") == [])
        }
        // Every /metrics request before the last one, counted by handler and code.
        #expect(parsedText.value("beekeeper_http_requests_total", ["handler": "/metrics", "code": "200"]) == Double(scrapesBefore))
        #expect(try GuardianCounts(stats: stats) == GuardianCounts(metrics: parsedText))
        // Every task's id stays replayable and every signed request's nonce is remembered; the
        // scrapes and /v1/stats are not signed.
        #expect(parsedText.value("beekeeper_idempotency_ids") == Double(jobs.count))
        #expect(parsedText.value("beekeeper_auth_nonces") == Double(jobs.count))
        // The journal gauge is the file's size: every outcome's line is in it before its answer.
        let journalSize = try #require(FileManager.default.attributesOfItem(atPath: sidecar.dataDir + "/state/idempotency.jsonl")[.size] as? Int)
        #expect(journalSize > 0 && parsedText.value("beekeeper_idempotency_journal_bytes") == Double(journalSize))
        // /v1/stats tells the same window story as the gauges.
        #expect(stats["windows"]?.arrayValue?.count == 4)
        for window in stats["windows"]?.arrayValue ?? [] {
            let labels = ["bee": window["bee"]?.stringValue ?? "", "funcname": window["funcname"]?.stringValue ?? ""]
            let executed = jobs.filter { $0.bee == labels["bee"] && $0.funcname == labels["funcname"] && $0.outcome != "blocked" }.count
            #expect(window["count"]?.intValue == executed, "window \(labels)")
            #expect(window["error_ratio"]?.doubleValue == parsedText.value("beekeeper_task_error_ratio", labels), "window \(labels)")
        }
    }

    func checkTextScrape(_ sidecar: SidecarProcess, log: inout ScrapeLog) async throws {
        let scrape = try await sidecar.scrape()
        log.textScrapes += 1
        guard scrape.status == 200 else { return log.problems.append("text scrape answered \(scrape.status)") }
        if scrape.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") != true {
            log.problems.append("text scrape Content-Type \(scrape.header("Content-Type") ?? "none")")
        }
        if let problems = try MetricsTools.promtoolProblems(scrape.body) { log.problems.append(problems) }
        do {
            let parsed = try MetricsTools.parse(scrape.body, openMetrics: false)
            if (parsed.value("beekeeper_tasks_in_flight", ["bee": "tester"]) ?? 0) > 0 { log.sawTasksInFlight = true }
            log.familyOrders.append(parsed.families.map(\.name))
            log.problems += MetricsSpec.histogramProblems(parsed, family: "beekeeper_task_duration_seconds")
            log.problems += MetricsSpec.problems(raw: String(decoding: scrape.body, as: UTF8.self), parsed: parsed, openMetrics: false)
                .filter { !$0.contains("is missing") }  // before the first task some families have no series yet
        } catch {
            log.problems.append("\(error)")
        }
    }

    func checkOpenMetricsScrape(_ sidecar: SidecarProcess, log: inout ScrapeLog) async throws {
        let scrape = try await sidecar.scrape(openMetrics: true)
        log.openMetricsScrapes += 1
        guard scrape.status == 200 else { return log.problems.append("OpenMetrics scrape answered \(scrape.status)") }
        if scrape.header("Content-Type")?.hasPrefix("application/openmetrics-text; version=1.0.0") != true {
            log.problems.append("OpenMetrics scrape Content-Type \(scrape.header("Content-Type") ?? "none")")
        }
        let body = String(decoding: scrape.body, as: UTF8.self)
        if !body.hasSuffix("\n# EOF\n") || body.components(separatedBy: "# EOF").count != 2 {
            log.problems.append("OpenMetrics scrape does not end with exactly one # EOF line")
        }
        do {
            let parsed = try MetricsTools.parse(scrape.body, openMetrics: true)
            log.problems += MetricsSpec.histogramProblems(parsed, family: "beekeeper_task_duration_seconds")
        } catch {
            log.problems.append("\(error)")
        }
    }

    func verifyFinal(_ parsed: ParsedExposition, format: String, jobs: [Job], blockedReasons: [String: Int]) {
        // beekeeper_tasks_total: exactly the series sent, with exactly their counts.
        var expectedTasks: [[String: String]: Int] = [:]
        for job in jobs { expectedTasks[["bee": job.bee, "funcname": job.funcname, "outcome": job.outcome], default: 0] += 1 }
        var servedTasks: [[String: String]: Int] = [:]
        for sample in parsed.samples("beekeeper_tasks_total") where sample.value != 0 { servedTasks[sample.labels] = Int(sample.value) }
        #expect(servedTasks == expectedTasks, "\(format): beekeeper_tasks_total")

        // Per executed series: histogram, summary, window gauges.
        let executedSeries = Set(jobs.filter { $0.outcome != "blocked" }.map { [$0.bee, $0.funcname] })
        for series in executedSeries {
            let labels = ["bee": series[0], "funcname": series[1]]
            let executed = jobs.filter { [$0.bee, $0.funcname] == series && $0.outcome != "blocked" }
            let unsuccessful = executed.filter { $0.outcome != "succeeded" }.count
            #expect(parsed.value("beekeeper_task_duration_seconds_count", labels) == Double(executed.count), "\(format): duration count \(labels)")
            #expect(parsed.value("beekeeper_task_duration_seconds_bucket", labels.merging(["le": "+Inf"]) { $1 }) == Double(executed.count), "\(format): +Inf bucket \(labels)")
            #expect(parsed.value("beekeeper_task_latency_seconds_count", labels) == Double(executed.count), "\(format): latency count \(labels)")
            let quantileSamples = parsed.samples("beekeeper_task_latency_seconds", matching: labels)
            #expect(quantileSamples.compactMap { $0.labels["quantile"] }.sorted() == Self.quantiles, "\(format): quantiles of \(labels)")
            let values = Self.quantiles.compactMap { q in quantileSamples.first { $0.labels["quantile"] == q }?.value }
            #expect(values.count == 4 && values.allSatisfy { !$0.isNaN && $0 >= 0 }, "\(format): quantile values \(values) of \(labels)")
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "\(format): quantiles out of order \(values) for \(labels)")
            #expect((parsed.value("beekeeper_task_throughput_per_second", labels) ?? 0) > 0, "\(format): throughput of \(labels)")
            let ratio = parsed.value("beekeeper_task_error_ratio", labels) ?? -1
            #expect(abs(ratio - Double(unsuccessful) / Double(executed.count)) < 1e-12, "\(format): error ratio \(ratio) of \(labels)")
            if series[1] == "sleep" {
                // Each sleep ran into its 1 s timeout: no quantile can be shorter than that.
                #expect((values.first ?? 0) >= 0.95, "\(format): sleep quantiles \(values) are shorter than the 1s timeout")
                #expect((parsed.value("beekeeper_task_duration_seconds_sum", labels) ?? 0) >= 0.95 * Double(executed.count))
            }
        }
        #expect(MetricsSpec.histogramProblems(parsed, family: "beekeeper_task_duration_seconds") == [], "\(format)")
        #expect(MetricsSpec.histogramProblems(parsed, family: "beekeeper_audit_fsync_duration_seconds") == [], "\(format)")
        // A histogram series for every configured bee/funcname (zero until it runs: rate() needs the
        // zero to see the first task), and none for unknown combinations.
        let configuredSeries: Set<[String]> = [
            ["tester", "echo"], ["tester", "fail"], ["tester", "flaky"], ["tester", "sleep"], ["tester", "slow"],
            ["queue", "queued"], ["finance", "validate_revenue"],
        ]
        let histogramCounts = parsed.samples("beekeeper_task_duration_seconds_count")
        #expect(Set(histogramCounts.map { [$0.labels["bee"] ?? "", $0.labels["funcname"] ?? ""] }) == configuredSeries, "\(format)")
        for sample in histogramCounts where !executedSeries.contains([sample.labels["bee"] ?? "", sample.labels["funcname"] ?? ""]) {
            #expect(sample.value == 0, "\(format): \(sample) never ran")
        }
        // Task counters start at zero for every configured bee/funcname and outcome.
        let configuredCounters = parsed.samples("beekeeper_tasks_total").filter { configuredSeries.contains([$0.labels["bee"] ?? "", $0.labels["funcname"] ?? ""]) }
        #expect(Set(configuredCounters.map { $0.labels["outcome"] ?? "" }) == ["succeeded", "failed", "timed_out", "blocked", "rejected"], "\(format)")
        #expect(configuredCounters.count == configuredSeries.count * 5, "\(format)")

        // Guardian decisions, counted here since the directory is new.
        let approved = jobs.filter { $0.outcome != "blocked" }.count
        let guardian = try? GuardianCounts(metrics: parsed)
        #expect(guardian == GuardianCounts(approved: approved, blocked: blockedReasons), "\(format): guardian decisions")
        #expect(parsed.value("beekeeper_guardian_decisions_total", ["decision": "approved", "reason": ""]) == Double(approved), "\(format)")

        // Bees are up, and nothing is in flight any more.
        for bee in ["tester", "queue", "finance"] {
            #expect(parsed.value("beekeeper_bee_up", ["bee": bee]) == 1, "\(format): bee_up \(bee)")
            #expect(parsed.value("beekeeper_bee_restarts_total", ["bee": bee]) == 0, "\(format): restarts \(bee)")
        }
        #expect(parsed.sum("beekeeper_tasks_in_flight") == 0, "\(format): tasks still in flight")

        // HTTP answers to /v1/tasks by code.
        var codes: [String: Int] = [:]
        for job in jobs { codes[String(job.status), default: 0] += 1 }
        var servedCodes: [String: Int] = [:]
        for sample in parsed.samples("beekeeper_http_requests_total", matching: ["handler": "/v1/tasks"]) { servedCodes[sample.labels["code"] ?? "", default: 0] += Int(sample.value) }
        #expect(servedCodes == codes, "\(format): beekeeper_http_requests_total for /v1/tasks")

        // Audit records made durable, by type.
        let executed = jobs.filter { $0.outcome != "blocked" }.count
        for (type, count) in [
            ("task.received", jobs.count), ("task.approved", executed), ("task.blocked", jobs.count - executed), ("task.started", executed),
            ("task.succeeded", jobs.filter { $0.outcome == "succeeded" }.count), ("task.failed", jobs.filter { $0.outcome == "failed" }.count),
            ("task.timed_out", jobs.filter { $0.outcome == "timed_out" }.count), ("sidecar.started", 1),
        ] {
            #expect(parsed.value("beekeeper_audit_records_total", ["type": type]) == Double(count), "\(format): audit records of type \(type)")
        }
        let lastSeq = parsed.value("beekeeper_audit_last_seq") ?? 0
        #expect(lastSeq >= parsed.sum("beekeeper_audit_records_total"), "\(format): audit_last_seq \(lastSeq)")
        #expect(parsed.value("beekeeper_audit_write_errors_total").map { $0 == 0 } ?? true, "\(format): audit write errors")

        // Standard process metrics and build info.
        let now = Date().timeIntervalSince1970
        let started = parsed.value("process_start_time_seconds") ?? 0
        #expect(started > now - 3600 && started <= now + 1, "\(format): process_start_time_seconds \(started)")
        #expect((parsed.value("process_cpu_seconds_total") ?? 0) > 0, "\(format): process_cpu_seconds_total")
        #expect((parsed.value("process_resident_memory_bytes") ?? 0) > 1_048_576, "\(format): process_resident_memory_bytes")
        #expect((parsed.value("process_open_fds") ?? 0) > 2, "\(format): process_open_fds")
        let build = parsed.samples("beekeeper_build_info")
        #expect(build.count == 1 && build.first?.value == 1 && build.first?.labels["version"]?.isEmpty == false, "\(format): build_info \(build)")
    }

    // MARK: Content negotiation

    /// The Accept headers real scrapers send: Prometheus 2 and 3 prefer OpenMetrics; plain clients get 0.0.4.
    @Test(arguments: [
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true),
        ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,*/*;q=0.1", true),
        ("text/plain;version=0.0.4;q=1,*/*;q=0.1", false),
        ("*/*", false),
        ("application/json", false),
    ])
    func acceptHeaderPicksTheFormat(accept: String, openMetrics: Bool) async throws {
        guard MetricsTools.available() else { return }
        let sidecar = try await SidecarProcess()
        #expect(try await sidecar.submit(["funcname": "echo"]).status == 200)
        let scrape = try await sidecar.get("/metrics", headers: [("Accept", accept)])
        #expect(scrape.status == 200)
        let contentType = scrape.header("Content-Type") ?? ""
        let body = String(decoding: scrape.body, as: UTF8.self)
        if openMetrics {
            #expect(contentType.hasPrefix("application/openmetrics-text; version=1.0.0"), "\(accept) -> \(contentType)")
            #expect(body.hasSuffix("\n# EOF\n"))
        } else {
            #expect(contentType.hasPrefix("text/plain; version=0.0.4"), "\(accept) -> \(contentType)")
            #expect(!body.contains("# EOF"))
            #expect(try MetricsTools.promtoolProblems(scrape.body) == nil)
        }
        let parsed = try MetricsTools.parse(scrape.body, openMetrics: openMetrics)
        #expect(parsed.value("beekeeper_tasks_total", ["bee": "tester", "funcname": "echo", "outcome": "succeeded"]) == 1)
    }

    // MARK: Hostile names

    static let hostileBee = "we\"ird\\bee\nx é}=,{"
    static let hostileFuncname = "echo\"q\\\n}=,é ü\",outcome=\"pwned"
    static let hostilePatternID = "hostile\"id\\\né}=,"

    /// A YAML double-quoted scalar: backslash, quote and newline escaped, everything else as is.
    static func yamlQuoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    static func hostileConfig(keyHex: String, dataDir: String) -> String {
        """
        data_dir: \(dataDir)
        listen: 127.0.0.1:0
        auth:
          keys: {ops: \(keyHex)}
          clock_skew: 60s
        metrics:
          window: 5m
        bees:
          - name: \(yamlQuoted(hostileBee))
            funcnames: [\(yamlQuoted(hostileFuncname)), echo]
            kind: process
            command: [\(SidecarProcess.python), \(SidecarProcess.testBee)]
            concurrency: 2
            timeout: 10s
        guardian:
          patterns:
            - {id: \(yamlQuoted(hostilePatternID)), regex: FORBIDDEN}
        """
    }

    @Test func hostileBeeFuncnameAndReasonLabelsAreEscaped() async throws {
        guard MetricsTools.available() else { return }
        let sidecar = try await SidecarProcess(config: Self.hostileConfig)
        for index in 0..<3 {
            let answer = try await sidecar.submit(["id": .string("h-\(index)"), "funcname": .string(Self.hostileFuncname), "args": [.number(index)]])
            #expect(answer.status == 200, "\(answer.body.serialized())")
            #expect(answer.body.value(atPath: "result.task_id") == .string("h-\(index)"), "the bee did not echo: \(answer.body.serialized())")
        }
        for index in 0..<2 {
            let answer = try await sidecar.submit(["id": .string("hb-\(index)"), "funcname": .string(Self.hostileFuncname), "args": ["FORBIDDEN words"]])
            #expect(answer.status == 422)
            #expect(answer.body["reason"] == .string("pattern:" + Self.hostilePatternID))
        }
        #expect(try await sidecar.submit(["id": "plain", "funcname": "echo"]).status == 200)

        let text = try await sidecar.scrape()
        let openMetrics = try await sidecar.scrape(openMetrics: true)
        #expect(text.status == 200 && openMetrics.status == 200)
        #expect(try MetricsTools.promtoolProblems(text.body) == nil)
        #expect(String(decoding: openMetrics.body, as: UTF8.self).hasSuffix("\n# EOF\n"))
        let bee = Self.hostileBee
        let funcname = Self.hostileFuncname
        for (format, body) in [("text", text.body), ("OpenMetrics", openMetrics.body)] {
            let parsed = try MetricsTools.parse(body, openMetrics: format == "OpenMetrics")
            #expect(parsed.value("beekeeper_tasks_total", ["bee": bee, "funcname": funcname, "outcome": "succeeded"]) == 3, "\(format)")
            #expect(parsed.value("beekeeper_tasks_total", ["bee": bee, "funcname": funcname, "outcome": "blocked"]) == 2, "\(format)")
            #expect(parsed.value("beekeeper_tasks_total", ["bee": bee, "funcname": "echo", "outcome": "succeeded"]) == 1, "\(format)")
            #expect(parsed.value("beekeeper_task_duration_seconds_count", ["bee": bee, "funcname": funcname]) == 3, "\(format)")
            #expect(parsed.value("beekeeper_task_duration_seconds_bucket", ["bee": bee, "funcname": funcname, "le": "+Inf"]) == 3, "\(format)")
            #expect(parsed.value("beekeeper_task_latency_seconds_count", ["bee": bee, "funcname": funcname]) == 3, "\(format)")
            #expect(parsed.samples("beekeeper_task_latency_seconds", matching: ["bee": bee, "funcname": funcname]).count == 4, "\(format)")
            #expect(parsed.value("beekeeper_task_error_ratio", ["bee": bee, "funcname": funcname]) == 0, "\(format)")
            #expect(parsed.value("beekeeper_bee_up", ["bee": bee]) == 1, "\(format)")
            #expect(parsed.value("beekeeper_tasks_in_flight", ["bee": bee]) == 0, "\(format)")
            #expect(parsed.value("beekeeper_guardian_decisions_total", ["decision": "blocked", "reason": "pattern:" + Self.hostilePatternID]) == 2, "\(format)")
            #expect(parsed.value("beekeeper_guardian_decisions_total", ["decision": "approved", "reason": ""]) == 4, "\(format)")
            // Nothing leaked out of a label value into a label of its own or into another series.
            #expect(parsed.samples.allSatisfy { $0.labels["outcome"] != "pwned" }, "\(format)")
            #expect(parsed.labelValues("beekeeper_bee_up", "bee") == [bee], "\(format)")
            #expect(parsed.labelValues("beekeeper_task_duration_seconds_count", "funcname") == [funcname, "echo"], "\(format)")
            #expect(MetricsSpec.problems(raw: String(decoding: body, as: UTF8.self), parsed: parsed, openMetrics: format == "OpenMetrics") == [], "\(format)")
        }
        // JSON escaping in /v1/stats and the audit log keeps the names too.
        let stats = try JSONValue.parse(try await sidecar.get("/v1/stats").body)
        let window = stats["windows"]?.arrayValue?.first { $0["funcname"] == .string(funcname) }
        #expect(window?["bee"] == .string(bee))
        #expect(window?["count"] == 3)
        #expect(stats.value(atPath: "guardian.blocked")?[("pattern:" + Self.hostilePatternID)] == 2)
        let succeeded = try sidecar.auditRecords(task: "h-0").last
        #expect(succeeded?["type"] == "task.succeeded")
        #expect(succeeded?["bee"] == .string(bee))
        #expect(succeeded?["funcname"] == .string(funcname))
    }
}
