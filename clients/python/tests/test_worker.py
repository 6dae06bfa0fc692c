"""`beekeeper.Bee` on its own: the reply mapping, and the protocol loop as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import beekeeper

SRC = Path(__file__).resolve().parents[1] / "src"


def make_bee() -> beekeeper.Bee:
    bee = beekeeper.Bee("unit")

    @bee.function("add")
    def add(a: int, b: int = 0) -> int:
        return a + b

    @bee.function("down")
    def down() -> None:
        raise beekeeper.TransientError("try later")

    @bee.function("no")
    def no() -> None:
        raise beekeeper.PermanentError("never")

    @bee.function("timeout")
    def timeout() -> None:
        raise TimeoutError()

    @bee.function("custom", transient=(KeyError,))
    def custom() -> None:
        raise KeyError("gone")

    @bee.function("opaque")
    def opaque() -> object:
        return object()

    return bee


@pytest.mark.parametrize(
    "task, reply",
    [
        ({"id": "1", "funcname": "add", "args": [2], "kwargs": {"b": 3}}, {"id": "1", "ok": True, "result": 5}),
        ({"id": "2", "funcname": "down"}, {"id": "2", "ok": False, "error": "try later", "transient": True}),
        ({"id": "3", "funcname": "no"}, {"id": "3", "ok": False, "error": "never", "transient": False}),
        ({"id": "4", "funcname": "timeout"}, {"id": "4", "ok": False, "error": "TimeoutError", "transient": True}),
        ({"id": "5", "funcname": "custom"}, {"id": "5", "ok": False, "error": "KeyError: 'gone'", "transient": True}),
        ({"id": "6", "funcname": "add", "args": "x"}, {"id": "6", "ok": False, "error": "args must be an array and kwargs an object", "transient": False}),
    ],
)
def test_replies(task: dict, reply: dict) -> None:
    assert make_bee().handle(task) == reply


def test_unknown_funcnames_and_non_json_results_are_permanent() -> None:
    bee = make_bee()
    unknown = bee.handle({"id": "u", "funcname": "missing"})
    assert unknown["ok"] is False and unknown["transient"] is False and "missing" in unknown["error"]
    opaque = bee.handle({"id": "o", "funcname": "opaque"})
    assert opaque["ok"] is False and opaque["transient"] is False and "not JSON" in opaque["error"]


def test_a_funcname_is_registered_once() -> None:
    bee = make_bee()
    with pytest.raises(ValueError):
        bee.function("add")(lambda: None)


def run_bee(source: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", source], input=stdin, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )


BEE = """
import beekeeper
bee = beekeeper.Bee("loop")
@bee.function("shout")
def shout(text):
    print("printed, not a reply")
    return text.upper()
bee.run()
"""


def test_the_loop_answers_one_line_per_task_and_keeps_stdout_for_replies() -> None:
    tasks = [{"id": f"t{i}", "funcname": "shout", "args": [f"word {i}"], "kwargs": {}} for i in range(3)]
    done = run_bee(BEE, "".join(json.dumps(task) + "\n" for task in tasks))
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies == [{"id": f"t{i}", "ok": True, "result": f"WORD {i}"} for i in range(3)]
    assert done.stderr.count("printed, not a reply") == 3


def test_a_line_that_is_not_a_task_ends_the_worker() -> None:
    done = run_bee(BEE, "this is not json\n")
    assert done.returncode == 1 and done.stdout == ""
    assert "not a task line" in done.stderr
