#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints and flushes at once: the benchmarks that drive processes run for minutes, often
/// through a pipe.
func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// A release `beekeeper serve` for the benchmarks that drive the real binary.
enum BenchSidecar {
    /// The head every benchmark's configuration shares: data under `directory`, one key named
    /// `bench`, a clock skew wide enough for pre-signed requests, group-committed audit.
    static func configHead(directory: String, port: Int, publicKeyHex: String) -> String {
        """
        data_dir: \(directory)/data
        listen: 127.0.0.1:\(port)
        auth:
          keys: {bench: \(publicKeyHex)}
          clock_skew: 900s
        audit:
          fsync: batch

        """
    }

    /// Writes `config` to `<directory>/beekeeper.yaml`, starts `binary serve` on it (without the
    /// caller's `BEEKEEPER_` variables), and waits up to a minute until `/readyz` on `port`
    /// answers 200 and `ready` accepts its body; nil (the child killed, its log printed) otherwise.
    static func start(
        binary: String, config: String, directory: String, port: Int, label: String, ready: (String) -> Bool = { _ in true }
    ) -> ChildProcess? {
        let path = directory + "/beekeeper.yaml"
        ColoniesBenchmark.writeFile(config, to: path)
        guard let sidecar = ChildProcess(
            [binary, "serve", "--config", path], logPath: directory + "/sidecar.log",
            environment: ChildProcess.environment(without: "BEEKEEPER_"))
        else {
            say("\(label): cannot start \(binary)")
            return nil
        }
        for _ in 0..<600 {
            if let answer = LocalHTTP.get(port: port, path: "/readyz"), answer.status == 200, ready(answer.body) { return sidecar }
            if !sidecar.isRunning { break }
            usleep(100_000)
        }
        say("\(label): the sidecar did not get ready: \(LocalHTTP.get(port: port, path: "/readyz")?.body ?? "no answer")\n\(sidecar.log.suffix(4000))")
        sidecar.stop(signal: SIGKILL)
        return nil
    }
}
