import Foundation
import Sodium
import Testing

/// A sidecar that cannot bind its address says which, exits 2 and leaves no trace of a start.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ListenFailureTests {
    /// A socket listening on a free loopback port, so the port is in use while it lives.
    final class Occupied {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.descriptor = descriptor
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0 && getsockname(descriptor, pointer, &length) == 0
                }
            }
            guard ok else { throw HarnessError("cannot occupy a port: errno \(errno)") }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    @Test func aPortInUseIsNamedExitsTwoAndWritesNoStartedRecord() throws {
        let occupied = try Occupied()
        let directory = NSTemporaryDirectory() + "beekeeper-it-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = SidecarProcess.standardConfig(keyHex: Ed25519.KeyPair.generate().publicKey.hex, dataDir: directory + "/data")
            .replacingOccurrences(of: "listen: 127.0.0.1:0", with: "listen: 127.0.0.1:\(occupied.port)")
        try config.write(toFile: directory + "/beekeeper.yaml", atomically: true, encoding: .utf8)
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BEEKEEPER_") }
        let result = try Program.run(SidecarProcess.binary, ["serve", "--config", directory + "/beekeeper.yaml"], directory: directory, environment: env)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("listen: cannot listen on 127.0.0.1:\(occupied.port): Address already in use"), "\(result.output)")
        let audit = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/data/audit")) ?? []
        let text = try audit.filter { $0.hasSuffix(".jsonl") }.map { try String(contentsOfFile: directory + "/data/audit/" + $0, encoding: .utf8) }.joined()
        #expect(!text.contains("sidecar.started"))
        #expect(!text.contains("sidecar.stopped"))
    }
}
