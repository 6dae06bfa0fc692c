import ArgumentParser
import BeekeeperCore
import Foundation

/// `beekeeper man`: the manual page (roff, section 1), generated from the argument parser's own
/// description of every command, so it cannot drift from `--help`. `scripts/install.sh` installs it.
struct ManCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "man", abstract: "Print the beekeeper(1) manual page as roff (install it with scripts/install.sh).", shouldDisplay: false)

    func run() throws {
        print(try ManualPage.render(), terminator: "")
    }
}

/// Renders ArgumentParser's tool description (`--experimental-dump-help`) as a man page.
enum ManualPage {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func render() throws(Failure) -> String {
        // ArgumentParser answers the dump request with an error whose message is the JSON description.
        var dump = ""
        do {
            _ = try Beekeeper.parseAsRoot(["--experimental-dump-help"])
        } catch {
            dump = Beekeeper.fullMessage(for: error)
        }
        guard let root = (try? JSONValue.parse(dump))?["command"] else {
            throw Failure(description: "the argument parser gave no tool description")
        }
        var page = Roff()
        page.request("TH", "BEEKEEPER", "1", "", "beekeeper \(Beekeeper.configuration.version)", "User Commands")
        page.request("SH", "NAME")
        page.text("beekeeper \\- " + Roff.escape(root["abstract"]?.stringValue ?? ""))
        page.request("SH", "SYNOPSIS")
        page.line("\\fBbeekeeper\\fR \\fIcommand\\fR [\\fIoptions\\fR]")
        page.request("SH", "DESCRIPTION")
        page.text(Roff.escape(description))
        page.request("SH", "COMMANDS")
        for command in root["subcommands"]?.arrayValue ?? [] { renderCommand(command, parents: ["beekeeper"], into: &page) }
        page.request("SH", "ENVIRONMENT")
        for (name, meaning) in environment {
            page.request("TP")
            page.line("\\fB\(name)\\fR")
            page.text(Roff.escape(meaning))
        }
        page.request("SH", "EXIT STATUS")
        page.text("0 success; 1 the operation ran and failed (a broken chain, a failed backup, a refused task); 2 a usage or configuration error.")
        page.request("SH", "FILES")
        page.request("TP")
        page.line("\\fI<data_dir>/keys/local.key\\fR")
        page.text("The local client key of a run with no configuration file (mode 0600), created by the first \\fBserve\\fR.")
        page.request("SH", "SEE ALSO")
        page.text("The README and SPEC.md of the Beekeeper repository.")
        return page.output
    }

    static let description = """
        Beekeeper is a sidecar for ColonyOS worker processes (bees): signed HTTP intake, Guardian content \
        checks, timeouts, retries and idempotency, a hash-chained audit log, metrics, shipping and PostgreSQL \
        backups. With no configuration file, serve runs a demonstration bee and trusts a local client key \
        that submit, stats and audit query find by themselves.
        """

    static let environment: [(String, String)] = [
        ("BEEKEEPER_CONFIG", "The configuration file, when --config is not given; without either, the built-in defaults."),
        ("BEEKEEPER_<SECTION>_<KEY>", "Overrides one configuration key (BEEKEEPER_DATA_DIR, BEEKEEPER_LISTEN, BEEKEEPER_AUDIT_FSYNC, ...)."),
        ("BEEKEEPER_URL", "The sidecar a client command talks to, when --server is not given."),
        ("BEEKEEPER_KEY_FILE", "The key file a client command signs with, when --key is not given."),
        ("BEEKEEPER_KEY_NAME", "The key name a client command signs as, when --key-name is not given."),
    ]

    private static func renderCommand(_ command: JSONValue, parents: [String], into page: inout Roff) {
        guard command["shouldDisplay"]?.boolValue != false, let name = command["commandName"]?.stringValue else { return }
        let path = parents + [name]
        let arguments = (command["arguments"]?.arrayValue ?? []).filter {
            $0["shouldDisplay"]?.boolValue != false && !["help", "version"].contains($0.value(atPath: "preferredName.name")?.stringValue ?? "")
        }
        page.request("SS", path.joined(separator: " "))
        page.line("\\fB" + path.joined(separator: " ") + "\\fR" + arguments.map { " " + synopsis($0) }.joined())
        page.request("PP")
        page.text(Roff.escape(command["abstract"]?.stringValue ?? ""))
        if let discussion = command["discussion"]?.stringValue, !discussion.isEmpty {
            page.request("PP")
            page.text(Roff.escape(discussion))
        }
        for argument in arguments {
            page.request("TP")
            page.line(label(argument))
            var help = argument["abstract"]?.stringValue ?? ""
            if let value = argument["defaultValue"]?.stringValue, !value.isEmpty { help += " (default: \(value))" }
            page.text(Roff.escape(help.isEmpty ? "-" : help))
        }
        for sub in command["subcommands"]?.arrayValue ?? [] { renderCommand(sub, parents: path, into: &page) }
    }

    /// `--since <since>`, `-f`, `<funcname>`: how the argument is written.
    private static func label(_ argument: JSONValue) -> String {
        let value = "\\fI<" + Roff.escape(argument["valueName"]?.stringValue ?? "value") + ">\\fR"
        if argument["kind"]?.stringValue == "positional" { return value }
        let names = (argument["names"]?.arrayValue ?? []).compactMap { name -> String? in
            guard let text = name["name"]?.stringValue else { return nil }
            let dashes = name["kind"]?.stringValue == "long" ? "\\-\\-" : "\\-"
            return "\\fB" + dashes + Roff.escape(text) + "\\fR"
        }
        let flag = names.joined(separator: ", ")
        return argument["kind"]?.stringValue == "option" ? flag + " " + value : flag
    }

    private static func synopsis(_ argument: JSONValue) -> String {
        var text = label(argument)
        if argument["isRepeating"]?.boolValue == true { text += " ..." }
        return argument["isOptional"]?.boolValue == true ? "[" + text + "]" : text
    }
}

/// A roff document, built a request or a line at a time.
struct Roff {
    private(set) var output = ""

    mutating func request(_ name: String, _ arguments: String...) {
        output += "." + name + arguments.map { " \"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined() + "\n"
    }

    /// A line of formatted text (escapes already applied).
    mutating func line(_ text: String) {
        output += (text.hasPrefix(".") || text.hasPrefix("'") ? "\\&" : "") + text + "\n"
    }

    /// Running text: a line for each of its lines.
    mutating func text(_ text: String) {
        for part in text.split(separator: "\n", omittingEmptySubsequences: true) { line(String(part)) }
    }

    /// Plain text made safe for roff: backslashes doubled, hyphens kept as hyphens.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
    }
}
