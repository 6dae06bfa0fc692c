public import BeekeeperConfig
package import BeekeeperAudit
import BeekeeperAuditPages
import BeekeeperAuth
import BeekeeperBackup
package import BeekeeperColoniesSource
import BeekeeperCore
import BeekeeperExecution
import BeekeeperGuardian
import BeekeeperMetrics
package import BeekeeperPipeline
import BeekeeperShipper
import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle
import Sodium
import Synchronization
import UnixSignals

/// Errors that stop the sidecar before it serves, with what to fix.
public struct SidecarStartupError: Error, CustomStringConvertible {
    public var description: String
}

/// The sidecar, assembled from its configuration: ``assemble(configuration:configSource:logger:)``
/// builds every part without starting anything (so routes can be exercised in process), and
/// ``run()`` starts the bees and runs every long-running part in one `ServiceGroup` until SIGTERM
/// or SIGINT.
public struct Sidecar: Sendable {
    let configuration: BeekeeperConfiguration
    let configSource: String?
    let logger: Logger
    package let audit: AuditLog
    package let pipeline: TaskPipeline
    let bees: [Bee]
    package let routes: HTTPRoutes
    let edge: EdgeLimits
    let guardianStats: GuardianStats
    let statsPath: String
    let shipper: Shipper?
    let backups: BackupRunner
    let backupScheduler: BackupScheduler?
    package let colonies: ColoniesSource?
    let reloader: ConfigReloader

    /// Assembles and runs the sidecar until a shutdown signal, then drains (SPEC section 2).
    /// `acceptAuditGap`: start even when the audit log holds fewer records than
    /// `state/audit-position.json` remembers, beginning with an `audit.gap` record.
    /// `firstRun`: what the built-in defaults added (the demo bee, the local key), so a reload
    /// without a file adds them again. `onListening`: called with the bound address once HTTP serves.
    public static func run(
        configuration: BeekeeperConfiguration, configSource: String?, logger: Logger, logSettings: LogSettings? = nil, acceptAuditGap: Bool = false,
        firstRun: FirstRun? = nil, onListening: (@Sendable (ListenAddress) -> Void)? = nil
    ) async throws {
        try await assemble(
            configuration: configuration, configSource: configSource, logger: logger, logSettings: logSettings, acceptAuditGap: acceptAuditGap,
            firstRun: firstRun
        ).run(onListening: onListening)
    }

