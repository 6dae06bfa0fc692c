#!/usr/bin/env python3
"""Power cuts under load: a real `beekeeper serve` whose data_dir is on lazyfs (lazyfs.py), signed
clients submitting tasks with ids, Guardian blocks and checks, SIGHUP reloads, backups and the
file shipper running; at a random moment the power goes (lazyfs freezes: nothing more becomes
durable and every fsync hangs), the sidecar is killed -9, the filesystem is rebuilt from what was
durable, and the sidecar restarts. After every restart:

  - every acknowledged task (200 succeeded, 422 blocked) has its record in the audit log;
  - `beekeeper audit verify` passes on the recovered directory;
  - Guardian stats served (/v1/stats) equal the task.approved/task.blocked records;
  - ids answered before the cut are answered again as replays (Idempotent-Replay: true) and the
    bee's run log (outside the mount) shows each acknowledged id ran exactly once;
  - every backup manifest names a dump with its size and sha256, every dump is a whole gzip;
  - every `.shipped` marker names a segment whose copy at the target is whole and identical;
  - the restart (spawn to listening) took under --restart-limit seconds.

    power_cut.py --binary .build/debug/beekeeper --cycles 100 [--seed N] [--pg-url URL]

Prints one JSON summary line last; exit 0 only when nothing was lost.
"""
import argparse
import base64
import glob
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

TOOLS = os.path.dirname(os.path.abspath(__file__))
LAZYFS = os.path.join(TOOLS, "lazyfs.py")
BEE = os.path.join(TOOLS, "power_cut_bee.py")
INJECTION = "x'; DROP TABLE users; --"


class Signer:
    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.public_hex = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()

    def headers(self, path, body):
        ts = str(int(time.time()))
        nonce = uuid.uuid4().hex
        message = "\n".join(["beekeeper-request v1", "POST", path, ts, nonce, hashlib.sha256(body).hexdigest()])
        return {
            "X-Beekeeper-Key": "ops", "X-Beekeeper-Timestamp": ts, "X-Beekeeper-Nonce": nonce,
            "X-Beekeeper-Signature": base64.b64encode(self.key.sign(message.encode())).decode(),
            "Content-Type": "application/json",
        }


class Ledger:
    """What clients saw acknowledged, across all cycles."""

    def __init__(self):
        self.lock = threading.Lock()
        self.succeeded = {}  # id -> body bytes
        self.blocked = {}  # id -> reason
        self.cycle_succeeded = []

    def ok(self, task_id, body):
        with self.lock:
            self.succeeded[task_id] = body
            self.cycle_succeeded.append(task_id)

    def block(self, task_id, reason):
        with self.lock:
            self.blocked[task_id] = reason


def post(port, signer, path, body, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=signer.headers(path, body))
        response = connection.getresponse()
        data = response.read()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), data
    finally:
        connection.close()


