import ServiceLifecycle
/// Placeholder until the ColonyOS source lands (COLONIES-WIRING).
package struct ColoniesSource: Service {
    package func run() async throws {}
}