    /// Opens the data directory and the audit log and builds every part; starts nothing.
    /// `logSettings`: what the process's log handler reads, for a reload to change (nil in tests).
    package static func assemble(
        configuration: BeekeeperConfiguration, configSource: String?, logger: Logger, logSettings: LogSettings? = nil,
        acceptAuditGap: Bool = false, firstRun: FirstRun? = nil
    ) async throws -> Sidecar {
        let stateDirectory = configuration.stateDirectory
        for directory in [configuration.dataDir, configuration.auditDirectory, stateDirectory] {
            do {
                try DurableFile.makeDirectories(directory)
            } catch {
                throw SidecarStartupError(description: "cannot create \(directory): \(error.message)")
            }
        }
        let signingKey = try KeyFile.loadOrCreate(at: configuration.signingKeyPath)
        let hmacKey = try SecretFile.loadOrCreate(at: stateDirectory + "/audit-hmac.key", byteCount: 32)

        // Checked before anything starts: an s3:// target without credentials must not get as far as serving.
        var shipmentTarget: (any ShipmentTarget)? = nil
        if let url = configuration.shipper.target {
            do {
                shipmentTarget = try ShipmentTargets.make(
                    url: url, timeout: configuration.shipper.timeout, environment: ProcessInfo.processInfo.environment, logger: logger)
            } catch {
                throw SidecarStartupError(description: error.description)
            }
        }
        // The audit log is opened before the shipper exists; a sealed segment nudges it once it does.
        let shipperNudge = ShipperNudge()

        let metrics = SidecarMetrics(configuration: configuration.metrics)
        let statsPath = stateDirectory + "/guardian-stats.json"
        let guardianStats = GuardianStats(snapshot: try GuardianStatsStore.load(from: statsPath) ?? .init())
        var auditOptions = AuditLogOptions(
            configuration.audit, gzipLevel: configuration.shipper.gzipLevel, fsyncObserver: { metrics.auditFsyncDuration.labels().observe($0.seconds) },
            commitObserver: { guardianStats.countCommitted($0) }, compressionObserver: { _ in shipperNudge.nudge() })
        auditOptions.positionFile = stateDirectory + "/audit-position.json"
        auditOptions.acceptGap = acceptAuditGap
        let audit: AuditLog
        do {
            audit = try await AuditLog(directory: configuration.auditDirectory, options: auditOptions, signingKey: signingKey, hmacKey: hmacKey, logger: logger)
        } catch {
            guard case .gap = error else { throw error }
            throw SidecarStartupError(
                description: error.description + ", or start with --accept-audit-gap to begin a new chain with an audit.gap record naming the gap")
        }
        try guardianStats.catchUp(auditDirectory: configuration.auditDirectory, logSeq: await audit.lastSeq, logger: logger)

        var knownFuncnames = Set<String>()
        for bee in configuration.bees { knownFuncnames.formUnion(bee.funcnames) }
        let guardian = try Guardian(configuration: configuration.guardian, knownFuncnames: knownFuncnames)
        let keys = try publicKeys(configuration.auth)
        let verifier = RequestVerifier(keys: keys, clockSkew: configuration.auth.clockSkew, now: { Int64(Date().timeIntervalSince1970) })

        let bearerToken = BearerToken(try BearerToken.load(file: configuration.metrics.bearerTokenFile))

        let bees = configuration.bees.map { Bee(configuration: $0, logger: logger) }
        // Idle bees show 0 in flight rather than no series at all.
        for bee in configuration.bees { metrics.tasksInFlight.labels(bee.name).set(0) }
        metrics.initializeTaskSeries(bees: configuration.bees.map { ($0.name, $0.funcnames) })
        let recorder = AuditRecorder(audit: audit, metrics: metrics, failClosed: configuration.audit.failClosed, logger: logger)
        let pipeline = TaskPipeline(
            recorder: recorder, guardian: guardian, bees: bees, idempotencyJournal: stateDirectory + "/idempotency.jsonl", logger: logger)
        // Read per scrape: a reload can bring patterns with reasons of their own.
        registerCollectors(
            metrics: metrics, bees: bees, stats: guardianStats, blockReasons: { pipeline.guardian.blockReasons },
            auditDirectory: configuration.auditDirectory)
        metrics.registry.collector("beekeeper_audit_last_seq", help: "Sequence number of the last durable audit record.", type: .gauge, labelNames: []) {
            [CollectedSample(labelValues: [], Double(recorder.lastDurableSeq))]
        }
        // What the sidecar's memory grows with besides the load (BENCHMARKS.md section 27).
        metrics.registry.collector(
            "beekeeper_idempotency_ids", help: "Task ids remembered for replay: running, or finished within 24 h.", type: .gauge, labelNames: []
        ) {
            [CollectedSample(labelValues: [], Double(pipeline.idempotency.rememberedIDs))]
        }
        metrics.registry.collector(
            "beekeeper_idempotency_journal_bytes",
            help: "Bytes in the idempotency journal's files (current and previous): about two days of outcomes at most; more means rotation is failing.",
            type: .gauge, labelNames: []
        ) {
            [CollectedSample(labelValues: [], Double(pipeline.idempotency.journalBytes))]
        }
        metrics.registry.collector(
            "beekeeper_auth_nonces", help: "Request nonces remembered against replay (for 2 x auth.clock_skew).", type: .gauge, labelNames: []
        ) {
            [CollectedSample(labelValues: [], Double(verifier.rememberedNonces))]
        }

        let shipper = shipmentTarget.map { target in
            Shipper(
                directory: configuration.auditDirectory, target: target,
                backoff: ShipperBackoff(initial: configuration.shipper.initialBackoff, maximum: configuration.shipper.maxBackoff),
                observer: ShipperReporter(metrics: metrics, pipeline: pipeline, target: target.description, logger: logger), logger: logger)
        }
        shipperNudge.attach(shipper)

        let backupEvents = BackupEvents(pipeline: pipeline, logger: logger)
        let backups = BackupRunner(
            configuration: configuration.backup, directory: configuration.backupDirectory, observer: backupEvents, logger: logger)
        backupEvents.registerSeries(databases: configuration.backup.databases.map(\.name), directory: backups.directory)
        let backupScheduler = try makeBackupScheduler(configuration: configuration, runner: backups, logger: logger)
        // Before anything can start a run: what a killed run left behind goes now.
        for path in backups.directory.removeLeftovers() {
            logger.notice("backup: removed a file an interrupted run left behind", metadata: ["path": "\(path)"])
        }

        var colonies: ColoniesSource? = nil
        if let section = configuration.colonies {
            do {
                colonies = try ColoniesSource.make(configuration: section, pipeline: pipeline, stateDirectory: stateDirectory, logger: logger)
            } catch {
                throw SidecarStartupError(description: error.description)
            }
        }
        var routes = HTTPRoutes(
            pipeline: pipeline, verifier: verifier, bees: bees, guardianStats: guardianStats, backups: backups, bearerToken: bearerToken,
            maxBodyBytes: configuration.guardian.maxPayloadBytes, windowSeconds: configuration.metrics.window.seconds,
            shipper: shipper, auditDirectory: configuration.auditDirectory)
        if let colonies { routes.coloniesDetail = { colonies.readinessDetail() } }
        let httpLimits = LiveHTTPLimits(
            edge: EdgeLimits(configuration: configuration.http, registry: metrics.registry),
            bodyBudget: BodyBudget(limit: configuration.http.maxBodyBytesInFlight),
            denials: DenialLedger(interval: configuration.http.deniedAuditInterval, registry: metrics.registry),
            rateLimiter: KeyRateLimiter(limit: configuration.auth.rateLimit.map(\.limit)))
        routes.rateLimiter = httpLimits.rateLimiter
        routes.bodyBudget = httpLimits.bodyBudget
        routes.denials = httpLimits.denials
        let edge = httpLimits.edge
        do {
            routes.auditPages = try AuditPages.forDataDirectory(configuration: configuration, stateDirectory: stateDirectory)
        } catch {
            throw SidecarStartupError(description: error.description)
        }
        let reloader = ConfigReloader(
            started: configuration, configSource: configSource,
            load: { try ConfigurationLoader.load(path: configSource, environment: ProcessInfo.processInfo.environment, firstRun: firstRun) },
            knownFuncnames: knownFuncnames, verifier: verifier, pipeline: pipeline, bearerToken: bearerToken, logSettings: logSettings,
            httpLimits: httpLimits, logger: logger)
        return Sidecar(
            configuration: configuration, configSource: configSource, logger: logger, audit: audit, pipeline: pipeline,
            bees: bees, routes: routes, edge: edge, guardianStats: guardianStats, statsPath: statsPath, shipper: shipper,
            backups: backups, backupScheduler: backupScheduler, colonies: colonies, reloader: reloader)
    }

