import BeekeeperConfig
import Foundation
import Testing

/// `config check` reads on past each error it safely can and reports them all, in file order;
/// every other command still stops at the first (the same error `loadReportingAll` lists first).
@Suite struct ConfigAllErrorsTests {
    /// Every error `yaml` holds, as printed (`FILE:LINE: key: message`).
    static func allErrors(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        do {
            let configuration = try ConfigurationLoader.parseReportingAll(yaml: yaml, file: "test.yaml")
            Issue.record("expected errors, got \(configuration)", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    static let threeErrors = """
        data_dir: ./data
        colour: red
        audit:
          fsync: sometimes
          rotate_bytes: 64MiB
        bees:
          - name: a
            funcnames: [f]
            command: [./a]
            timeout: soon
          - name: b
            funcnames: [g]
            command: [./b]
        """

    @Test("an unknown key, a bad value and a bad bee entry are each reported, in file order")
    func threeDifferentErrors() throws {
        let errors = Self.allErrors(Self.threeErrors)
        #expect(errors.count == 3, "\(errors)")
        guard errors.count == 3 else { return }
        #expect(errors[0].hasPrefix("test.yaml:2: colour: unknown key"))
        #expect(errors[1].hasPrefix("test.yaml:4: audit.fsync: invalid value \"sometimes\""))
        #expect(errors[2].hasPrefix("test.yaml:10: bees[0].timeout: invalid duration \"soon\""))
    }

    @Test("every other command stops at the first error: the one listed first")
    func loadThrowsTheFirst() throws {
        let file = try TemporaryFile(Self.threeErrors)
        let first = loadError(path: file.path, environment: [:])
        #expect(first?.key == "colour")
        #expect(first?.line == 2)
    }

    @Test("a bad bee is left out and the bees after it are still checked, against each other too")
    func beesAfterABadOneAreChecked() {
        let errors = Self.allErrors("""
            bees:
              - name: a
                colour: red
              - name: b
                funcnames: [f]
                command: [./b]
              - name: b
                funcnames: [g]
                command: [./c]
            """)
        #expect(errors == [
            "test.yaml:3: bees[0].colour: unknown key (expected one of: name, funcnames, kind, command, concurrency, timeout, retries, max_queue)",
            "test.yaml:2: bees[0].funcnames: required key is missing",
            "test.yaml:2: bees[0].command: required key is missing",
            "test.yaml:7: bees[2].name: bee name \"b\" is used twice",
        ])
    }

    @Test("a check across keys is skipped when one of its keys could not be read")
    func crossKeyCheckSkipsUnreadableKeys() {
        let errors = Self.allErrors("shipper:\n  initial_backoff: 1h\n  max_backoff: banana\n")
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.hasPrefix("test.yaml:3: shipper.max_backoff: invalid duration") == true)
    }

    @Test("every missing colonies key is listed, not only the first")
    func everyMissingColoniesKey() {
        let errors = Self.allErrors("colonies:\n  server: http://localhost:50080\n")
        #expect(errors.count >= 2, "\(errors)")
        #expect(errors.allSatisfy { $0.contains("required key is missing") }, "\(errors)")
    }

    @Test("the environment's errors follow the file's")
    func environmentAfterFile() throws {
        let file = try TemporaryFile("colour: red\n")
        do {
            _ = try ConfigurationLoader.loadReportingAll(path: file.path, environment: ["BEEKEEPER_AUDIT_FSYNC": "sometimes"])
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map(\.key) == ["colour", "BEEKEEPER_AUDIT_FSYNC"])
        }
    }

    // MARK: command[0]

    static func commandErrors(_ command: String, path: String, directory: String? = nil) throws -> [String] {
        let file = try TemporaryFile("bees:\n  - name: resize\n    funcnames: [f]\n    command: [\(command), --flag]\n")
        do {
            _ = try ConfigurationLoader.loadReportingAll(path: file.path, environment: ["PATH": path], checkingBeeCommands: true)
            return []
        } catch {
            return error.errors.map { "\($0.line.map(String.init) ?? "-"): \($0.key): \($0.message)" }
        }
    }

    @Test("a command found on PATH, or an absolute path to an executable, passes")
    func executableCommandsPass() throws {
        #expect(try Self.commandErrors("sh", path: "/nonexistent:/usr/bin:/bin") == [])
        #expect(try Self.commandErrors("/bin/sh", path: "") == [])
    }

    @Test("a command not on PATH is an error naming the bee and the PATH searched")
    func commandNotOnPath() throws {
        #expect(try Self.commandErrors("no-such-bee-program", path: "/nonexistent:/bin") == [
            "4: bees[0].command: bee \"resize\": \"no-such-bee-program\" is not an executable found on PATH (/nonexistent:/bin)",
        ])
    }

    @Test("a missing, non-executable or directory path is an error naming the bee")
    func commandPathProblems() throws {
        // Short, so that messages quote the paths whole.
        let scratch = "/tmp/bk-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let plain = scratch + "/plain.sh"
        try "#!/bin/sh\n".write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(try Self.commandErrors(scratch + "/missing", path: "/bin") == ["4: bees[0].command: bee \"resize\": \"\(scratch)/missing\" does not exist"])
        #expect(try Self.commandErrors(plain, path: "/bin") == ["4: bees[0].command: bee \"resize\": \"\(plain)\" is not executable"])
        #expect(try Self.commandErrors(scratch, path: "/bin") == ["4: bees[0].command: bee \"resize\": \"\(scratch)\" is not a regular file"])
    }

    @Test("commands are not checked unless asked (serve leaves that to the spawn)")
    func commandsUncheckedByDefault() throws {
        let file = try TemporaryFile("bees:\n  - name: resize\n    funcnames: [f]\n    command: [no-such-bee-program]\n")
        _ = try ConfigurationLoader.load(path: file.path, environment: ["PATH": "/nonexistent"])
    }
}
