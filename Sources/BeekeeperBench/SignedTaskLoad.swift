#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BeekeeperAuth
import BeekeeperCore
import Sodium

/// Signed `POST /v1/tasks` driven by wrk: every request Ed25519-signed (SPEC section 4) before
/// the timed window, each with its own nonce, replayed once by ``ColoniesScripts/wrkScript``
/// over `connections` keep-alive connections. Shared by `colonies` (phase B) and `http`.
struct SignedTaskLoad {
    static let wrkCandidates = ["/usr/bin/wrk", "/usr/local/bin/wrk"]
    static var wrk: String? { wrkCandidates.first { access($0, X_OK) == 0 } }

    var count: Int
    var connections = 64
    var threads = 2

    /// What wrk measured: answers, wall seconds, latency quantiles (µs) and failures.
    struct Result {
        var requests: Double
        var seconds: Double
        var p50Microseconds: Double
        var p99Microseconds: Double
        var non200: Double
        var socketErrors: Double
        var timeouts: Double

        var rate: Double { requests / seconds }

        var latencyText: String {
            "p50 \(Format.number(p50Microseconds / 1000)) ms, p99 \(Format.number(p99Microseconds / 1000)) ms"
        }

        var failureText: String? {
            guard non200 > 0 || socketErrors > 0 || timeouts > 0 else { return nil }
            return "\(Int(non200)) non-200, \(Int(socketErrors)) socket errors, \(Int(timeouts)) timeouts"
        }
    }

    /// Writes the pre-signed requests and wrk's script into `directory`. Spare requests cover the
    /// connections still in flight when a thread reaches its quota, so no nonce is sent twice.
    func prepare(directory: String, key: Ed25519.KeyPair) {
        let perThread = count / threads
        let timestamp = Int64(time(nil))
        var lines = ""
        for index in 0..<(perThread * threads + connections + 16 * threads) {
            let body = #"{"funcname":"echo","args":["bench",\#(index)]}"#
            let nonce = Hex.encode(Sodium.randomBytes(16))
            let signed = SignedRequest.canonicalString(
                method: "POST", path: "/v1/tasks", timestamp: timestamp, nonce: nonce, bodySHA256Hex: Hex.encode(SHA256.hash(Array(body.utf8))))
            lines += "\(nonce)\t\(timestamp)\t\(Base64.encode(key.signature(for: Array(signed.utf8))))\t\(body)\n"
        }
        ColoniesBenchmark.writeFile(lines, to: directory + "/requests.tsv")
        ColoniesBenchmark.writeFile(ColoniesScripts.wrkScript, to: directory + "/tasks.lua")
    }

    /// Runs the requests `prepare` wrote against `port`; nil (with wrk's log printed) on failure.
    func run(directory: String, port: Int) -> Result? {
        guard let wrk = Self.wrk else { return nil }
        let perThread = count / threads
        guard let load = ChildProcess(
            [
                wrk, "-t", String(threads), "-c", String(connections), "-d", "600s", "-T", "30s", "-s", directory + "/tasks.lua",
                "http://127.0.0.1:\(port)", "--", directory + "/requests.tsv", String(threads), String(perThread),
            ], logPath: directory + "/wrk.log", pipeStdout: true)
        else { return nil }
        var result: [Double] = []
        var threadsDone = 0
        while let line = load.readLine(timeout: 900) {
            if line == "thread-done" {
                threadsDone += 1
                // wrk's main thread sleeps out `-d` regardless of the threads stopping.
                if threadsDone == threads { kill(load.pid, SIGINT) }
            }
            if line.hasPrefix("wrk-result ") { result = line.split(separator: " ").dropFirst().compactMap { Double($0) } }
        }
        let exit = load.wait()
        guard exit == 0, result.count == 8 else {
            print("wrk failed (exit \(exit)): \(load.log)")
            return nil
        }
        return Result(
            requests: result[0], seconds: result[1] / 1e6, p50Microseconds: result[2], p99Microseconds: result[3],
            non200: result[4], socketErrors: result[5], timeouts: result[6])
    }

    /// Plain `GET path` at `connections` for `seconds` (wrk without a script); requests/s.
    func plainGetRate(port: Int, path: String, seconds: Int, directory: String) -> Double? {
        guard let wrk = Self.wrk else { return nil }
        let run = ChildProcess.run(
            [wrk, "-t", String(threads), "-c", String(connections), "-d", "\(seconds)s", "http://127.0.0.1:\(port)\(path)"],
            logPath: directory + "/wrk-get.log")
        guard run.status == 0 else { return nil }
        for line in run.output.split(separator: "\n") where line.hasPrefix("Requests/sec:") {
            return Double(line.dropFirst("Requests/sec:".count).trimmingSpaces())
        }
        return nil
    }
}