    /// Starts the bee workers and writes `sidecar.started`.
    package func start() async throws {
        for bee in bees { await bee.start() }
        let listen = configuration.listen
        var fields: [JSONValue.Member] = [
            .init("version", .string(SidecarMetrics.version)), .init("pid", .number(Int(getpid()))),
            .init("listen", .string(listen.description)), .init("config", configSource.map { .string($0) } ?? .null),
            .init("bees", .array(configuration.bees.map { .string($0.name) })),
        ]
        if let colonies = configuration.colonies {
            fields.append(.init("colonies", ["server": .string(colonies.server), "colony": .string(colonies.colony), "executor": .string(colonies.executorName)]))
        }
        do {
            try await pipeline.record([AuditRecord(type: "sidecar.started", fields: fields)])
        } catch {
            // Workers are separate processes: never leave them behind when start-up fails.
            for bee in bees { await bee.shutdown() }
            throw error
        }
    }

    /// Stops what ``start()`` started and closes the audit log, for callers that do not ``run()``
    /// (in-process route tests).
    package func stop() async throws {
        for bee in bees { await bee.shutdown() }
        try await pipeline.record([AuditRecord(type: "sidecar.stopped", fields: [.init("reason", "stop")])])
        try await audit.close()
    }

    /// Runs every long-running part in one `ServiceGroup` until SIGTERM or SIGINT.
    public func run(onListening: (@Sendable (ListenAddress) -> Void)? = nil) async throws {
        try ListenProbe.check(configuration.listen)
        try await start()
        let listen = configuration.listen
        let logger = self.logger
        let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger)
        let edge = self.edge
        let app = Application(
            router: routes.makeRouter(),
            server: HTTPServerBuilder { responder in EdgeHTTP1Channel(responder: responder, limits: edge) },
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "beekeeper"),
            onServerRunning: { channel in
                // Tests and operators read the bound port from this line (listen port 0 picks one).
                let port = channel.localAddress?.port ?? listen.port
                logger.notice("beekeeper listening", metadata: ["address": "\(listen.host):\(port)"])
                notifier.notify("READY=1")
                onListening?(ListenAddress(host: listen.host, port: port))
            },
            logger: logger)

        // Shutdown runs in reverse: a running backup is stopped, HTTP stops taking work and drains,
        // the ColonyOS source stops assigning and drains (its reports sent), then bees, then stats,
        // then the shipper (an upload in flight is abandoned unmarked), then audit.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: AuditLogService(audit: audit, pipeline: pipeline, logger: logger)),
            // Stops after HTTP, so the last aggregate of denials is written before the audit log closes.
            .init(service: DenialAuditService(ledger: routes.denials!, pipeline: pipeline, logger: logger)),
            .init(service: AuditRetentionService(
                directory: configuration.auditDirectory, keepShipped: configuration.audit.keepShipped,
                interval: AuditRetentionService.interval(keepShipped: configuration.audit.keepShipped), logger: logger)),
        ]
        if let shipper { services.append(.init(service: shipper)) }
        services += [
            .init(service: GuardianStatsService(stats: guardianStats, path: statsPath, interval: configuration.guardian.persistInterval, logger: logger)),
            .init(service: BeeService(bees: bees, logger: logger)),
        ]
        if let colonies { services.append(.init(service: colonies)) }
        services += [
            .init(service: app),
            .init(service: BackupService(runner: backups, scheduler: backupScheduler)),
            .init(service: ConfigReloadService(reloader: reloader, logger: logger)),
            .init(service: SystemdNotifyService(notifier: notifier)),
        ]
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// `auth.keys` as public keys; a key that does not decode names itself.
    static func publicKeys(_ auth: AuthConfig) throws(SidecarStartupError) -> [String: Ed25519.PublicKey] {
        var keys: [String: Ed25519.PublicKey] = [:]
        for (name, hex) in auth.keys {
            do {
                keys[name] = try Ed25519.PublicKey(hex: hex)
            } catch {
                throw SidecarStartupError(description: "auth.keys.\(name): \(error)")
            }
        }
        return keys
    }

    static func makeBackupScheduler(configuration: BeekeeperConfiguration, runner: BackupRunner, logger: Logger) throws -> BackupScheduler? {
        let backup = configuration.backup
        guard backup.schedule != nil || backup.runOnStart else { return nil }
        var schedule: CronSchedule? = nil
        if let expression = backup.schedule {
            do {
                schedule = try CronSchedule(expression)
            } catch {
                throw SidecarStartupError(description: "backup.schedule: \(error)")
            }
        }
        guard let timeZone = TimeZone(identifier: backup.timezone) else {
            throw SidecarStartupError(description: "backup.timezone: unknown time zone \"\(backup.timezone)\"")
        }
        return BackupScheduler(
            schedule: schedule, timeZone: timeZone, runOnStart: backup.runOnStart,
            statePath: configuration.stateDirectory + "/backup-schedule.json", logger: logger
        ) { trigger in
            do throws(BackupError) {
                _ = try await runner.run(trigger: trigger)
            } catch {
                // Busy: a run asked for over HTTP is in progress and stands in for this one.
                logger.notice("backup: scheduled run skipped", metadata: ["trigger": "\(trigger.rawValue)", "reason": "\(error.message)"])
            }
        }
    }

    static func registerCollectors(
        metrics: SidecarMetrics, bees: [Bee], stats: GuardianStats, blockReasons: @escaping @Sendable () -> [String], auditDirectory: String
    ) {
        let registry = metrics.registry
        registry.collector("beekeeper_bee_up", help: "1 while the bee has a live worker (process bees: while serving).", type: .gauge, labelNames: ["bee"]) {
            bees.map { bee in
                let status = bee.status
                return CollectedSample(labelValues: [status.name], status.up ? 1 : 0)
            }
        }
        registry.collector("beekeeper_bee_restarts_total", help: "Worker processes restarted after they exited or misbehaved.", type: .counter, labelNames: ["bee"]) {
            bees.map { CollectedSample(labelValues: [$0.status.name], Double($0.status.restarts)) }
        }
        // The backlog is what the directory holds: sealed, compressed segments without a shipped marker.
        registry.collector("beekeeper_shipper_backlog_segments", help: "Sealed audit segments not yet shipped.", type: .gauge, labelNames: []) {
            [CollectedSample(labelValues: [], Double(AuditSegments.backlog(directory: auditDirectory).segments))]
        }
        registry.collector("beekeeper_shipper_backlog_bytes", help: "Bytes of sealed audit segments not yet shipped.", type: .gauge, labelNames: []) {
            [CollectedSample(labelValues: [], Double(AuditSegments.backlog(directory: auditDirectory).bytes))]
        }
        registry.collector(
            "beekeeper_guardian_decisions_total", help: "Guardian decisions since the data directory was created (persisted).",
            type: .counter, labelNames: ["decision", "reason"]
        ) {
            let snapshot = stats.snapshot()
            var samples = [CollectedSample(labelValues: ["approved", ""], Double(snapshot.approved))]
            // Reasons that have not blocked anything yet are exported as 0 (see initializeTaskSeries).
            let blocked = snapshot.blocked.merging(blockReasons().map { ($0, 0) }) { count, _ in count }
            for (reason, count) in blocked.sorted(by: { $0.key < $1.key }) {
                samples.append(CollectedSample(labelValues: ["blocked", reason], Double(count)))
            }
            return samples
        }
    }
}

