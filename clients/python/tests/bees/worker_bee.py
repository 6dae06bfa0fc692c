#!/usr/bin/env python3
"""The worker bee the client tests run under a real sidecar, written with `beekeeper.Bee`."""
import os
import time

import beekeeper

bee = beekeeper.Bee("py")


def _count(path):
    """Attempts so far, counted in a file the test reads back."""
    with open(path, "a") as handle:
        handle.write("x")
    with open(path) as handle:
        return len(handle.read())


@bee.function("echo")
def echo(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs, "pid": os.getpid()}


@bee.function("noisy")
def noisy(text):
    print("a stray print must not break the protocol")
    return text.upper()


@bee.function("flaky")
def flaky(counter, failures):
    attempt = _count(counter)
    if attempt <= failures:
        raise beekeeper.TransientError(f"attempt {attempt} failed")
    return {"attempts": attempt}


@bee.function("refuse")
def refuse(counter):
    attempt = _count(counter)
    raise beekeeper.PermanentError(f"refused on attempt {attempt}")


@bee.function("unreachable")
def unreachable(counter):
    _count(counter)
    raise ConnectionRefusedError("the database is down")


@bee.function("buggy")
def buggy(counter):
    _count(counter)
    return {}["missing"]


@bee.function("sleep")
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@bee.function("later")
async def later(value):
    return {"awaited": value}


if __name__ == "__main__":
    bee.run()
