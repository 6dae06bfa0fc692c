"""The client against a real sidecar: outcomes, idempotent replay, events, checks, stats."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest

import beekeeper
from conftest import Sidecar


def new_id() -> str:
    return "py-" + uuid.uuid4().hex


def test_submit_returns_the_worker_result(client: beekeeper.Client) -> None:
    task = client.submit("echo", [1, "two"], {"three": [3]})
    assert task.result["args"] == [1, "two"]
    assert task.result["kwargs"] == {"three": [3]}
    assert task.replayed is False
    assert task.duration_ms is not None and task.duration_ms >= 0
    assert task.task_id


def test_unicode_bodies_are_signed_as_sent(client: beekeeper.Client) -> None:
    # Signing hashes the UTF-8 bytes on the wire: non-ASCII must not be escaped differently.
    assert client.submit("echo", ["Zürich ✓ 蜂"]).result["args"] == ["Zürich ✓ 蜂"]


def test_async_functions_and_stray_prints(client: beekeeper.Client) -> None:
    assert client.submit("later", [7]).result == {"awaited": 7}
    assert client.submit("noisy", ["buzz"]).result == "BUZZ"
    # The stray print went to the log, the worker survived: the next task runs on it.
    assert client.submit("noisy", ["again"]).result == "AGAIN"


def test_idempotent_replay_returns_the_stored_outcome(client: beekeeper.Client) -> None:
    task_id = new_id()
    first = client.submit("echo", ["once"], id=task_id)
    again = client.submit("echo", ["once"], id=task_id)
    assert first.replayed is False and again.replayed is True
    assert again.task_id == task_id
    # Same worker pid: the stored result, not a second run.
    assert again.result == first.result


def test_an_id_reused_for_another_payload_is_refused(client: beekeeper.Client) -> None:
    task_id = new_id()
    client.submit("echo", ["first"], id=task_id)
    with pytest.raises(beekeeper.IdReused) as caught:
        client.submit("echo", ["second"], id=task_id)
    assert caught.value.status == 409 and caught.value.code == "id_reused"


def test_a_task_still_running_answers_409(client: beekeeper.Client) -> None:
    task_id = new_id()
    results: list[beekeeper.TaskResult] = []
    runner = threading.Thread(target=lambda: results.append(client.submit("sleep", [1.0], id=task_id)))
    runner.start()
    try:
        error = None
        for _ in range(50):
            try:
                client.submit("sleep", [1.0], id=task_id)
            except beekeeper.TaskRunning as running:
                error = running
                break
            except beekeeper.APIError:
                raise
            threading.Event().wait(0.02)
        assert error is not None and error.status == 409
    finally:
        runner.join()
    assert results and results[0].result == 1.0


def test_transient_errors_are_retried(sidecar: Sidecar, client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "flaky"
    task = client.submit("flaky", [str(counter), 2])
    assert task.result == {"attempts": 3}
    assert counter.read_text() == "xxx"


def test_transient_errors_fail_after_the_retries(client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "always"
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit("flaky", [str(counter), 100])
    # retries.max = 3: the first attempt and three more.
    assert counter.read_text() == "xxxx"
    assert caught.value.status == 502 and caught.value.outcome == "failed"
    assert "attempt 4 failed" in caught.value.message


def test_network_errors_count_as_transient(client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "unreachable"
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit("unreachable", [str(counter)])
    assert counter.read_text() == "xxxx"
    assert "ConnectionRefusedError: the database is down" in caught.value.message


def test_permanent_errors_are_not_retried(client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "refuse"
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit("refuse", [str(counter)])
    assert counter.read_text() == "x"
    assert caught.value.message == "refused on attempt 1"
    assert caught.value.task_id


def test_unexpected_exceptions_are_permanent(client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "buggy"
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit("buggy", [str(counter)])
    assert counter.read_text() == "x"
    assert caught.value.message.startswith("KeyError")


def test_wrong_arguments_fail_the_task(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit("sleep", [], {"bogus": 1})
    assert "TypeError" in caught.value.message


def test_timeout(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.TaskTimedOut) as caught:
        client.submit("sleep", [5], timeout=0.3)
    assert caught.value.status == 504 and caught.value.outcome == "timed_out"
    # The sidecar replaced the stuck worker; the bee still serves.
    assert client.submit("echo", ["after"]).result["args"] == ["after"]


def test_blocked_by_the_guardian(client: beekeeper.Client) -> None:
    with pytest.raises(beekeeper.TaskBlocked) as caught:
        client.submit("no_such_function", [])
    assert caught.value.status == 422
    assert caught.value.reason == "unknown_funcname"


def test_guardian_check_runs_nothing(client: beekeeper.Client, tmp_path: Path) -> None:
    counter = tmp_path / "checked"
    assert client.guardian_check("refuse", [str(counter)]) == beekeeper.GuardianDecision(True, None)
    assert not counter.exists()
    decision = client.guardian_check("no_such_function")
    assert decision.approved is False and decision.reason == "unknown_funcname"


def test_report_events_are_audited(sidecar: Sidecar, client: beekeeper.Client) -> None:
    task_id = new_id()
    receipt = client.report_events([
        beekeeper.Event(task_id, "echo", "succeeded", duration_ms=12.5, attempt=1),
        {"task_id": task_id + "-b", "funcname": "echo", "outcome": "failed", "error": "disk full"},
    ])
    assert receipt.recorded == 2 and receipt.last_seq == receipt.first_seq + 1
    one = client.report_events(beekeeper.Event(task_id + "-c", "sleep", "timed_out", bee="py"))
    assert one.recorded == 1 and one.first_seq > receipt.last_seq
    records = [json.loads(line) for line in sidecar.audit_text().splitlines()]
    reported = {r["seq"]: r for r in records if r["type"] == "task.reported"}
    assert reported[receipt.first_seq]["task_id"] == task_id
    assert reported[receipt.first_seq]["bee"] == "py" and reported[receipt.first_seq]["actor"] == "ops"
    assert reported[receipt.last_seq]["error"] == "disk full"


def test_a_bad_event_records_nothing(client: beekeeper.Client) -> None:
    before = client.stats()["audit"]["last_seq"]
    with pytest.raises(beekeeper.BadRequest) as caught:
        client.report_events([beekeeper.Event(new_id(), "echo", "succeeded"), beekeeper.Event(new_id(), "echo", "exploded")])
    assert caught.value.code == "malformed_request" and "event 1" in caught.value.message
    with pytest.raises(beekeeper.BadRequest):
        client.report_events([])
    # Only the two denials' absence: malformed batches write no task.reported records.
    assert client.stats()["audit"]["last_seq"] == before


def test_stats_need_the_bearer_token(sidecar: Sidecar, client: beekeeper.Client) -> None:
    client.submit("echo", ["counted"])
    stats = client.stats()
    assert {bee["name"] for bee in stats["bees"]} == {"py", "single"}
    assert any(w["bee"] == "py" and w["funcname"] == "echo" and w["count"] >= 1 for w in stats["windows"])
    anonymous = beekeeper.Client(sidecar.url, key=sidecar.key, bearer_token="")
    with pytest.raises(beekeeper.BearerTokenRequired) as caught:
        anonymous.stats()
    assert caught.value.status == 401
    with pytest.raises(beekeeper.BearerTokenRequired):
        beekeeper.Client(sidecar.url, bearer_token="wrong").stats()


def test_key_file_and_environment_defaults(sidecar: Sidecar, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEEKEEPER_SERVER", sidecar.url)
    monkeypatch.setenv("BEEKEEPER_KEY_FILE", str(sidecar.key_file))
    assert beekeeper.Client().submit("echo", ["env"]).result["args"] == ["env"]


def test_the_queue_full_answer_carries_retry_after(client: beekeeper.Client) -> None:
    # `single`: one worker, max_queue 1. One task runs, one waits, the rest are refused.
    errors: list[beekeeper.APIError] = []
    done: list[beekeeper.TaskResult] = []

    def submit() -> None:
        try:
            done.append(client.submit("queued", [0.8]))
        except beekeeper.APIError as error:
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) >= 2 and errors
    assert all(isinstance(error, beekeeper.QueueFull) for error in errors)
    assert all(error.status == 503 and error.retry_after is not None and error.retry_after >= 1 for error in errors)


def test_unreachable_sidecar() -> None:
    client = beekeeper.Client("http://127.0.0.1:9", key=beekeeper.SigningKey.generate("ops"), timeout=5)
    with pytest.raises(beekeeper.ConnectionFailed):
        client.submit("echo")
