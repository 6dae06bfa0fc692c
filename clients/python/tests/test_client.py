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
    # Two submissions of one id while it runs: whichever arrives first runs, the other gets 409.
    task_id = new_id()
    outcomes: list[object] = []

    def submit() -> None:
        try:
            outcomes.append(client.submit("sleep", [1.5], id=task_id))
        except beekeeper.APIError as error:
            outcomes.append(error)

    first = threading.Thread(target=submit)
    first.start()
    threading.Event().wait(0.3)
    submit()
    first.join()
    results = [o for o in outcomes if isinstance(o, beekeeper.TaskResult)]
    running = [o for o in outcomes if isinstance(o, beekeeper.TaskRunning)]
    assert len(results) == 1 and len(running) == 1, outcomes
    assert results[0].result == 1.5 and running[0].status == 409
    # Once finished, the id answers with the stored outcome.
    assert client.submit("sleep", [1.5], id=task_id).replayed is True


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


@pytest.mark.parametrize(
    "funcname, attempts, message",
    [
        # A ConnectionError is transient by default: the first attempt and retries.max = 3 more.
        ("unreachable", 4, "ConnectionRefusedError: the database is down"),
        # PermanentError and unexpected exceptions (a bug) run once.
        ("refuse", 1, "refused on attempt 1"),
        ("buggy", 1, "KeyError: 'missing'"),
    ],
)
def test_failures_are_retried_only_when_transient(
    client: beekeeper.Client, tmp_path: Path, funcname: str, attempts: int, message: str
) -> None:
    counter = tmp_path / funcname
    with pytest.raises(beekeeper.TaskFailed) as caught:
        client.submit(funcname, [str(counter)])
    assert counter.read_text() == "x" * attempts
    assert caught.value.message == message
    assert caught.value.task_id and caught.value.outcome == "failed"


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
    monkeypatch.setenv("BEEKEEPER_URL", sidecar.url)
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
