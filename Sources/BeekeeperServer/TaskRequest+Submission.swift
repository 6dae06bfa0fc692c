import BeekeeperCore
import BeekeeperPipeline

extension TaskRequest {
    /// The pipeline's view of a signed `POST /v1/tasks` (or guardian check) body.
    func submission(body: [UInt8], actor: String) -> TaskSubmission {
        let digest = TaskSubmission.digest(of: body)
        return TaskSubmission(
            id: id, funcname: funcname, args: args, kwargs: kwargs, timeout: timeout, actor: actor,
            payloadBytes: digest.bytes, payloadSHA256: digest.sha256)
    }
}
