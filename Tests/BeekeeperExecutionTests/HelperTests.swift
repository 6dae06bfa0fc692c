import BeekeeperCore
@testable import BeekeeperExecution
import Testing

@Suite struct BackoffTests {
    @Test func delaysDoubleWithinEqualJitterAndStopAtTheMaximum() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        for _ in 0..<200 {
            let first = backoff.delay(forRetry: 1)
            #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
            let third = backoff.delay(forRetry: 3)
            #expect(third >= .milliseconds(200) && third <= .milliseconds(400))
            let late = backoff.delay(forRetry: 1000)
            #expect(late >= .milliseconds(500) && late <= .seconds(1))
        }
    }
}

@Suite struct WorkerReplyTests {
    private func parse(_ line: String, id: String = "t") -> Result<AttemptResult, WorkerReply.InvalidReply> {
        WorkerReply.parse(Array(line.utf8), expectedID: id)
    }

    @Test func acceptsSuccessAndFailureReplies() throws {
        #expect(try parse(#"{"id":"t","ok":true,"result":{"a":[1]}}"#).get() == .succeeded(["a": [1]]))
        #expect(try parse(#"{"id":"t","ok":true}"#).get() == .succeeded(.null))
        #expect(try parse(#"{"id":"t","ok":false,"error":"bad","transient":true}"#).get() == .failed(error: "bad", transient: true))
        #expect(try parse(#"{"id":"t","ok":false,"error":"bad"}"#).get() == .failed(error: "bad", transient: false))
    }

    @Test(arguments: [
        "not json", "[1]", #"{"ok":true}"#, #"{"id":"other","ok":true}"#, #"{"id":"t","ok":"yes"}"#,
        #"{"id":"t","ok":false,"transient":"no"}"#,
    ])
    func rejectsAnythingElse(line: String) {
        #expect(throws: WorkerReply.InvalidReply.self) { try parse(line).get() }
    }
}

@Suite struct LineSplitterTests {
    @Test func splitsAcrossChunksAndCapsLongLines() {
        var splitter = LineSplitter(maxLineLength: 8)
        var lines: [String] = []
        var tooLong = 0
        for chunk in ["ab", "c\r\nde", "f\n0123456789abc", "def\nlast"] {
            for piece in splitter.feed(Array(chunk.utf8)) {
                switch piece {
                case .line(let line): lines.append(String(decoding: line, as: UTF8.self))
                case .tooLong: tooLong += 1
                }
            }
        }
        #expect(lines == ["abc", "def"])
        #expect(tooLong == 1)
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "last")
    }

    @Test func tailKeepsWholeCharactersWithinTheCapacity() {
        var tail = ByteTail(capacity: 5)
        tail.append(Array("ééé\n".utf8))
        // 7 bytes; the last 5 start in the middle of the first "é".
        #expect(tail.text == "éé")
    }
}
