import BeekeeperBackup
import ServiceLifecycle

/// Runs the backup scheduler for the sidecar's life. It is the last service in the group, so it
/// stops first at shutdown: a running `pg_dump` or `psql` (scheduled or asked for over HTTP) is
/// terminated and its temporary file removed before the HTTP server drains and the audit log
/// closes, so the `backup.failed` record of the interrupted run still gets written.
struct BackupService: Service {
    let runner: BackupRunner
    let scheduler: BackupScheduler?

    func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                if let scheduler { await scheduler.run() }
                // Without a schedule (or once run_on_start is done), stay up so that shutdown
                // comes through here in order.
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
        } onGracefulShutdown: {
            runner.cancel()
        }
        runner.cancel()
        await runner.waitUntilIdle()
    }
}