extension AuditLogOptions {
    init(
        _ config: AuditConfig, gzipLevel: Int, fsyncObserver: @escaping @Sendable (Duration) -> Void,
        commitObserver: @escaping @Sendable ([(seq: UInt64, record: AuditRecord)]) -> Void,
        compressionObserver: (@Sendable (String) -> Void)? = nil
    ) {
        self.init(
            fsync: FsyncMode(rawValue: config.fsync.rawValue) ?? .batch, rotateBytes: config.rotateBytes,
            rotateAge: config.rotateAge, checkpointInterval: config.checkpointInterval, commitDelay: config.commitDelay, gzipLevel: max(1, gzipLevel),
            failClosed: config.failClosed, hmacFields: config.hmacFields, fsyncObserver: fsyncObserver,
            commitObserver: commitObserver, compressionObserver: compressionObserver)
    }
}

/// A random secret kept in a 0600 hex file, made on first use (the HMAC key for `hmac_fields`).
enum SecretFile {
    static func loadOrCreate(at path: String, byteCount: Int) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Hex.decode(text), bytes.count == byteCount else {
                throw SidecarStartupError(description: "\(path): expected \(byteCount) hex-encoded bytes")
            }
            return bytes
        }
        let bytes = Sodium.randomBytes(byteCount)
        do {
            try DurableFile.createExclusively(path, with: Array((Hex.encode(bytes) + "\n").utf8), mode: 0o600)
        } catch {
            throw SidecarStartupError(description: error.description)
        }
        return bytes
    }
}
