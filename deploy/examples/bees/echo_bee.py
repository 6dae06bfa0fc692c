#!/usr/bin/env python3
"""Echo Bee: a process-kind bee that answers with its arguments.

Beekeeper runs it once per task with the task on stdin:
    {"task_id": "...", "funcname": "echo", "args": [...], "kwargs": {...}}
and takes stdout as the result. The result is the args array, so a ColonyOS process
`echo hello` closes with out = ["hello"] (an array result is the output as it is).
Exit 0 succeeded; any other exit failed, with stderr as the error.
"""
import json
import sys


def main():
    task = json.load(sys.stdin)
    json.dump(task.get("args") or [], sys.stdout)


if __name__ == "__main__":
    main()
