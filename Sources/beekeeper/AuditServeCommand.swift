import ArgumentParser
import BeekeeperAuditPages
import BeekeeperConfig
import Foundation
import Hummingbird
import Logging

/// `beekeeper audit serve [--dir D] [--listen A]`: the review pages of SPEC section 12 over any
/// directory of segments, without a sidecar (a collector's copy, a restored archive).
struct AuditServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the audit review pages over a directory of segments until SIGTERM/SIGINT.")

    @Option(help: "Directory of audit segments (default: the data dir's audit/).") var dir: String?
    @Option(help: "Address to listen on, HOST:PORT (port 0 picks one).") var listen = "127.0.0.1:9478"
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let configuration = try options.load()
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw UsageError(description: "--listen: \"\(listen)\" is not HOST:PORT")
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let dir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageError(description: "--dir: no directory at \(dir)")
            }
        }
        let pages: AuditPages
        do {
            pages = try AuditPages.forDataDirectory(configuration: configuration, stateDirectory: configuration.stateDirectory, directory: dir)
        } catch {
            throw UsageError(description: error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        let logger = Logger(label: "beekeeper")
        let router = Router(context: AuditReviewContext.self)
        pages.register(on: router)
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/audit/"]) }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "beekeeper-audit"),
            onServerRunning: { channel in
                // Tests read the bound port from this line (port 0 picks one).
                logger.notice("audit pages listening", metadata: ["address": "\(host):\(channel.localAddress?.port ?? port)", "dir": "\(pages.directory)"])
            },
            logger: logger)
        try await app.runService()
    }
}
