/// One dangerous pattern, with its block reason built once.
struct CompiledPattern: Sendable {
    let id: String
    let reason: String
    let regex: CompiledRegex

    init(id: String, regex: CompiledRegex) {
        self.id = id
        self.reason = "pattern:" + id
        self.regex = regex
    }
}