def get(port, path, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def client(port, signer, ledger, stop, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        task_id = f"pc-{uuid.uuid4().hex[:16]}"
        roll = rng.random()
        try:
            if roll < 0.75:
                body = json.dumps({"id": task_id, "funcname": "record", "args": [task_id]}).encode()
                status, _, data = post(port, signer, "/v1/tasks", body)
                if status == 200 and json.loads(data).get("outcome") == "succeeded":
                    ledger.ok(task_id, body)
            elif roll < 0.88:
                body = json.dumps({"id": task_id, "funcname": "record", "args": [INJECTION]}).encode()
                status, _, data = post(port, signer, "/v1/tasks", body)
                if status == 422:
                    ledger.block(task_id, json.loads(data).get("reason"))
            else:
                body = json.dumps({"funcname": "record", "args": ["hello"]}).encode()
                post(port, signer, "/v1/guardian/check", body)
        except (OSError, http.client.HTTPException, ValueError):
            return  # the sidecar died under this request: the power is gone


def disturber(port, signer, pid, stop, seed, backups):
    """SIGHUP reloads and backup runs at random moments, so cuts land in them too."""
    rng = random.Random(seed)
    while not stop.wait(rng.uniform(0.05, 0.4)):
        try:
            if rng.random() < 0.5:
                os.kill(pid, signal.SIGHUP)
            elif backups:
                post(port, signer, "/v1/backups", b"{}", timeout=30)
        except (OSError, http.client.HTTPException):
            return


class Rig:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="beekeeper-power-cut-")
        self.backing = os.path.join(self.work, "backing")
        self.durable = os.path.join(self.work, "durable")
        self.mnt = os.path.join(self.work, "mnt")
        self.run_log = os.path.join(self.work, "runs.jsonl")
        self.config = os.path.join(self.work, "beekeeper.yaml")
        for d in (self.backing, self.mnt, os.path.join(self.backing, "shipped")):
            os.makedirs(d)
        self.signer = Signer()
        self.data = os.path.join(self.mnt, "data")
        backup = ""
        if args.pg_url:
            backup = f"""backup:
  databases: [{{name: pc, url: "{args.pg_url}"}}]
  keep: {{last: 2, days: 2, weeks: 1, months: 1}}
"""
        with open(self.config, "w") as f:
            f.write(f"""data_dir: {self.data}
listen: 127.0.0.1:0
auth:
  keys: {{ops: {self.signer.public_hex}}}
  clock_skew: 60s
audit:
  fsync: batch
  rotate_bytes: 16KiB
  checkpoint_interval: 200ms
bees:
  - name: cutter
    funcnames: [record]
    kind: worker
    command: [{sys.executable}, {BEE}, {self.run_log}]
    concurrency: 2
    timeout: 10s
    max_queue: 200
guardian:
  persist_interval: 100ms
shipper:
  target: file://{self.mnt}/shipped/
  initial_backoff: 100ms
  max_backoff: 1s
{backup}""")
        self.fs = None
        self.control = None
        self.sidecar = None
        self.log_path = None

    # -- the filesystem --

    def mount(self):
        self.fs_log = open(os.path.join(self.work, "lazyfs.log"), "ab")
        torn = ["--torn", str(random.randrange(1 << 30))] if self.args.torn else []
        self.fs = subprocess.Popen([sys.executable, LAZYFS, "mount", self.backing, self.durable, self.mnt] + torn,
                                   stderr=self.fs_log, stdout=self.fs_log)
        deadline = time.time() + 30
        while not os.path.ismount(self.mnt):
            if self.fs.poll() is not None or time.time() > deadline:
                raise RuntimeError("lazyfs did not mount; see " + self.fs_log.name)
            time.sleep(0.01)

    def unmount(self):
        if self.fs is not None:
            self.fs.kill()
            self.fs.wait()
            self.fs = None
        subprocess.run(["fusermount", "-u", "-z", self.mnt], stderr=subprocess.DEVNULL)
        if self.control is not None:
            try:
                os.close(self.control)
            except OSError:
                pass  # the filesystem behind it is gone
            self.control = None

    def freeze(self):
        # Not closed until lazyfs is gone: once frozen, the first fsync blocks lazyfs for good,
        # and a close (FUSE flush) queued behind it would hang this process too.
        self.control = os.open(os.path.join(self.mnt, ".lazyfs-control"), os.O_WRONLY)
        os.write(self.control, b"freeze")

    # -- the sidecar --

    def start(self, cycle):
        self.log_path = os.path.join(self.work, f"sidecar-{cycle if self.args.keep else cycle % 3}.log")
        log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEEKEEPER_")}
        started = time.monotonic()
        self.sidecar = subprocess.Popen([self.args.binary, "serve", "--config", self.config], stdout=log, stderr=log,
                                        env=env, cwd=self.work, start_new_session=True)
        deadline = started + 60
        while True:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
            match = re.search(r'address(=|":")127\.0\.0\.1:(\d+)', text)
            if match:
                self.port = int(match.group(2))
                return time.monotonic() - started
            if self.sidecar.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sidecar did not start (cycle {cycle}):\n{text[-3000:]}")
            time.sleep(0.005)

    def kill_sidecar(self):
        try:
            os.killpg(self.sidecar.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # -- reading what survived --

    def audit_records(self):
        # The sidecar may be compressing a sealed segment (renaming .jsonl to .jsonl.gz) meanwhile.
        for _ in range(20):
            try:
                return self.read_audit()
            except FileNotFoundError:
                time.sleep(0.05)
        return self.read_audit()

    def read_audit(self):
        records = []
        directory = os.path.join(self.data, "audit")
        for name in sorted(os.listdir(directory)):
            if not name.startswith("audit-") or not (name.endswith(".jsonl") or name.endswith(".jsonl.gz")):
                continue
            path = os.path.join(directory, name)
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                for line in f:
                    if line.endswith(b"\n"):
                        records.append(json.loads(line))
        return records

    def verify_audit(self):
        result = subprocess.run([self.args.binary, "audit", "verify", "--config", self.config],
                                capture_output=True, text=True, cwd=self.work)
        return result.returncode, (result.stdout + result.stderr).strip()


def check_backups(data):
    problems = []
    root = os.path.join(data, "backups")
    if not os.path.isdir(root):
        return problems, 0
    manifests = 0
    for manifest in glob.glob(os.path.join(root, "last", "*.json")):
        manifests += 1
        with open(manifest) as f:
            text = f.read()
        try:
            claim = json.loads(text)
        except ValueError:
            problems.append(f"backup manifest {manifest} is not whole JSON ({len(text)} bytes)")
            continue
        dump = os.path.join(os.path.dirname(manifest), os.path.basename(claim["file"]))
        if not os.path.exists(dump):
            problems.append(f"backup manifest {manifest} names {claim['file']}, which is missing")
            continue
        with open(dump, "rb") as f:
            content = f.read()
        if len(content) != claim["size_bytes"] or hashlib.sha256(content).hexdigest() != claim["sha256"]:
            problems.append(f"backup {claim['file']}: {len(content)} bytes, not the {claim['size_bytes']} with the sha256 its manifest claims")
    for dump in glob.glob(os.path.join(root, "*", "*.sql.gz")):
        try:
            with gzip.open(dump, "rb") as f:
                while f.read(1 << 20):
                    pass
        except (OSError, EOFError) as error:
            problems.append(f"backup {os.path.relpath(dump, root)} is not a whole gzip: {error}")
    return problems, manifests


def check_shipped(data, mnt):
    problems = []
    audit = os.path.join(data, "audit")
    markers = glob.glob(os.path.join(audit, "*.jsonl.gz.shipped"))
    for marker in markers:
        name = os.path.basename(marker)[: -len(".shipped")]
        local, remote = os.path.join(audit, name), os.path.join(mnt, "shipped", name)
        if not os.path.exists(remote):
            problems.append(f"marker {os.path.basename(marker)} claims a shipment the target does not have")
            continue
        with open(remote, "rb") as f:
            shipped = f.read()
        if os.path.exists(local):
            with open(local, "rb") as f:
                if f.read() != shipped:
                    problems.append(f"shipped {name} differs from the local segment")
        try:
            gzip.decompress(shipped)
        except (OSError, EOFError) as error:
            problems.append(f"shipped {name} is not a whole gzip: {error}")
    return problems, len(markers)


def run(args):
    rig = Rig(args)
    ledger = Ledger()
    rng = random.Random(args.seed)
    failures = []
    restarts = []
    seen_types = {}
    summary = {"seed": args.seed, "cycles": 0, "work": rig.work, "binary": args.binary}
    previous_cycle = []
    began = time.monotonic()
    try:
        for cycle in range(args.cycles + 1):
            rig.mount()
            restart = rig.start(cycle)
            if cycle > 0:
                restarts.append(restart)
                if restart > args.restart_limit:
                    failures.append(f"cycle {cycle}: restart took {restart:.2f} s")
            # -- checks of what survived the previous cut --
            records = rig.audit_records()
            succeeded = {r.get("task_id") for r in records if r.get("type") == "task.succeeded"}
            blocked_ids = {r.get("task_id") for r in records if r.get("type") == "task.blocked"}
            seen_types = {}  # the log keeps every cycle's records: its counts are the run's
            for r in records:
                seen_types[r["type"]] = seen_types.get(r["type"], 0) + 1
            lost = [i for i in ledger.succeeded if i not in succeeded]
            lost += [i for i in ledger.blocked if i not in blocked_ids]
            if lost:
                failures.append(f"cycle {cycle}: {len(lost)} acknowledged tasks missing from the audit log, e.g. {lost[:3]}")
            code, output = rig.verify_audit()
            if code != 0:
                failures.append(f"cycle {cycle}: audit verify exit {code}: {output[-500:]}")
            status, body = get(rig.port, "/v1/stats")
            stats = json.loads(body).get("guardian", {})
            approved = sum(1 for r in records if r.get("type") == "task.approved")
            reasons = {}
            for r in records:
                if r.get("type") == "task.blocked":
                    reasons[r.get("reason")] = reasons.get(r.get("reason"), 0) + 1
            if stats.get("approved") != approved or {k: v for k, v in (stats.get("blocked") or {}).items() if v} != reasons:
                failures.append(f"cycle {cycle}: guardian stats {stats} != audit approved {approved} blocked {reasons}")
            # Ids answered before the cut come back as replays, and never run again.
            for task_id in rng.sample(previous_cycle, min(len(previous_cycle), args.replays)):
                try:
                    status, headers, data = post(rig.port, rig.signer, "/v1/tasks", ledger.succeeded[task_id])
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"cycle {cycle}: replay of {task_id} failed: {error}")
                    continue
                if status != 200 or headers.get("idempotent-replay") != "true":
                    failures.append(f"cycle {cycle}: {task_id}, answered before the cut, got {status} replay={headers.get('idempotent-replay')}")
            runs = {}
            with open(rig.run_log) if os.path.exists(rig.run_log) else open(os.devnull) as f:
                for line in f:
                    task_id = json.loads(line)["arg"]
                    runs[task_id] = runs.get(task_id, 0) + 1
            rerun = [i for i in ledger.succeeded if runs.get(i, 0) != 1]
            if rerun:
                failures.append(f"cycle {cycle}: {len(rerun)} acknowledged ids ran {[runs.get(i, 0) for i in rerun[:3]]} times, e.g. {rerun[:3]}")
            problems, manifests = check_backups(rig.data)
            failures += [f"cycle {cycle}: {p}" for p in problems]
            problems, markers = check_shipped(rig.data, rig.mnt)
            failures += [f"cycle {cycle}: {p}" for p in problems]
            summary.update(cycles=cycle, acknowledged=len(ledger.succeeded) + len(ledger.blocked),
                           backup_manifests=manifests, shipped_markers=markers, audit_records=len(records))
            if failures and args.stop_on_failure:
                break
            if cycle == args.cycles or (args.minutes and time.monotonic() - began > 60 * args.minutes):
                rig.kill_sidecar()
                rig.sidecar.wait()
                break
            # -- load, then the cut --
            ledger.cycle_succeeded = []
            stop = threading.Event()
            threads = [threading.Thread(target=client, args=(rig.port, rig.signer, ledger, stop, rng.random()))
                       for _ in range(args.clients)]
            threads.append(threading.Thread(target=disturber, args=(rig.port, rig.signer, rig.sidecar.pid, stop,
                                                                    rng.random(), bool(args.pg_url))))
            for t in threads:
                t.start()
            # Mostly short cycles (cuts land in group commits, rotations, checkpoints, journal writes,
            # shipments, reloads); some long enough for a backup to finish, or to be cut late.
            long_cycle = rng.random() < 0.25
            time.sleep(rng.uniform(args.max_load, 3 * args.max_load) if long_cycle else rng.uniform(args.min_load, args.max_load))
            rig.freeze()
            rig.kill_sidecar()
            stop.set()
            rig.unmount()
            rig.sidecar.wait()
            for t in threads:
                t.join()
            previous_cycle = list(ledger.cycle_succeeded)
            if args.verbose:
                print(f"cycle {cycle}: acknowledged so far {len(ledger.succeeded)} ok + {len(ledger.blocked)} blocked",
                      file=sys.stderr, flush=True)
    finally:
        if rig.sidecar is not None and rig.sidecar.poll() is None:
            rig.kill_sidecar()
        rig.unmount()
        if rig.sidecar is not None:
            rig.sidecar.wait()
    restarts.sort()
    summary.update(
        seconds=round(time.monotonic() - began, 1),
        succeeded=len(ledger.succeeded), blocked=len(ledger.blocked), failures=failures[:20], failure_count=len(failures),
        restart_max_s=round(restarts[-1], 3) if restarts else None,
        restart_p50_s=round(restarts[len(restarts) // 2], 3) if restarts else None,
        record_types=seen_types)
    if not failures and not args.keep:
        shutil.rmtree(rig.work, ignore_errors=True)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--seed", type=int, default=random.randrange(1, 2**32))
    parser.add_argument("--pg-url", default=os.environ.get("BEEKEEPER_TEST_PG_URL"))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--replays", type=int, default=10)
    parser.add_argument("--min-load", type=float, default=0.3)
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--restart-limit", type=float, default=2.0)
    parser.add_argument("--minutes", type=float, default=0, help="stop after the first cycle past this budget")
    parser.add_argument("--torn", action="store_true", help="lazyfs keeps random prefixes of unsynced appends (torn tails)")
    parser.add_argument("--stop-on-failure", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    summary = run(args)
    print(json.dumps(summary))
    sys.exit(1 if summary["failure_count"] else 0)


if __name__ == "__main__":
    main()
