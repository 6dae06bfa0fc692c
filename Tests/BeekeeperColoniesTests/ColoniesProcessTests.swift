import BeekeeperColonies
import BeekeeperCore
import Testing

@Suite struct ColoniesProcessTests {
    /// Shaped like an assign reply of Colonies v1.9.12 (COLONYOS.md section 5), members as Go writes them.
    static let sample = #"""
    {"processid":"6b8ed6c0e3b0a9d2a5d7c8e1f4b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5","initiatorid":"44939d43de67a81602d6203106b842b5e221797a1a2b60f3f9ab83e2d555ba15","initiatorname":"alice",
     "spec":{"nodename":"","funcname":"summarize","args":["report.txt",{"b":2,"a":1}],"kwargs":{"lang":"en","tags":["x","y"]},"priority":0,"maxwaittime":-1,"maxexectime":120,"maxretries":3,
       "conditions":{"colonyname":"dev","executornames":null,"executortype":"beekeeper","dependencies":[],"nodes":0,"cpu":"","processes":0,"processespernode":0,"mem":"","storage":"","gpu":{"name":"","mem":"","count":0,"nodecount":0},"walltime":0},
       "label":"nightly","fs":{"mount":"","snapshots":null,"dirs":null},"env":{},"channels":null},
     "waitforparents":false,"assignedexecutorid":"8e9e6a18cc378950f0008c76e633fd6bfd4318ddeffe6807726f67ca43b9d156","isassigned":true,"state":1,"prioritytime":1760000000000000000,
     "submissiontime":"2026-02-20T10:00:00.123456Z","starttime":"2026-02-20T10:00:01.5Z","endtime":"0001-01-01T00:00:00Z","waitdeadline":"0001-01-01T00:00:00Z","execdeadline":"2026-02-20T10:02:01.5Z",
     "retries":1,"attributes":null,"in":null,"out":null,"errors":null,"parents":null,"children":null,"processgraphid":"","someFutureField":{"x":1}}
    """#

    @Test func sampleParses() throws {
        let json = try JSONValue.parse(Self.sample)
        let process = try ColoniesProcess(json: json)
        #expect(process.processID == "6b8ed6c0e3b0a9d2a5d7c8e1f4b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5")
        #expect(process.initiatorID == "44939d43de67a81602d6203106b842b5e221797a1a2b60f3f9ab83e2d555ba15")
        #expect(process.initiatorName == "alice")
        #expect(process.assignedExecutorID == "8e9e6a18cc378950f0008c76e633fd6bfd4318ddeffe6807726f67ca43b9d156")
        #expect(process.state == .running)
        #expect(process.funcname == "summarize")
        #expect(process.args == ["report.txt", ["b": 2, "a": 1]])
        #expect(process.kwargs == ["lang": "en", "tags": ["x", "y"]])
        #expect(process.maxExecTime == 120)
        #expect(process.maxRetries == 3)
        #expect(process.retries == 1)
        #expect(process.label == "nightly")
        #expect(process.colonyName == "dev")
        #expect(process.executorType == "beekeeper")
        #expect(process.raw == json)
    }

    @Test func nullArgsAndKwargsAreEmpty() throws {
        let process = try ColoniesProcess(json: ["processid": "p", "state": 0, "spec": ["funcname": "f", "args": nil, "kwargs": nil, "maxexectime": -1]])
        #expect(process.args == [])
        #expect(process.kwargs == [:])
        #expect(process.maxExecTime == -1)
        #expect(process.state == .waiting)
        // Missing members read as their defaults.
        let bare = try ColoniesProcess(json: ["processid": "p", "spec": [:]])
        #expect(bare.args == [] && bare.kwargs == [:] && bare.funcname == "" && bare.maxExecTime == -1 && bare.initiatorName == "")
    }

    @Test func repliesWithoutProcessIDOrSpecAreRefused() {
        #expect(throws: ColoniesError.self) { try ColoniesProcess(json: ["spec": ["funcname": "f"]]) }
        #expect(throws: ColoniesError.self) { try ColoniesProcess(json: ["processid": "", "spec": [:]]) }
        #expect(throws: ColoniesError.malformedReply("process p has no spec object")) { try ColoniesProcess(json: ["processid": "p"]) }
        #expect(throws: ColoniesError.malformedReply("process p has no spec object")) { try ColoniesProcess(json: ["processid": "p", "spec": nil]) }
        #expect(throws: ColoniesError.self) { try ColoniesProcess(json: [1, 2]) }
        #expect(throws: ColoniesError.malformedReply("process p: spec.args is not an array")) {
            try ColoniesProcess(json: ["processid": "p", "spec": ["args": ["a": 1]]])
        }
        #expect(throws: ColoniesError.malformedReply("process p: spec.kwargs is not an object")) {
            try ColoniesProcess(json: ["processid": "p", "spec": ["kwargs": [1]]])
        }
    }

    @Test(arguments: [(0, "waiting"), (1, "running"), (2, "successful"), (3, "failed"), (4, "cancelled"), (9, "unknown(9)")])
    func stateCodesRoundTrip(_ code: Int, _ name: String) {
        let state = ColoniesProcess.State(code: code)
        #expect(state.code == code)
        #expect(state.description == name)
    }
}

@Suite struct ColoniesOutputTests {
    @Test func arrayIsTheOutputList() {
        #expect(ColoniesOutput.out(for: [1, "a", nil]) == [1, "a", nil])
        #expect(ColoniesOutput.out(for: []) == [])
    }

    @Test func nullIsNoOutput() {
        #expect(ColoniesOutput.out(for: nil) == [])
    }

    @Test func anythingElseIsOneOutput() {
        #expect(ColoniesOutput.out(for: "done") == ["done"])
        #expect(ColoniesOutput.out(for: 42) == [42])
        #expect(ColoniesOutput.out(for: false) == [false])
        #expect(ColoniesOutput.out(for: ["rows": [1, 2]]) == [["rows": [1, 2]]])
    }
}
