"""A client for the sidecar's HTTP API (SPEC section 4): signed POSTs, bearer-token reads."""

from __future__ import annotations

import http.client
import json
import os
import socket
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import APIError, ConnectionFailed, UnexpectedResponse
from .keys import PathLike, SigningKey
from .signing import sign_headers

DEFAULT_SERVER = "http://127.0.0.1:9477"

JSON = Any


@dataclass(frozen=True)
class TaskResult:
    """A task that succeeded (`POST /v1/tasks` answered 200)."""

    task_id: str
    result: JSON
    duration_ms: Optional[float]
    #: a stored outcome of an earlier run with the same id (`Idempotent-Replay: true`)
    replayed: bool = False


@dataclass(frozen=True)
class GuardianDecision:
    """The Guardian's decision for a task that was not run."""

    approved: bool
    #: the blocking rule, None when approved
    reason: Optional[str] = None


@dataclass(frozen=True)
class Event:
    """One execution a bee ran by itself, for `report_events` (recorded as `task.reported`)."""

    task_id: str
    funcname: str
    #: succeeded, failed or timed_out
    outcome: str
    #: defaults to the configured bee that serves `funcname`
    bee: Optional[str] = None
    duration_ms: Optional[float] = None
    error: Optional[str] = None
    attempt: Optional[int] = None

    def to_json(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {"task_id": self.task_id, "funcname": self.funcname, "outcome": self.outcome}
        for name in ("bee", "duration_ms", "error", "attempt"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        return body


@dataclass(frozen=True)
class EventReceipt:
    """How `POST /v1/events` recorded a batch: its audit sequence numbers."""

    recorded: int
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class Response:
    status: int
    body: JSON
    headers: Mapping[str, str] = field(default_factory=dict)


class Client:
    """Talks to one sidecar. Signed calls need a key: `key`, or `key_file` (name from its base name).

    Defaults come from the environment: `BEEKEEPER_URL` (else http://127.0.0.1:9477) and
    `BEEKEEPER_KEY_FILE`, `BEEKEEPER_KEY_NAME`, `BEEKEEPER_BEARER_TOKEN`.
    """

    def __init__(
        self,
        server: Optional[str] = None,
        *,
        key: Optional[SigningKey] = None,
        key_file: Optional[PathLike] = None,
        key_name: Optional[str] = None,
        bearer_token: Optional[str] = None,
        timeout: float = 3600.0,
    ) -> None:
        server = server or os.environ.get("BEEKEEPER_URL") or DEFAULT_SERVER
        parsed = urllib.parse.urlsplit(server)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"server must be an http:// or https:// URL, not {server!r}")
        self.server = server.rstrip("/")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        if key is None:
            key_file = key_file or os.environ.get("BEEKEEPER_KEY_FILE")
            if key_file is not None:
                key = SigningKey.load(key_file, key_name or os.environ.get("BEEKEEPER_KEY_NAME"))
        self.key = key
        self.bearer_token = bearer_token if bearer_token is not None else os.environ.get("BEEKEEPER_BEARER_TOKEN")
        self.timeout = timeout

    # MARK: the API

    def submit(
        self,
        funcname: str,
        args: Optional[Sequence[JSON]] = None,
        kwargs: Optional[Mapping[str, JSON]] = None,
        *,
        id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> TaskResult:
        """Runs one task and returns its result.

        Raises `TaskBlocked`, `TaskFailed` or `TaskTimedOut` for the other outcomes, and the
        `APIError` subclass of the error code otherwise. With `id`, a task that already finished
        within 24 h is not run again: its stored outcome comes back with `replayed` set.
        """
        answer = self.post("/v1/tasks", _task_body(funcname, args, kwargs, id, timeout))
        body = _object(answer)
        replayed = answer.headers.get("idempotent-replay") == "true"
        task_id = body.get("task_id")
        if not isinstance(task_id, str) or body.get("outcome") != "succeeded":
            raise UnexpectedResponse(answer.status, "not a succeeded task outcome", json.dumps(body).encode())
        duration = body.get("duration_ms")
        return TaskResult(task_id, body.get("result"), float(duration) if isinstance(duration, (int, float)) else None, replayed)

    def guardian_check(
        self,
        funcname: str,
        args: Optional[Sequence[JSON]] = None,
        kwargs: Optional[Mapping[str, JSON]] = None,
        *,
        id: Optional[str] = None,
    ) -> GuardianDecision:
        """The Guardian's decision for a task, without running it (counted and audited)."""
        body = _object(self.post("/v1/guardian/check", _task_body(funcname, args, kwargs, id, None)))
        decision = body.get("decision")
        if decision == "approved":
            return GuardianDecision(True)
        if decision == "blocked":
            return GuardianDecision(False, str(body.get("reason", "")))
        raise UnexpectedResponse(200, f"unknown decision {decision!r}", json.dumps(body).encode())

    def report_events(self, events: Union[Event, Mapping[str, Any], Sequence[Union[Event, Mapping[str, Any]]]]) -> EventReceipt:
        """Records executions a bee ran by itself, all or none (one event or a list)."""
        if isinstance(events, (Event, Mapping)):
            payload: Any = _event_json(events)
        else:
            payload = [_event_json(event) for event in events]
        body = _object(self.post("/v1/events", payload))
        try:
            return EventReceipt(int(body["recorded"]), int(body["first_seq"]), int(body["last_seq"]))
        except (KeyError, TypeError, ValueError):
            raise UnexpectedResponse(200, "not an events receipt", json.dumps(body).encode()) from None

    def stats(self) -> Dict[str, Any]:
        """`GET /v1/stats`: Guardian counts, per bee/funcname windows, bee status, audit position."""
        return _object(self.get("/v1/stats"))

    def run_backups(self, database: Optional[str] = None) -> Dict[str, Any]:
        """`POST /v1/backups`: runs the configured backups now; raises `APIError` unless all succeeded."""
        return _object(self.post("/v1/backups", {} if database is None else {"database": database}))

    # MARK: transport

    def post(self, path: str, payload: JSON) -> Response:
        """A signed POST of `payload` as JSON; raises the `APIError` of any non-2xx answer."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self.post_bytes(path, body)

    def post_bytes(self, path: str, body: bytes, content_type: str = "application/json") -> Response:
        if self.key is None:
            raise ValueError("signed requests need a key: pass key= or key_file=, or set BEEKEEPER_KEY_FILE")
        target = self._prefix + path
        headers = sign_headers(self.key, "POST", target, body)
        headers["Content-Type"] = content_type
        return self._checked(self._send("POST", target, body, headers))

    def get(self, path: str) -> Response:
        headers = {"Accept": "application/json"}
        if self.bearer_token:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        return self._checked(self._send("GET", self._prefix + path, None, headers))

    def _send(self, method: str, target: str, body: Optional[bytes], headers: Dict[str, str]) -> Tuple[int, bytes, Dict[str, str]]:
        connection_class = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        connection = connection_class(self._host, self._port, timeout=self.timeout)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, data, {name.lower(): value for name, value in response.getheaders()}
        except (OSError, http.client.HTTPException, socket.timeout) as error:
            raise ConnectionFailed(f"cannot reach the sidecar at {self.server}: {error}") from error
        finally:
            connection.close()

    @staticmethod
    def _checked(answer: Tuple[int, bytes, Dict[str, str]]) -> Response:
        status, data, headers = answer
        try:
            body = json.loads(data) if data else None
        except ValueError:
            raise UnexpectedResponse(status, "the body is not JSON", data) from None
        replayed = headers.get("idempotent-replay") == "true"
        if 200 <= status < 300:
            return Response(status, body, headers)
        if not isinstance(body, dict):
            raise UnexpectedResponse(status, "an error answer without a JSON object body", data)
        retry_after = headers.get("retry-after")
        raise APIError.from_response(
            status, body, retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None, replayed=replayed
        )


def _task_body(
    funcname: str,
    args: Optional[Sequence[JSON]],
    kwargs: Optional[Mapping[str, JSON]],
    id: Optional[str],
    timeout: Optional[float],
) -> Dict[str, Any]:
    body: Dict[str, Any] = {"funcname": funcname}
    if id is not None:
        body["id"] = id
    if args is not None:
        body["args"] = list(args)
    if kwargs is not None:
        body["kwargs"] = dict(kwargs)
    if timeout is not None:
        body["timeout"] = timeout
    return body


def _event_json(event: Union[Event, Mapping[str, Any]]) -> Dict[str, Any]:
    return event.to_json() if isinstance(event, Event) else dict(event)


def _object(answer: Response) -> Dict[str, Any]:
    if not isinstance(answer.body, dict):
        raise UnexpectedResponse(answer.status, "the body is not a JSON object", json.dumps(answer.body).encode())
    return answer.body


__all__: List[str] = ["Client", "TaskResult", "GuardianDecision", "Event", "EventReceipt", "Response", "DEFAULT_SERVER"]
