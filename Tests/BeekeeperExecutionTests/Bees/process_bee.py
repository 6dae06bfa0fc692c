"""A `process` bee for the BeekeeperExecution tests: reads one task from stdin and behaves as
its funcname says."""
import json
import os
import signal
import subprocess
import sys
import time


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def append(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


task = json.load(sys.stdin)
kwargs = task.get("kwargs") or {}
funcname = task["funcname"]

if funcname == "echo":
    json.dump({"received": task, "pid": os.getpid(), "pgid": os.getpgid(0)}, sys.stdout)
elif funcname == "empty":
    sys.stdout.write("  \n")
elif funcname == "not_json":
    print("this is not JSON")
elif funcname == "fail":
    # Far more than 4 KiB on stderr; only the end must come back.
    for i in range(400):
        sys.stderr.write("noise line %d: %s\n" % (i, "é" * 40))
    sys.stderr.write("final line: boom\n")
    sys.exit(1)
elif funcname == "exit_quietly":
    sys.exit(3)
elif funcname == "kill_self":
    os.kill(os.getpid(), signal.SIGKILL)
elif funcname == "flaky":
    # Exits 75 (temporary failure) `failures` times, then succeeds; counts in a file.
    path = kwargs["counter"]
    count = int(open(path).read()) if os.path.exists(path) else 0
    count += 1
    with open(path, "w") as f:
        f.write(str(count))
    if count <= kwargs["failures"]:
        sys.stderr.write("temporary failure %d\n" % count)
        sys.exit(75)
    json.dump({"attempt": count}, sys.stdout)
elif funcname == "hang":
    # Starts a child in its own process group, records the pids, then sleeps past any timeout.
    if kwargs.get("stubborn"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 1000; exit 0"])
    else:
        child = subprocess.Popen(["sleep", "1000"])
    info = {"pid": os.getpid(), "pgid": os.getpgid(0), "child": child.pid}
    with open(kwargs["pidfile"] + ".tmp", "w") as f:
        json.dump(info, f)
    os.rename(kwargs["pidfile"] + ".tmp", kwargs["pidfile"])
    time.sleep(1000)
elif funcname == "huge":
    chunk = "x" * (1 << 20)
    sys.stdout.write('"')
    for _ in range(20):
        sys.stdout.write(chunk)
    sys.stdout.write('"')
elif funcname == "marks":
    # Start and end marks in a shared log; waits (bounded) until `barrier` tasks have started,
    # so that tasks which may overlap really do.
    log = kwargs["log"]
    append(log, "S\n")
    wait_for(lambda: open(log).read().count("S") >= kwargs["barrier"], 5)
    time.sleep(0.05)
    append(log, "E\n")
    json.dump("marked", sys.stdout)
elif funcname == "gate":
    # Says it started, then waits until the test opens the gate.
    open(kwargs["started"], "w").close()
    wait_for(lambda: os.path.exists(kwargs["gate"]), 30)
    json.dump("passed the gate", sys.stdout)
else:
    sys.stderr.write("unknown funcname %s\n" % funcname)
    sys.exit(2)
