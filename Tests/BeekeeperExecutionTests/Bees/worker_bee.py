"""A `worker` bee for the BeekeeperExecution tests: answers one JSON line per task, and
misbehaves on request. argv[1], if given, is a directory where it leaves `pid-<pid>`."""
import json
import os
import sys
import time

if len(sys.argv) > 1:
    open(os.path.join(sys.argv[1], "pid-%d" % os.getpid()), "w").close()
sys.stderr.write("worker %d ready\n" % os.getpid())
sys.stderr.flush()


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    request = json.loads(line)
    task_id = request["id"]
    funcname = request["funcname"]
    kwargs = request.get("kwargs") or {}
    if funcname == "echo":
        reply({"id": task_id, "ok": True, "result": {"args": request["args"], "pid": os.getpid()}})
    elif funcname == "fail":
        reply({"id": task_id, "ok": False, "error": "nope", "transient": False})
    elif funcname == "crash":
        sys.stderr.write("worker crashing on purpose\n")
        sys.stderr.flush()
        sys.exit(3)
    elif funcname == "crash_once":
        path = kwargs["marker"]
        if not os.path.exists(path):
            open(path, "w").close()
            sys.exit(3)
        reply({"id": task_id, "ok": True, "result": "survived"})
    elif funcname == "garbage":
        sys.stdout.write("this is not a reply\n")
        sys.stdout.flush()
    elif funcname == "wrong_id":
        reply({"id": "someone-else", "ok": True, "result": 1})
    elif funcname == "hang":
        time.sleep(1000)
    elif funcname == "chatty":
        # 1 MiB on stderr before answering: a pipe nobody drains would block here.
        for _ in range(1024):
            sys.stderr.write("x" * 1023 + "\n")
        sys.stderr.flush()
        reply({"id": task_id, "ok": True, "result": "talked"})
    elif funcname == "gate":
        open(kwargs["started"], "w").close()
        deadline = time.monotonic() + 30
        while not os.path.exists(kwargs["gate"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        reply({"id": task_id, "ok": True, "result": "passed the gate"})
    else:
        reply({"id": task_id, "ok": False, "error": "unknown funcname " + funcname})
