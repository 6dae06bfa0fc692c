#!/usr/bin/env python3
"""A process-kind bee for Beekeeper's integration tests: one task JSON on stdin per run.

funcname picks the behaviour:
  echo         -> result {"args":..., "kwargs":...}
  fail         -> stderr message, exit 1
  flaky        -> exit 75 (transient) until kwargs.counter file reaches kwargs.failures, then succeed
  sleep        -> spawn a grandchild `sleep 1000` (pid written to kwargs.pidfile), then sleep kwargs.seconds
  slow, queued -> sleep kwargs.seconds, then echo
  echo...      -> any other funcname starting with "echo" (hostile label tests) behaves like echo
"""
import json
import os
import subprocess
import sys
import time

task = json.load(sys.stdin)
funcname = task["funcname"]
kwargs = task.get("kwargs") or {}

if funcname.startswith("echo"):  # "echo" itself, and hostile names beginning with it
    json.dump({"task_id": task["task_id"], "args": task.get("args"), "kwargs": kwargs}, sys.stdout)
elif funcname == "fail":
    sys.stderr.write("ledger rejected the entry: account closed\n")
    sys.exit(1)
elif funcname == "flaky":
    path = kwargs["counter"]
    count = int(open(path).read()) if os.path.exists(path) else 0
    with open(path, "w") as f:
        f.write(str(count + 1))
    if count < kwargs.get("failures", 1):
        sys.stderr.write("database connection reset\n")
        sys.exit(75)
    json.dump({"attempts_seen": count + 1}, sys.stdout)
elif funcname == "sleep":
    child = subprocess.Popen(["sleep", "1000"])
    with open(kwargs["pidfile"], "w") as f:
        f.write(f"{os.getpid()} {child.pid}\n")
    time.sleep(kwargs.get("seconds", 60))
    json.dump("woke", sys.stdout)
elif funcname in ("slow", "queued"):
    gate = kwargs.get("gate")
    if gate:
        # Finish when the test opens the gate (creates the file), at the latest after `seconds`.
        deadline = time.monotonic() + float(kwargs.get("seconds", 1))
        while not os.path.exists(gate) and time.monotonic() < deadline:
            time.sleep(0.02)
    else:
        # float(): ColonyOS users submitting with pycolonies can only send string kwargs.
        time.sleep(float(kwargs.get("seconds", 1)))
    json.dump({"slept": kwargs.get("seconds", 1)}, sys.stdout)
else:
    sys.stderr.write(f"unknown funcname {funcname}\n")
    sys.exit(2)
