public import BeekeeperConfig
public import BeekeeperPipeline
import BeekeeperColonies
import BeekeeperMetrics
public import Logging

extension ColoniesSource {
    /// Builds the source from its configuration section: keys loaded and checked, the owed-reports
    /// journal opened under `stateDirectory`, the metric families registered. Starts nothing.
    public static func make(
        configuration: ColoniesConfig, pipeline: TaskPipeline, stateDirectory: String, logger: Logger
    ) throws(ColoniesStartupError) -> ColoniesSource {
        let identity = try ColoniesIdentity(configuredKeyFile: configuration.executorKeyFile, key: "colonies.executor_key_file")
        let colonyOwner = try configuration.colonyKeyFile.map { path throws(ColoniesStartupError) in
            try ColoniesIdentity(configuredKeyFile: path, key: "colonies.colony_key_file")
        }
        let metrics = ColoniesMetrics(registry: pipeline.metrics.registry)
        let client: ColoniesClient
        do {
            client = try ColoniesClient(
                server: configuration.server, colony: configuration.colony, identity: identity, logger: logger,
                observer: { msgtype, duration, _ in metrics.rpcDuration.labels(msgtype).observe(duration.seconds) })
        } catch {
            throw ColoniesStartupError(description: "colonies.server: \(error.description)")
        }
        let owed = try OwedReports(path: stateDirectory + "/colonies-owed.jsonl", logger: logger)
        return ColoniesSource(
            configuration: configuration, client: client, colonyOwner: colonyOwner, pipeline: pipeline, owed: owed, metrics: metrics,
            logger: logger)
    }
}

extension ColoniesConfig {
    /// The long poll in the protocol's unit (the configuration only accepts whole seconds >= 1).
    var assignTimeoutSeconds: Int { max(1, Int(assignTimeout.components.seconds)) }
}
