import Foundation
import Testing

/// A real HTTP server in a python3 child process, bound to 127.0.0.1 on a free port.
///
/// Every response echoes the request as JSON. Paths choose behaviour:
/// `/status/N` answers status N, `/sleep/S` waits S seconds first, `/bytes/N` answers N bytes
/// with a Content-Length, `/stream/N` answers N bytes without one (read until close).
final class EchoServer {
    static let script = #"""
    import http.server, json, sys, time

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = self.path.strip("/").split("/")
            status, payload, framed = 200, None, True
            if parts[0] == "status":
                status = int(parts[1])
            elif parts[0] == "sleep":
                time.sleep(float(parts[1]))
            elif parts[0] in ("bytes", "stream"):
                payload = b"x" * int(parts[1])
                framed = parts[0] == "bytes"
            if payload is None:
                payload = json.dumps({
                    "method": self.command,
                    "path": self.path,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body_hex": body.hex(),
                }).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Echo-Server", "yes")
            if framed:
                self.send_header("Content-Length", str(len(payload)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = handle_any

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static let python3: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Tests run when python3 exists, and always in CI, where a missing python3 must fail.
    static var shouldRun: Bool { python3 != nil || isCI }

    let port: Int
    private let process: Process
    private let directory: URL

    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init() throws {
        guard let python3 = Self.python3 else { throw ServerError("python3 not found in PATH (required in CI)") }
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent("curltests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let scriptURL = self.directory.appendingPathComponent("echo_server.py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)

        self.process = Process()
        self.process.executableURL = URL(fileURLWithPath: python3)
        self.process.arguments = ["-u", scriptURL.path]
        let output = Pipe()
        self.process.standardOutput = output
        try self.process.run()

        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += data
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(self.process.processIdentifier, SIGKILL)
            throw ServerError("echo server did not report its port")
        }
        self.port = port
    }

    deinit {
        if self.process.isRunning {
            // SIGKILL, not terminate(): the child may inherit an ignored SIGTERM from the test runner.
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the echo server saw.
struct Echo: Decodable {
    var method: String
    var path: String
    var headers: [[String]]
    var body_hex: String

    func header(_ name: String) -> String? {
        self.headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }

    var body: [UInt8] {
        var bytes: [UInt8] = []
        var iterator = self.body_hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    init(_ body: [UInt8]) throws {
        self = try JSONDecoder().decode(Echo.self, from: Data(body))
    }
}
