@testable import BeekeeperMetrics
import Foundation
import Testing

@Suite struct ProcessMetricsTests {
    @Test func parsesStatWithAHostileCommandName() throws {
        // Field 2 may hold spaces and parentheses; fields are counted after the last ")".
        let line = "4242 (we) (ird name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 3 0 123456 1000000 2560 18446744073709551615\n"
        let stat = try #require(ProcessStat.parse(stat: line, ticksPerSecond: 100, pageSize: 4096))
        #expect(stat.cpuSeconds == 3)
        #expect(stat.startTicks == 123456)
        #expect(stat.residentBytes == 2560 * 4096)
        #expect(ProcessStat.parse(stat: "4242 (truncated) S 1 2", ticksPerSecond: 100, pageSize: 4096) == nil)
    }

    #if os(Linux)
    @Test func readsThisProcess() throws {
        let registry = MetricsRegistry()
        ProcessMetrics.register(in: registry)
        func value(_ name: String) throws -> Double {
            let line = try #require(registry.render(.prometheusText).split(separator: "\n").first { $0.hasPrefix(name + " ") })
            return try #require(Double(line.split(separator: " ")[1]))
        }
        #expect(try value("process_cpu_seconds_total") >= 0)
        #expect(try value("process_resident_memory_bytes") > 1_000_000)
        let now = Date().timeIntervalSince1970
        let start = try value("process_start_time_seconds")
        #expect(start <= now + 1 && start > now - 86_400)

        // Other tests run in parallel and open and close descriptors of their own, so a difference
        // between two readings proves nothing; 200 descriptors held here are a floor no one else moves.
        let descriptors = (0..<200).map { _ in open("/dev/null", O_RDONLY) }
        defer { for descriptor in descriptors { close(descriptor) } }
        #expect(descriptors.allSatisfy { $0 >= 0 })
        #expect(try value("process_open_fds") >= 200)
    }
    #endif
}
