import BeekeeperColonies
import BeekeeperCore
import Curl
import Foundation

/// The Python stand-in for a Colonies server (Tests/BeekeeperIntegrationTests/Tools/
/// colonies_standin.py, from the stand-in's own branch), with a colony "dev" and a user "alice".
final class Standin {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BeekeeperIntegrationTests/Tools/colonies_standin.py").path

    let url: String
    let colonyOwner = ColoniesIdentity.generate()
    let user = ColoniesIdentity.generate()
    private let process = Process()

    init() async throws {
        let serverOwner = ColoniesIdentity.generate()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0", "--server-id", serverOwner.id]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // It prints one line, "colonies-standin listening on 127.0.0.1:PORT", once it serves.
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0A { line.append(byte) }
        guard let address = String(decoding: line, as: UTF8.self).split(separator: " ").last, line.count > 0 else {
            kill(process.processIdentifier, SIGKILL)
            throw ColoniesError.transport("the stand-in did not start")
        }
        url = "http://\(address)"
        _ = try await call(["msgtype": "addcolonymsg", "colony": ["colonyid": .string(colonyOwner.id), "name": "dev"]], signedBy: serverOwner)
        _ = try await call(
            ["msgtype": "addusermsg", "user": ["colonyname": "dev", "userid": .string(user.id), "name": "alice", "email": "alice@example.com", "phone": "0"]],
            signedBy: colonyOwner)
    }

    deinit {
        // SIGKILL, not terminate(): the test runner's threads block SIGTERM, the child inherits
        // that mask, and a blocked SIGTERM would leave the stand-in running (and this waiting).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// One raw RPC, for what an executor never does (set up the colony, submit, cancel).
    func call(_ message: JSONValue, signedBy signer: ColoniesIdentity) async throws -> JSONValue {
        let request = HTTPClientRequest(method: "POST", url: url + "/api", body: ColoniesEnvelope.request(message, signedBy: signer))
        let response = try await Curl.execute(request)
        return try ColoniesEnvelope.reply(status: response.status, body: response.body)
    }

    /// Submits `funcname` for executor type "beekeeper" as alice; returns the process id.
    func submit(_ funcname: String, args: JSONValue = [], kwargs: JSONValue = [:]) async throws -> String {
        let spec: JSONValue = [
            "funcname": .string(funcname), "args": args, "kwargs": kwargs, "maxexectime": -1, "maxretries": 0, "maxwaittime": -1,
            "conditions": ["colonyname": "dev", "executortype": "beekeeper"],
        ]
        let process = try await call(["msgtype": "submitfuncspecmsg", "spec": spec], signedBy: user)
        return try ColoniesProcess(json: process).processID
    }
}
