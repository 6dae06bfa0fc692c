import Curl
import Foundation

/// A real nginx (Debian's nginx-light, WebDAV PUT) as a plain HTTP collector, in a prefix of its
/// own: configuration, pid, logs and temporary files under a scratch directory, no root needed.
final class NginxCollector: @unchecked Sendable {
    static let binary: String? = Requirements.which("nginx") ?? (FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : nil)

    let prefix: String
    var root: String { prefix + "/root" }
    let port: Int
    let process = Process()

    init(port: Int? = nil) async throws {
        guard let binary = Self.binary else { throw HarnessError("nginx is not installed (scripts/install-deps.sh installs nginx-light)") }
        prefix = NSTemporaryDirectory() + "beekeeper-nginx-" + UUID().uuidString.prefix(8).lowercased()
        for directory in [prefix + "/root", prefix + "/tmp"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.port = try port ?? ShipperHarness.freePort()
        // master_process off: one process that keeps our user (no switch to "nobody", which
        // could not write the scratch directory when the tests run as root).
        let conf = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log info;
            events { worker_connections 64; }
            http {
                access_log \(prefix)/access.log;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                client_max_body_size 256m;
                server {
                    listen 127.0.0.1:\(self.port);
                    root \(prefix)/root;
                    location / {
                        dav_methods PUT;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                    }
                }
            }

            """
        try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? Curl.perform(HTTPClientRequest(url: "http://127.0.0.1:\(self.port)/", timeout: .seconds(1)))) != nil { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
        stop()
        throw HarnessError("nginx did not start on port \(self.port):\n\(log)")
    }

    deinit {
        stop()
        if ProcessInfo.processInfo.environment["BEEKEEPER_TEST_KEEP_DIRS"] == nil { try? FileManager.default.removeItem(atPath: prefix) }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// PUT requests in the access log, in order: (path, status).
    func puts() -> [(path: String, status: Int)] {
        let log = (try? String(contentsOfFile: prefix + "/access.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            guard let request = line.firstRange(of: "\"PUT ") else { return nil }
            let rest = line[request.upperBound...]
            let path = rest.prefix(while: { $0 != " " })
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            let status = Int(rest[rest.index(after: close)...].split(separator: " ").first ?? "") ?? 0
            return (String(path), status)
        }
    }
}
