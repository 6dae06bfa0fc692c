"""Typed errors: one class per error code the sidecar sends (SPEC section 4).

Every error body is `{"error": {"code": "...", "message": "..."}}`; `APIError.from_response`
picks the class by `code` and falls back to the HTTP status for a code this client does not know.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type


class BeekeeperError(Exception):
    """Base of everything this package raises."""


class KeyFileError(BeekeeperError):
    """A key file that cannot be read or is not 128 hex characters (seed, then public key)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ConnectionFailed(BeekeeperError):
    """The sidecar could not be reached, or the connection broke before an answer."""


class UnexpectedResponse(BeekeeperError):
    """An answer that is not what SPEC section 4 describes (not JSON, wrong shape)."""

    def __init__(self, status: int, message: str, body: bytes = b"") -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


class APIError(BeekeeperError):
    """An error answer of the sidecar."""

    #: the code this class stands for (None on the base classes)
    code_name: Optional[str] = None

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: Optional[int] = None,
        body: Optional[Mapping[str, Any]] = None,
        replayed: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        #: seconds from `Retry-After`, when the sidecar asks the caller to come back later
        self.retry_after = retry_after
        #: the whole JSON body
        self.body: Dict[str, Any] = dict(body or {})
        #: the answer carried `Idempotent-Replay: true` (a stored outcome)
        self.replayed = replayed

    @staticmethod
    def from_response(
        status: int,
        body: Mapping[str, Any],
        *,
        retry_after: Optional[int] = None,
        replayed: bool = False,
    ) -> "APIError":
        error = body.get("error")
        code, message = "unknown", ""
        if isinstance(error, Mapping):
            code = str(error.get("code", "unknown"))
            message = str(error.get("message", ""))
        outcome = body.get("outcome")
        if "databases" in body and status == 502:
            return BackupFailed(status, "backup_failed", "a backup failed", retry_after=retry_after, body=body, replayed=replayed)
        if "task_id" in body and isinstance(outcome, str) and outcome in _OUTCOMES:
            return _OUTCOMES[outcome](status, code, message, retry_after=retry_after, body=body, replayed=replayed)
        cls = _BY_CODE.get(code) or _BY_STATUS.get(status, APIError)
        return cls(status, code, message, retry_after=retry_after, body=body, replayed=replayed)


# MARK: 400, 413, 415: the request itself


class BadRequest(APIError):
    """400: malformed JSON, a wrong body shape, an unknown field."""

    code_name = "malformed_request"


class PayloadTooLarge(APIError):
    """413: the body exceeds `guardian.max_payload_bytes` (refused before it is read)."""

    code_name = "payload_too_large"


class UnsupportedMediaType(APIError):
    """415: Content-Type is not application/json."""

    code_name = "unsupported_media_type"


# MARK: 401: signatures and the bearer token


class Unauthorized(APIError):
    """401: the request's signature or bearer token was refused."""


class MissingSignature(Unauthorized):
    code_name = "missing_signature"


class UnknownKey(Unauthorized):
    """The key name is not in the sidecar's `auth.keys`."""

    code_name = "unknown_key"


class StaleTimestamp(Unauthorized):
    """The timestamp is outside `auth.clock_skew` (check this machine's clock)."""

    code_name = "stale_timestamp"


class BadNonce(Unauthorized):
    code_name = "bad_nonce"


class BadSignature(Unauthorized):
    """The signature does not verify: the wrong key, or the body or path changed after signing."""

    code_name = "bad_signature"


class ReplayedNonce(Unauthorized):
    code_name = "replayed_nonce"


class BearerTokenRequired(Unauthorized):
    """`/metrics` and `/v1/stats` need `metrics.bearer_token_file`'s token."""

    code_name = "bearer_token_required"


# MARK: 404, 409: state


class UnknownDatabase(APIError):
    """404: `POST /v1/backups` named a database not in `backup.databases`."""

    code_name = "unknown_database"


class Conflict(APIError):
    """409."""


class TaskRunning(Conflict):
    """A task with this id is still running; ask again later for its stored outcome."""

    code_name = "task_running"


class IdReused(Conflict):
    """The id was already used for a different request."""

    code_name = "id_reused"


class BackupRunning(Conflict):
    code_name = "backup_running"


# MARK: 422: the Guardian before a run


class TooDeep(APIError):
    """422: the body nests deeper than `guardian.max_depth`."""

    code_name = "too_deep"


# MARK: 429, 503: come back later


class RateLimited(APIError):
    """429: the key is over its `auth.rate_limit`; `retry_after` says when to come back."""

    code_name = "rate_limited"


class Unavailable(APIError):
    """503: nothing ran; `retry_after` says when to come back."""


class QueueFull(Unavailable):
    code_name = "queue_full"


class ShuttingDown(Unavailable):
    code_name = "shutting_down"


class AuditUnavailable(Unavailable):
    """The audit log cannot record the request (the sidecar fails closed)."""

    code_name = "audit_unavailable"


class BackupFailed(APIError):
    """502 from `POST /v1/backups`: a database's backup failed; `body["databases"]` says which."""


class BackupError(APIError):
    """500: a backup could not be started."""

    code_name = "backup_error"


# MARK: outcomes of a task that did not succeed


class TaskError(APIError):
    """A task that reached an outcome other than `succeeded`; `task_id` names it."""

    @property
    def task_id(self) -> Optional[str]:
        value = self.body.get("task_id")
        return value if isinstance(value, str) else None

    @property
    def outcome(self) -> str:
        return str(self.body.get("outcome", ""))

    @property
    def duration_ms(self) -> Optional[float]:
        value = self.body.get("duration_ms")
        return float(value) if isinstance(value, (int, float)) else None


class TaskBlocked(TaskError):
    """422: the Guardian blocked the task; `reason` is its rule (e.g. `pattern:sql_injection`)."""

    code_name = "blocked"

    @property
    def reason(self) -> str:
        return str(self.body.get("reason", ""))


class TaskFailed(TaskError):
    """502: the bee failed (after its retries, for transient failures)."""

    code_name = "failed"


class TaskTimedOut(TaskError):
    """504: the bee did not answer within its timeout."""

    code_name = "timed_out"


_OUTCOMES: Dict[str, Type[APIError]] = {
    "blocked": TaskBlocked,
    "failed": TaskFailed,
    "timed_out": TaskTimedOut,
}


def _concrete(root: Type[APIError]) -> Dict[str, Type[APIError]]:
    found: Dict[str, Type[APIError]] = {}
    for cls in root.__subclasses__():
        if cls.code_name is not None:
            found[cls.code_name] = cls
        found.update(_concrete(cls))
    return found


_BY_CODE: Dict[str, Type[APIError]] = _concrete(APIError)

_BY_STATUS: Dict[int, Type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
    503: Unavailable,
}

#: every code this client maps to its own class
ERROR_CODES = frozenset(_BY_CODE)

__all__ = ["ERROR_CODES"] + [
    name for name, value in list(globals().items()) if isinstance(value, type) and issubclass(value, BeekeeperError)
]
