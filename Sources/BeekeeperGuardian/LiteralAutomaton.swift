/// An Aho-Corasick automaton, compiled to a DFA, that finds every occurrence of a set of literals
/// in one pass over ASCII-lowercased bytes.
///
/// The alphabet is reduced to byte classes (one per byte that occurs in a literal, uppercase ASCII
/// folded onto lowercase, and one class for every other byte), so the table is states × classes
/// rather than states × 256. Each entry is the next state's row offset, with the top bit set when
/// that state ends at least one literal: the scan loop is one load and one test per byte.
struct LiteralAutomaton: Sendable {
    static let outputFlag: UInt32 = 0x8000_0000

    /// The class of each byte value.
    let classes: [UInt8]
    let classCount: Int
    /// Row-major `state * classCount + class` → next row offset (`state * classCount`), flagged.
    let table: [UInt32]
    /// Literal ids ended by state `s`: `outputs[outputStarts[s]..<outputStarts[s + 1]]`.
    let outputStarts: [Int32]
    let outputs: [Int32]
    let stateCount: Int

    init(literals: [[UInt8]]) {
        var classes = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for literal in literals {
            for byte in literal where classes[Int(byte)] == 0 {
                precondition(!(0x41...0x5A).contains(byte), "LiteralAutomaton: literals must be lowercase")
                precondition(classCount < 256, "LiteralAutomaton: too many byte classes")
                classes[Int(byte)] = UInt8(classCount)
                classCount += 1
            }
        }
        for upper in UInt8(0x41)...0x5A { classes[Int(upper)] = classes[Int(upper | 0x20)] }

        // The trie.
        var next: [[Int32]] = [[Int32](repeating: -1, count: classCount)]
        var ends: [[Int32]] = [[]]
        for (id, literal) in literals.enumerated() {
            var state = 0
            for byte in literal {
                let byteClass = Int(classes[Int(byte)])
                if next[state][byteClass] < 0 {
                    next[state][byteClass] = Int32(next.count)
                    next.append([Int32](repeating: -1, count: classCount))
                    ends.append([])
                }
                state = Int(next[state][byteClass])
            }
            ends[state].append(Int32(id))
        }

        // Failure links, breadth first, completing the transitions into a DFA as they go.
        var failure = [Int](repeating: 0, count: next.count)
        var queue: [Int] = []
        for byteClass in 0..<classCount {
            let child = next[0][byteClass]
            if child >= 0 {
                failure[Int(child)] = 0
                queue.append(Int(child))
            } else {
                next[0][byteClass] = 0
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            ends[state] += ends[failure[state]]
            for byteClass in 0..<classCount {
                let child = next[state][byteClass]
                if child >= 0 {
                    failure[Int(child)] = Int(next[failure[state]][byteClass])
                    queue.append(Int(child))
                } else {
                    next[state][byteClass] = next[failure[state]][byteClass]
                }
            }
        }

        var table = [UInt32](repeating: 0, count: next.count * classCount)
        for state in 0..<next.count {
            for byteClass in 0..<classCount {
                let target = Int(next[state][byteClass])
                table[state * classCount + byteClass] = UInt32(target * classCount) | (ends[target].isEmpty ? 0 : LiteralAutomaton.outputFlag)
            }
        }
        var outputStarts: [Int32] = [0]
        var outputs: [Int32] = []
        for stateEnds in ends {
            outputs += stateEnds
            outputStarts.append(Int32(outputs.count))
        }
        self.classes = classes
        self.classCount = classCount
        self.table = table
        self.outputStarts = outputStarts
        self.outputs = outputs
        self.stateCount = next.count
    }
}
