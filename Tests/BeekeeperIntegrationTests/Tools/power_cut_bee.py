#!/usr/bin/env python3
"""Worker bee for the power-cut loop: every task it runs is appended (with O_APPEND, one write)
to the run log named by argv[1], which lives OUTSIDE the lazyfs mount, so the loop can count how
often each task id really ran across power cuts. Replies with the task's first argument."""
import json
import os
import sys

run_log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
for line in sys.stdin:
    task = json.loads(line)
    args = task.get("args") or []
    os.write(run_log, (json.dumps({"id": task["id"], "arg": args[0] if args else None}) + "\n").encode())
    sys.stdout.write(json.dumps({"id": task["id"], "ok": True, "result": {"ran": args[0] if args else None}}) + "\n")
    sys.stdout.flush()
