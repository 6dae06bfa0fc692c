import Foundation

/// This running `beekeeper` binary, as an absolute path: the demo bee runs it as `demo-bee`, and
/// `serve` prints the `submit` lines with it when `beekeeper` on the PATH is another file or none.
enum SelfExecutable {
    static var path: String {
        // /proc/self/exe names the binary itself, whatever argv[0] or the PATH say.
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        let argument = CommandLine.arguments.first ?? "beekeeper"
        if argument.contains("/") {
            return URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        }
        return onPath("beekeeper", environment: ProcessInfo.processInfo.environment) ?? argument
    }

    /// How a user at this shell should invoke this binary: `beekeeper` when that resolves to it on
    /// the PATH, else its path (relative to the working directory when it lies below it).
    static func invocation(environment: [String: String]) -> String {
        let me = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if let found = onPath("beekeeper", environment: environment), URL(fileURLWithPath: found).resolvingSymlinksInPath().path == me {
            return "beekeeper"
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        if me.hasPrefix(cwd + "/") { return shellQuoted(String(me.dropFirst(cwd.count + 1))) }
        return shellQuoted(me)
    }

    static func onPath(_ name: String, environment: [String: String]) -> String? {
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A word for a POSIX shell: as it is when it holds only safe characters, else single-quoted.
    static func shellQuoted(_ word: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
