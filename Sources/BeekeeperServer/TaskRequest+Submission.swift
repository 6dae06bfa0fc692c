import BeekeeperCore
import BeekeeperPipeline

extension TaskRequest {
    /// The pipeline's view of a signed `POST /v1/tasks` (or guardian check) body.
    /// The body's digest is the one the signature check computed, not a second hash of it.
    func submission(body: SignedBody, actor: String) -> TaskSubmission {
        TaskSubmission(
            id: id, funcname: funcname, args: args, kwargs: kwargs, timeout: timeout, actor: actor,
            payloadBytes: body.bytes.count, payloadSHA256: body.sha256Hex)
    }
}
