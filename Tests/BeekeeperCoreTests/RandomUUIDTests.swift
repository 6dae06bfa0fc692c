import BeekeeperCore
import Foundation
import Testing

@Suite struct RandomUUIDTests {
    @Test func formatVersionAndVariant() {
        for _ in 0..<1000 {
            let id = RandomUUID.next()
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            for (index, byte) in bytes.enumerated() {
                if [8, 13, 18, 23].contains(index) {
                    #expect(byte == UInt8(ascii: "-"), "\(id)")
                } else {
                    #expect((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66), "\(id)")
                }
            }
            #expect(bytes[14] == UInt8(ascii: "4"), "version 4: \(id)")
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]), "variant: \(id)")
            // Foundation reads it back as the same UUID.
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
        }
    }

    /// Unique across several refills of the 4 KiB pool, from concurrent callers.
    @Test func uniqueAcrossRefillsAndThreads() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<2000).map { _ in RandomUUID.next() } }
            }
            var all: [String] = []
            for await part in group { all += part }
            return all
        }
        #expect(ids.count == 16_000)
        #expect(Set(ids).count == 16_000)
    }

    /// Every random hex position takes many values: a pool that were not refilled, or bytes
    /// zeroed before use, would show up as fixed digits.
    @Test func randomPositionsVary() {
        let ids = (0..<4000).map { _ in Array(RandomUUID.next().utf8) }
        for position in 0..<36 where ![8, 13, 14, 18, 19, 23].contains(position) {
            let seen = Set(ids.map { $0[position] })
            #expect(seen.count == 16, "position \(position) took only \(seen.count) values")
        }
    }
}
