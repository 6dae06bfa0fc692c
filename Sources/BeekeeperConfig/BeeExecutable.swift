#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a bee's `command[0]` names a program the sidecar can start, resolved as the spawn
/// resolves it: with a slash, that path (relative to the working directory); without, the first
/// match in PATH.
enum BeeExecutable {
    /// What is wrong with `program`, or nil when it resolves to an executable regular file.
    static func problem(_ program: String, searchPath: String) -> String? {
        if program.contains("/") {
            return problem(atPath: program).map { "\(ConfigDecoder.quote(program)) \($0)" }
        }
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            // An empty PATH entry is the working directory, as for execvp.
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            if problem(atPath: candidate) == nil { return nil }
        }
        return "\(ConfigDecoder.quote(program)) is not an executable found on PATH (\(searchPath.isEmpty ? "empty" : searchPath))"
    }

    private static func problem(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "does not exist" }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "is not a regular file" }
        guard access(path, X_OK) == 0 else { return "is not executable" }
        return nil
    }
}
