#!/usr/bin/env python3
"""POST /v1/guardian/check end to end, several sidecar binaries in one run (BENCHMARKS.md).

Usage: guardian-check-compare.py [--no-patterns] SECONDS ROUNDS CONNECTIONS[,CONNECTIONS...] LABEL=BINARY [LABEL=BINARY...]

For each round, each connection count and each binary in turn (alternating, so the machine's load
falls on all alike): a fresh `beekeeper serve` (release build; audit `fsync: batch`, a worker bee
serving `summarize`, the default Guardian, a signing key "bench"), then scripts/guardian-check-load.py
for SECONDS against it, and the sidecar's CPU time over the load from /proc. Prints one line per
run and a summary per binary and connection count: MB/s of body, checks/s, sidecar CPU per check.
With --no-patterns the Guardian runs with `patterns: []`: what the path costs around the regexes.
Needs python3-cryptography.
"""
import os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, PrivateFormat, NoEncryption

arguments = sys.argv[1:]
no_patterns = arguments[0] == "--no-patterns"
if no_patterns:
    arguments = arguments[1:]
seconds, rounds = float(arguments[0]), int(arguments[1])
connection_counts = [int(c) for c in arguments[2].split(",")]
binaries = [arg.split("=", 1) for arg in arguments[3:]]
here = os.path.dirname(os.path.abspath(__file__))
key = Ed25519PrivateKey.generate()
private_hex = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
public_hex = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
ticks = os.sysconf("SC_CLK_TCK")

BEE = '''import json, sys
for line in sys.stdin:
    task = json.loads(line)
    print(json.dumps({"id": task["id"], "ok": True, "result": None}), flush=True)
'''


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def run(binary, connections, port):
    directory = tempfile.mkdtemp(prefix="beekeeper-gcheck-")
    with open(f"{directory}/bee.py", "w") as f:
        f.write(BEE)
    with open(f"{directory}/beekeeper.yaml", "w") as f:
        f.write(f"""data_dir: {directory}/data
listen: 127.0.0.1:{port}
auth:
  keys: {{bench: {public_hex}}}
  clock_skew: 900s
audit:
  fsync: batch
{"guardian: {patterns: []}" if no_patterns else ""}
bees:
  - name: summarize
    funcnames: [summarize]
    kind: worker
    command: [{sys.executable}, {directory}/bee.py]
    concurrency: 1
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEEKEEPER_")}
    log = open(f"{directory}/sidecar.log", "w")
    sidecar = subprocess.Popen([binary, "serve", "--config", f"{directory}/beekeeper.yaml"], stdout=log, stderr=log, env=env)
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).status == 200:
                    break
            except Exception:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{binary} did not get ready; see {directory}/sidecar.log")
        before = cpu_seconds(sidecar.pid)
        out = subprocess.run([sys.executable, f"{here}/guardian-check-load.py", str(port), str(seconds), str(connections), private_hex],
                             capture_output=True, text=True, check=True).stdout.strip()
        used = cpu_seconds(sidecar.pid) - before
    finally:
        sidecar.send_signal(signal.SIGTERM)
        sidecar.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)
    checks = int(out.split()[0])
    rate = float(re.search(r"([\d.]+) MB/s", out).group(1))
    errors = out.rsplit("errors ", 1)[1]
    return rate, checks, used, out, errors


results = {}
port = 19600
for round_ in range(rounds):
    for connections in connection_counts:
        for label, binary in binaries:
            port += 1
            rate, checks, used, out, errors = run(binary, connections, port)
            per_check = used / checks * 1e6 if checks else float("nan")
            results.setdefault((label, connections), []).append((rate, checks / seconds, per_check))
            print(f"round {round_ + 1} {label} c={connections}: {out}; sidecar CPU {per_check:.0f} µs/check", flush=True)

print()
print("| binary | connections | MB/s of body (median, min-max) | checks/s (median) | sidecar CPU per check (median) |")
print("| --- | ---: | ---: | ---: | ---: |")
for (label, connections), runs in results.items():
    rates = sorted(r[0] for r in runs)
    cps = sorted(r[1] for r in runs)
    cpu = sorted(r[2] for r in runs)
    mid = len(runs) // 2
    print(f"| {label} | {connections} | {rates[mid]:.1f} ({rates[0]:.1f}-{rates[-1]:.1f}) | {cps[mid]:.0f} | {cpu[mid]:.0f} µs |")
