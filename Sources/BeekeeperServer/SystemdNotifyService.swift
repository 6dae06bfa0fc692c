import ServiceLifecycle

/// Tells systemd `STOPPING=1` as the drain begins. It is the last service of the group, so its
/// graceful shutdown is the first one triggered.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier

    func run() async throws {
        try? await gracefulShutdown()
        notifier.notify("STOPPING=1")
    }
}
