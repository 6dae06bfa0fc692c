import BeekeeperBackup
import BeekeeperCore
import BeekeeperPipeline

extension HTTPRoutes {
    /// `POST /v1/backups` with `{}` (every database) or `{"database": NAME}`: runs the backups
    /// now and answers when they are done, with each database's outcome: 200 when all
    /// succeeded, 502 when one failed (same body), 409 while another run is in progress, 404
    /// for a database not in `backup.databases`.
    func runBackups(body: [UInt8], actor: String) async -> HTTPAnswer {
        guard await pipeline.recorder.acceptsNewWork() else { return HTTPAnswer(TaskRejection.auditUnavailable.apiError) }
        let database: String?
        switch Self.backupRequest(body) {
        case .success(let name): database = name
        case .failure(let error): return HTTPAnswer(status: error.status, body: error.body)
        }
        do {
            let report = try await backups.run(database: database, trigger: .api, actor: actor)
            return HTTPAnswer(status: report.succeeded ? 200 : 502, body: report.json)
        } catch {
            let answer: APIError
            switch error.kind {
            case .busy: answer = APIError(status: 409, code: "backup_running", message: error.message)
            case .notFound: answer = APIError(status: 404, code: "unknown_database", message: error.message)
            default: answer = APIError(status: 500, code: "backup_error", message: error.message)
            }
            return HTTPAnswer(status: answer.status, body: answer.body)
        }
    }

    /// The optional database name; an empty body means every database.
    static func backupRequest(_ body: [UInt8]) -> Result<String?, APIError> {
        guard body.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else { return .success(nil) }
        guard let json = try? JSONValue.parse(body), let members = json.objectValue else {
            return .failure(.badRequest("the body must be a JSON object: {} for every database, or {\"database\": NAME}"))
        }
        var database: String? = nil
        for member in members {
            guard member.key == "database" else { return .failure(.badRequest("unknown key \"\(member.key)\" (allowed: database)")) }
            if member.value.isNull { continue }
            guard let name = member.value.stringValue else { return .failure(.badRequest("\"database\" must be a string")) }
            database = name
        }
        return .success(database)
    }
}
