import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// How to spawn a bee's command: first element looked up in PATH unless it has a slash, and
/// always in a process group of its own, so signals reach everything the bee starts and never
/// the sidecar itself.
enum BeeCommand {
    static func configuration(for command: [String], killGrace: Duration) -> Configuration? {
        guard let program = command.first, !program.isEmpty else { return nil }
        var options = PlatformOptions()
        options.processGroupID = 0
        // Only used if our own task is cancelled mid-run; normal stops go through GroupTerminator.
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace)]
        return Configuration(
            executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(Array(command.dropFirst())),
            platformOptions: options
        )
    }
}
