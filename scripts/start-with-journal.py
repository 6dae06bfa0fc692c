#!/usr/bin/env python3
"""How long a start takes and how much memory it peaks at with a large idempotency journal
(BENCHMARKS.md section 29.2).

usage: scripts/start-with-journal.py LINES BINARY [BINARY ...]

Writes a journal of LINES outcomes (generated UUID ids, `at` over the last 20 h, a succeeded
outcome, a digest) once under /tmp, then, two rounds alternating, copies it into a fresh
data_dir/state/ for each binary, runs `BINARY serve` on the built-in defaults until GET /healthz
answers 200, and prints the time, the process's peak RSS (VmHWM) and RSS, and the journal's size after.
"""
import os, sys, time, uuid, random, subprocess, shutil, socket, json, http.client, signal
N = int(sys.argv[1]); binaries = sys.argv[2:]
src = f"/tmp/startbench-journal-{N}.jsonl"
if not os.path.exists(src):
    now = time.time(); rnd = random.Random(1)
    with open(src, "w") as f:
        for i in range(N):
            at = now - 72000 + 72000 * i / N
            f.write(json.dumps({"id": str(uuid.UUID(int=rnd.getrandbits(128))), "at": round(at, 6),
                "outcome": {"outcome": "succeeded", "result": ["bench", i], "attempts": 1, "duration_ms": 1},
                "payload_sha256": "%064x" % rnd.getrandbits(256)}, separators=(",", ":")) + "\n")
print("journal", src, os.path.getsize(src), "bytes", N, "lines")
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
for rnd in range(2):
    for b in binaries:
        d = f"/tmp/startbench-data"; shutil.rmtree(d, ignore_errors=True); os.makedirs(d + "/state")
        shutil.copy(src, d + "/state/idempotency.jsonl")
        subprocess.run(["sync"]); 
        port = free_port()
        env = dict(os.environ, BEEKEEPER_DATA_DIR=d, BEEKEEPER_LISTEN=f"127.0.0.1:{port}")
        t0 = time.time()
        p = subprocess.Popen([b, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp")
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/healthz"); r = c.getresponse(); r.read()
                if r.status == 200: break
            except Exception: pass
            if p.poll() is not None: print("exited", p.returncode); break
            time.sleep(0.02)
        t = time.time() - t0
        status = open(f"/proc/{p.pid}/status").read()
        hwm = [l for l in status.splitlines() if l.startswith("VmHWM")][0].split()[1]
        rss = [l for l in status.splitlines() if l.startswith("VmRSS")][0].split()[1]
        p.send_signal(signal.SIGTERM); p.wait(timeout=30)
        size = os.path.getsize(d + "/state/idempotency.jsonl")
        print(f"round {rnd+1} {b}: ready in {t:.2f} s, peak RSS {int(hwm)/1024:.1f} MiB, RSS when ready {int(rss)/1024:.1f} MiB, journal after {size} bytes")
