public import BeekeeperCore

extension Guardian {
    /// Checks 2 to 4 (`arg_too_large`, `too_deep`, `duplicate_key`) in one walk per argument,
    /// with the first failure in that order deciding: an argument over `max_arg_bytes` decides at
    /// once (its walk stops at the limit), depth and duplicates are only read when no argument is
    /// too large.
    func shapeCheck(_ request: GuardianRequest) -> GuardianDecision {
        var deepest = 0
        var duplicate = false
        var tooLarge = false
        Guardian.forEachArgument(of: request) { argument in
            let shape = argument.shape(byteLimit: maxArgBytes)
            if shape.compactBytes > maxArgBytes {
                tooLarge = true
                return false
            }
            deepest = max(deepest, shape.depth)
            duplicate = duplicate || shape.hasDuplicateKey
            return true
        }
        if tooLarge { return .blocked(reason: "arg_too_large") }
        // 1 for the `args` array or `kwargs` object that holds the arguments.
        if 1 + deepest > maxDepth { return .blocked(reason: "too_deep") }
        // The `kwargs` names themselves are keys of an object too.
        if duplicate || (request.kwargs.objectValue.map(JSONValue.repeatsAKey) ?? false) { return .blocked(reason: "duplicate_key") }
        return .approved
    }

    /// The arguments, each measured on its own: elements of `args`, values of `kwargs`. `body`
    /// returns false to stop.
    static func forEachArgument(of request: GuardianRequest, _ body: (JSONValue) -> Bool) {
        switch request.args {
        case .null: break
        case .array(let items):
            for item in items where !body(item) { return }
        default:
            guard body(request.args) else { return }
        }
        switch request.kwargs {
        case .null: break
        case .object(let members):
            for member in members where !body(member.value) { return }
        default:
            _ = body(request.kwargs)
        }
    }
}
