"""Worker-kind bees (SPEC section 5) as decorated functions.

    bee = Bee("finance")

    @bee.function("validate_revenue")
    def validate_revenue(event): ...

    if __name__ == "__main__":
        bee.run()

Beekeeper writes one JSON line per task on stdin (`{"id","funcname","args","kwargs"}`) and reads
one reply line per task on stdout: `{"id","ok":true,"result"}` or
`{"id","ok":false,"error","transient":bool}`. A transient failure is retried per the bee's
`retries`; a permanent one is the task's outcome at once.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import sys
import traceback
from typing import IO, Any, Callable, Dict, Optional, Tuple, Type, TypeVar

from .errors import BeekeeperError

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("beekeeper.worker")


class TransientError(BeekeeperError):
    """Raise it when trying again later may succeed (a dependency is down): Beekeeper retries."""


class PermanentError(BeekeeperError):
    """Raise it when the task can never succeed (bad input): no retry, the task fails."""


#: exceptions that are transient unless a function says otherwise: our own marker, and the
#: network's failures that usually pass.
DEFAULT_TRANSIENT: Tuple[Type[BaseException], ...] = (TransientError, ConnectionError, TimeoutError)


class Bee:
    """A worker bee: funcnames mapped to functions, served on stdin/stdout by `run()`."""

    def __init__(self, name: str = "bee", *, transient: Tuple[Type[BaseException], ...] = DEFAULT_TRANSIENT) -> None:
        self.name = name
        self.transient = transient
        self._functions: Dict[str, Tuple[Callable[..., Any], Tuple[Type[BaseException], ...]]] = {}

    def function(self, funcname: str, *, transient: Optional[Tuple[Type[BaseException], ...]] = None) -> Callable[[F], F]:
        """Registers the decorated function for `funcname`; it is called as `f(*args, **kwargs)`.

        `transient` replaces the bee's transient exception classes for this function.
        `PermanentError` is never transient, whatever it derives from.
        """
        if not funcname:
            raise ValueError("funcname must be non-empty")

        def register(function: F) -> F:
            if funcname in self._functions:
                raise ValueError(f"funcname {funcname!r} is already registered")
            self._functions[funcname] = (function, self.transient if transient is None else transient)
            return function

        return register

    @property
    def funcnames(self) -> Tuple[str, ...]:
        return tuple(sorted(self._functions))

    def handle(self, task: Any) -> Dict[str, Any]:
        """The reply to one task (already parsed from its line)."""
        if not isinstance(task, dict) or not isinstance(task.get("id"), str):
            raise ValueError("a task must be a JSON object with a string id")
        task_id: str = task["id"]
        funcname = task.get("funcname")
        entry = self._functions.get(funcname) if isinstance(funcname, str) else None
        if entry is None:
            return _failure(task_id, f"{self.name} serves no funcname {funcname!r} (it serves {', '.join(self.funcnames)})", False)
        function, transient = entry
        args = task.get("args") or []
        kwargs = task.get("kwargs") or {}
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            return _failure(task_id, "args must be an array and kwargs an object", False)
        try:
            result = function(*args, **kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
        except PermanentError as error:
            return _failure(task_id, _message(error), False)
        except transient as error:
            return _failure(task_id, _message(error), True)
        except Exception as error:  # a bug or bad input: retrying would fail the same way
            logger.error("task failed", extra={"task_id": task_id, "funcname": funcname}, exc_info=True)
            traceback.print_exc(file=sys.stderr)
            return _failure(task_id, _message(error), False)
        try:
            json.dumps(result)
        except (TypeError, ValueError) as error:
            return _failure(task_id, f"the result is not JSON: {error}", False)
        return {"id": task_id, "ok": True, "result": result}

    def run(self, stdin: Optional[IO[bytes]] = None, stdout: Optional[IO[bytes]] = None) -> None:
        """Serves tasks until stdin closes.

        Only replies go to stdout: while a function runs, `sys.stdout` is stderr, so a stray
        `print` lands in Beekeeper's log instead of breaking the protocol.
        """
        reader = stdin if stdin is not None else sys.stdin.buffer
        if stdout is None:
            # Keep a private handle on the real stdout, then point fd 1 and sys.stdout at stderr.
            writer: IO[bytes] = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
            sys.stdout.flush()
            os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
            sys.stdout = sys.stderr
        else:
            writer = stdout
        for line in reader:
            if not line.strip():
                continue
            try:
                task = json.loads(line)
                reply = self.handle(task)
            except ValueError as error:
                # Without an id there is no reply to write; Beekeeper restarts a worker that
                # does not answer, and its task fails as transient.
                print(f"beekeeper worker: not a task line ({error}): {line[:200]!r}", file=sys.stderr)
                raise SystemExit(1) from None
            writer.write(json.dumps(reply, separators=(",", ":")).encode("utf-8") + b"\n")
            writer.flush()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _failure(task_id: str, error: str, transient: bool) -> Dict[str, Any]:
    return {"id": task_id, "ok": False, "error": error, "transient": transient}


def _message(error: BaseException) -> str:
    """Our own markers carry the author's message as is; anything else says what it was."""
    text = str(error)
    if isinstance(error, (TransientError, PermanentError)) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
