"""A `process` bee for the pipeline tests: one task on stdin, behaviour by funcname. Every run
appends its task id to kwargs.runs (when given), so tests can count how often the bee ran."""
import json
import os
import sys
import time

task = json.load(sys.stdin)
kwargs = task.get("kwargs") or {}
if "runs" in kwargs:
    with open(kwargs["runs"], "a") as runs:
        runs.write(task["task_id"] + "\n")

funcname = task["funcname"]
if funcname == "echo":
    json.dump({"task_id": task["task_id"], "args": task["args"]}, sys.stdout)
elif funcname == "fail":
    sys.stderr.write("the ledger is closed\n")
    sys.exit(1)
elif funcname == "flaky":
    sys.stderr.write("try again\n")
    sys.exit(75)
elif funcname == "sleep":
    time.sleep(float(kwargs.get("seconds", 30)))
    json.dump("woke", sys.stdout)
