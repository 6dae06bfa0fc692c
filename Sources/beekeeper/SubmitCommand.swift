import ArgumentParser
import BeekeeperConfig
import BeekeeperCore
import Curl
import Foundation

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Sign and send one task to a running sidecar; print the JSON response.")

    @Argument(help: "The function to run.") var funcname: String
    @Option(help: "Positional arguments, a JSON array.") var args: String?
    @Option(help: "Keyword arguments, a JSON object.") var kwargs: String?
    @Option(help: "Idempotency key: a finished id is answered from the stored outcome.") var id: String?
    @Option(help: "Per-attempt timeout in seconds, overriding the bee's.") var timeout: Double?
    @OptionGroup var client: SignedClientOptions
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        var body: [JSONValue.Member] = []
        if let id { body.append(.init("id", .string(id))) }
        body.append(.init("funcname", .string(funcname)))
        if let args {
            guard case .array? = try? JSONValue.parse(args) else { throw UsageError(description: "--args must be a JSON array") }
            body.append(.init("args", try JSONValue.parse(args)))
        }
        if let kwargs {
            guard case .object? = try? JSONValue.parse(kwargs) else { throw UsageError(description: "--kwargs must be a JSON object") }
            body.append(.init("kwargs", try JSONValue.parse(kwargs)))
        }
        if let timeout { body.append(.init("timeout", .number(timeout))) }

        let response = try await client.post("/v1/tasks", body: JSONValue.object(body).bytes, configuration: configuration)
        print(String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .newlines))
        guard (200..<300).contains(response.status) else {
            // The body above says why; the message repeats the gist for a reader of stderr alone.
            let answer = try? JSONValue.parse(response.body)
            let gist = [answer?["outcome"]?.stringValue, answer?["reason"]?.stringValue ?? answer?.value(atPath: "error.message")?.stringValue]
                .compactMap { $0 }.joined(separator: ": ")
            throw OperationFailed(description: "the sidecar answered HTTP \(response.status)\(gist.isEmpty ? "" : " (\(gist))")")
        }
    }
}

