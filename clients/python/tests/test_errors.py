"""Every error code the sidecar can be made to send here, with the class the client maps it to."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from typing import Dict, Tuple

import pytest

import beekeeper
from beekeeper.signing import NONCE_HEADER, sign_headers
from conftest import Sidecar

TASK = json.dumps({"funcname": "echo", "args": ["x"]}).encode()


def raw_post(sidecar: Sidecar, path: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, Dict[str, str], dict]:
    address = urllib.parse.urlsplit(sidecar.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read())
    finally:
        connection.close()


def refusal(sidecar: Sidecar, path: str, body: bytes, headers: Dict[str, str]) -> beekeeper.APIError:
    status, _, answer = raw_post(sidecar, path, body, headers)
    assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message"}
    return beekeeper.APIError.from_response(status, answer)


def test_missing_signature(sidecar: Sidecar) -> None:
    error = refusal(sidecar, "/v1/tasks", TASK, {})
    assert isinstance(error, beekeeper.MissingSignature) and error.status == 401


def test_unknown_key(sidecar: Sidecar) -> None:
    stranger = beekeeper.Client(sidecar.url, key=beekeeper.SigningKey.generate("stranger"))
    with pytest.raises(beekeeper.UnknownKey) as caught:
        stranger.submit("echo")
    assert caught.value.status == 401 and "stranger" in caught.value.message


def test_bad_signature(sidecar: Sidecar) -> None:
    # The right key name, another key's signature.
    impostor = beekeeper.Client(sidecar.url, key=beekeeper.SigningKey.generate("ops"))
    with pytest.raises(beekeeper.BadSignature):
        impostor.submit("echo")
    # A signed body changed on the way.
    headers = sign_headers(sidecar.key, "POST", "/v1/tasks", TASK)
    assert isinstance(refusal(sidecar, "/v1/tasks", TASK + b" ", headers), beekeeper.BadSignature)
    # Signed for another path.
    headers = sign_headers(sidecar.key, "POST", "/v1/guardian/check", TASK)
    assert isinstance(refusal(sidecar, "/v1/tasks", TASK, headers), beekeeper.BadSignature)


def test_stale_timestamp(sidecar: Sidecar) -> None:
    headers = sign_headers(sidecar.key, "POST", "/v1/tasks", TASK, timestamp=int(time.time()) - 3600)
    error = refusal(sidecar, "/v1/tasks", TASK, headers)
    assert isinstance(error, beekeeper.StaleTimestamp) and error.status == 401


def test_bad_nonce(sidecar: Sidecar) -> None:
    headers = sign_headers(sidecar.key, "POST", "/v1/tasks", TASK, nonce="short")
    assert isinstance(refusal(sidecar, "/v1/tasks", TASK, headers), beekeeper.BadNonce)


def test_replayed_nonce(sidecar: Sidecar) -> None:
    headers = sign_headers(sidecar.key, "POST", "/v1/tasks", TASK)
    status, _, first = raw_post(sidecar, "/v1/tasks", TASK, headers)
    assert status == 200 and first["outcome"] == "succeeded"
    error = refusal(sidecar, "/v1/tasks", TASK, headers)
    assert isinstance(error, beekeeper.ReplayedNonce)
    # The client makes a fresh nonce for every request.
    assert headers[NONCE_HEADER] != sign_headers(sidecar.key, "POST", "/v1/tasks", TASK)[NONCE_HEADER]


def test_malformed_request(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.BadRequest) as caught:
        client.post_bytes("/v1/tasks", b"{not json")
    assert caught.value.status == 400 and caught.value.code == "malformed_request"
    with pytest.raises(beekeeper.BadRequest) as caught:
        client.post("/v1/tasks", {"funcname": "echo", "colour": "blue"})
    assert "colour" in caught.value.message
    with pytest.raises(beekeeper.BadRequest):
        client.submit("")


def test_unsupported_media_type(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.UnsupportedMediaType) as caught:
        client.post_bytes("/v1/tasks", TASK, content_type="text/plain")
    assert caught.value.status == 415


def test_payload_too_large(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.PayloadTooLarge) as caught:
        client.submit("echo", ["x" * 20_000])
    assert caught.value.status == 413 and "16384" in caught.value.message


def test_unknown_database(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.UnknownDatabase) as caught:
        client.run_backups("no_such_database")
    assert caught.value.status == 404


def test_backups_without_databases(client: beekeeper.Client) -> None:
    assert client.run_backups() == {"outcome": "succeeded", "databases": []}


def test_every_code_maps_to_its_class() -> None:
    for code in beekeeper.ERROR_CODES:
        error = beekeeper.APIError.from_response(400, {"error": {"code": code, "message": "m"}})
        assert type(error).code_name == code
    # A code this client does not know falls back to the status's class.
    assert type(beekeeper.APIError.from_response(503, {"error": {"code": "new", "message": ""}})) is beekeeper.Unavailable
    assert type(beekeeper.APIError.from_response(418, {"error": {"code": "teapot", "message": ""}})) is beekeeper.APIError


def test_a_failed_backup_is_not_a_failed_task() -> None:
    body = {"outcome": "failed", "databases": [{"database": "db", "outcome": "failed", "error": "x"}]}
    error = beekeeper.APIError.from_response(502, body)
    assert isinstance(error, beekeeper.BackupFailed) and not isinstance(error, beekeeper.TaskError)
