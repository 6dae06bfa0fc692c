#!/usr/bin/env python3
"""Power cuts under load: a real `beekeeper serve` whose data_dir is on lazyfs (lazyfs.py), signed
clients submitting tasks with ids, Guardian blocks and checks, a ColonyOS source (the stand-in,
colonies_standin.py, running outside the mount across cuts) handing it processes, SIGHUP
reloads, backups and the file shipper running; at a random moment the power goes (lazyfs
freezes: nothing more becomes durable and every fsync hangs), the sidecar is killed -9, the
filesystem is rebuilt from what was durable, and the sidecar restarts.

Every cut is classified by what it interrupted (lazyfs's report of unsynced files and directory
entries at the cut, the sidecar's log for reloads): mid group commit, rotation, compression,
checkpoint, backup dump, shipment, idempotency-journal write, SIGHUP reload. One cut in
--force-every is forced into a moment, in turn: lazyfs is armed to cut right after the write
(or create) that moment makes, so rare moments are met every run. The summary counts, per
moment, the cuts that landed while it was in flight (`moments`) and the forced cuts (`forced`).

After every restart:

  - every acknowledged task (200 succeeded, 422 blocked) has its record in the audit log;
  - `beekeeper audit verify` passes on the recovered directory;
  - Guardian stats served (/v1/stats) equal the task.approved/task.blocked records;
  - ids answered before the cut are answered again as replays (Idempotent-Replay: true) and the
    bee's run log (outside the mount) shows each acknowledged id ran exactly once;
  - every backup manifest names a dump with its size and sha256, every dump is a whole gzip;
  - every `.shipped` marker names a segment whose copy at the target is whole and identical;
  - every process the stand-in saw closed successful has its task.succeeded record in the log,
    and no task (ColonyOS process or signed request) ran more than once (the bee's run log);
  - the restart (spawn to listening) took under --restart-limit seconds.

    power_cut.py --binary .build/debug/beekeeper --cycles 100 [--seed N] [--pg-url URL]

Prints one JSON summary line last; exit 0 only when nothing was lost.
"""
import argparse
import base64
import concurrent.futures
import fnmatch
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
STANDIN = os.path.join(TOOLS, "colonies_standin.py")
INJECTION = "x'; DROP TABLE users; --"

# The moments a cut is classified into, in the order forced cuts take them.
MOMENTS = ["group_commit", "rotation", "compression", "checkpoint", "backup", "shipment", "journal", "reload"]
# What lazyfs is armed with to force each moment.
TRIGGERS = {
    "group_commit": "arm write data/audit/audit-*.jsonl",
    "rotation": "arm create data/audit/audit-*.jsonl",
    "compression": "arm write data/audit/audit-*.jsonl.gz.tmp",
    "checkpoint": 'arm write data/audit/audit-*.jsonl "type":"audit.checkpoint"',
    "backup": "arm write data/backups/*.tmp",
    "shipment": "arm write shipped/.*.tmp",
    "journal": "arm write data/state/idempotency.jsonl",
    # The loop sends SIGHUP; the cut comes right after the reload writes its record, before the fsync.
    "reload": 'arm write data/audit/audit-*.jsonl "type":"config.reloaded"',
}
LIVE_SEGMENT = "data/audit/audit-*.jsonl"


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


def disturber(port, signer, pid, stop, seed, backups, backup_now):
    """SIGHUP reloads and backup runs at random moments, so cuts land in them too."""
    rng = random.Random(seed)
    try:
        if backup_now and backups:
            post(port, signer, "/v1/backups", b"{}", timeout=30)
        while not stop.wait(rng.uniform(0.05, 0.4)):
            if rng.random() < 0.5:
                os.kill(pid, signal.SIGHUP)
            elif backups:
                post(port, signer, "/v1/backups", b"{}", timeout=30)
    except (OSError, http.client.HTTPException):
        return


def new_lines(path, offset):
    """The whole lines appended to `path` since `offset`, and the offset after them."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n") + 1
    return data[:end].splitlines(), offset + end


class Colonies:
    """The ColonyOS stand-in, outside the mount for the whole run (its state survives the cuts
    as a real server's would), a colony with a user, and this sidecar's executor registered."""

    def __init__(self, work):
        sys.path.insert(0, TOOLS)
        from colonies_rpc import Client, new_key
        from colonies_setup import setup, write_key_file
        self.directory = os.path.join(work, "standin")
        os.makedirs(self.directory)
        server_prv, server_id = new_key()
        self.log_path = os.path.join(self.directory, "requests.jsonl")
        self.stderr = open(os.path.join(self.directory, "standin.log"), "ab")
        self.process = subprocess.Popen(
            [sys.executable, STANDIN, "--port", "0", "--server-id", server_id, "--state", os.path.join(self.directory, "state.json"),
             "--log", self.log_path], stdout=subprocess.PIPE, stderr=self.stderr, start_new_session=True)
        line = self.process.stdout.readline().decode()
        if not line.startswith("colonies-standin listening on"):
            raise RuntimeError("the ColonyOS stand-in did not start; see " + self.stderr.name)
        self.url = "http://" + line.split()[-1]
        self.setup = setup(self.url, server_prv, "dev", "beekeeper-1", "beekeeper", register=True, use_pycolonies=False)
        self.key_file = os.path.join(self.directory, "executor.key")
        write_key_file(self.key_file, self.setup["executorprvkey"])
        self.client = Client(self.url, timeout=10)
        self.lock = threading.Lock()
        self.tokens = {}  # process id -> the token its bee run writes to the run log
        self.log_offset = 0
        self.closed_ok = set()
        self.closed_failed = set()
        self.cancel_error = None

    def config(self):
        return f"""colonies:
  server: {self.url}
  colony: dev
  executor_name: beekeeper-1
  executor_type: beekeeper
  executor_key_file: {self.key_file}
  assign_timeout: 1s
  concurrency: 2
"""

    def submit(self, stop, seed):
        """Processes for the sidecar (one in eight blocked by the Guardian) while the load runs."""
        rng = random.Random(seed)
        while not stop.wait(0.02):
            token = f"co-{uuid.uuid4().hex[:16]}"
            spec = {"funcname": "record", "args": [INJECTION if rng.random() < 0.125 else token], "kwargs": {},
                    "maxexectime": -1, "maxretries": 0, "maxwaittime": -1, "priority": 0,
                    "conditions": {"colonyname": "dev", "executortype": "beekeeper"}}
            try:
                status, process, _ = self.client.submit_spec(spec, self.setup["userprvkey"])
            except OSError:
                continue
            if status == 200 and process:
                with self.lock:
                    self.tokens[process["processid"]] = spec["args"][0]

    def cancel_waiting(self):
        """While the sidecar is down: cancels the processes still waiting, so the restarted sidecar
        takes no new work while its checks run (stats and records must hold still to be compared).
        Those it held stay running at the stand-in: the restart settles them as orphans."""
        self.cancel_error = None
        try:
            self._cancel_waiting()
        except (OSError, RuntimeError) as error:
            self.cancel_error = error

    def _cancel_waiting(self):
        for _ in range(100):
            status, waiting, message = self.client.list_processes("dev", 0, self.setup["userprvkey"], count=100)
            if status != 200:
                raise RuntimeError(f"the stand-in would not list waiting processes: {status} {message}")
            if not waiting:
                return
            for process in waiting:
                self.client.cancel(process["processid"], self.setup["userprvkey"])
        raise RuntimeError("the stand-in still has waiting processes after 100 rounds of cancels")

    def read_log(self):
        """Closes the stand-in answered 200 since the last look."""
        lines, self.log_offset = new_lines(self.log_path, self.log_offset)
        for line in lines:
            entry = json.loads(line)
            if entry.get("status") != 200:
                continue
            if entry.get("msgtype") == "closesuccessfulmsg":
                self.closed_ok.add(entry.get("processid"))
            elif entry.get("msgtype") == "closefailedmsg":
                self.closed_failed.add(entry.get("processid"))

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Rig:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="beekeeper-power-cut-")
        self.backing = os.path.join(self.work, "backing")
        self.durable = os.path.join(self.work, "durable")
        self.mnt = os.path.join(self.work, "mnt")
        self.report = os.path.join(self.work, "cut.json")
        self.run_log = os.path.join(self.work, "runs.jsonl")
        self.config = os.path.join(self.work, "beekeeper.yaml")
        for d in (self.backing, self.mnt, os.path.join(self.backing, "shipped")):
            os.makedirs(d)
        self.signer = Signer()
        self.data = os.path.join(self.mnt, "data")
        # The checks read the files behind the mount: lazyfs passes every operation through to
        # BACKING, so it holds what the sidecar sees, without a FUSE round trip per read.
        self.view = os.path.join(self.backing, "data")
        self.sealed_cache = {}  # (compressed segment name, size) -> its records: sealed files never change
        self.shipped_cache = set()  # (segment name, size) shipped and checked whole
        self.runs = {}  # task token -> times the bee ran it (the run log, read incrementally)
        self.runs_offset = 0
        self.colonies = Colonies(self.work) if args.colonies else None
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
{backup}{self.colonies.config() if self.colonies else ""}""")
        self.fs = None
        self.control = None
        self.sidecar = None
        self.log_path = None
        self.torn_rng = random.Random(args.seed)
        self.torn_mounts = 0
        self.last_report = {}
        self.last_moments = set()
        self.last_forced = None
        self.double_listed = 0
        self.double_read = []

    # -- the filesystem --

    def mount(self):
        self.fs_log = open(os.path.join(self.work, "lazyfs.log"), "ab")
        # --torn: every remount may keep torn tails; --torn-share: that share of them (drawn from the seed).
        torn_now = self.args.torn or self.torn_rng.random() < self.args.torn_share
        self.torn_mounts += torn_now
        torn = ["--torn", str(self.torn_rng.randrange(1 << 30))] if torn_now else []
        if os.path.exists(self.report):
            os.unlink(self.report)
        self.fs = subprocess.Popen([sys.executable, LAZYFS, "mount", self.backing, self.durable, self.mnt, "--report", self.report] + torn,
                                   stderr=self.fs_log, stdout=self.fs_log)
        deadline = time.time() + 30
        while not os.path.ismount(self.mnt):
            if self.fs.poll() is not None or time.time() > deadline:
                raise RuntimeError("lazyfs did not mount; see " + self.fs_log.name)
            time.sleep(0.005)

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

    def arm(self, trigger):
        fd = os.open(os.path.join(self.mnt, ".lazyfs-control"), os.O_WRONLY)
        try:
            os.write(fd, (trigger + "\n").encode())
        finally:
            os.close(fd)

    def freeze(self):
        """Cuts the power unless an armed trigger did already. Once cut, lazyfs may be blocked in
        an fsync for good and a control write queued behind it would never return: so the write
        runs in a thread this waits for only as long as the report takes to appear."""
        def write():
            try:
                # Not closed until lazyfs is gone: a close (FUSE flush) queued behind a blocked
                # fsync would hang this process too.
                self.control = os.open(os.path.join(self.mnt, ".lazyfs-control"), os.O_WRONLY)
                os.write(self.control, b"freeze")
            except OSError:
                pass  # lazyfs is gone
        if os.path.exists(self.report):
            return
        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not os.path.exists(self.report) and time.monotonic() < deadline:
            thread.join(0.002)

    def cut_report(self):
        try:
            with open(self.report) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"reason": "no report", "dirty": [], "entries": []}

    # -- the sidecar --

    def start(self, cycle):
        self.log_path = os.path.join(self.work, f"sidecar-{cycle if self.args.keep else cycle % 3}.log")
        log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BEEKEEPER_")}
        started = time.monotonic()
        self.sidecar = subprocess.Popen([self.args.binary, "serve", "--config", self.config], stdout=log, stderr=log,
                                        env=env, cwd=self.work, start_new_session=True)
        deadline = started + 60
        seen = 0
        text = ""
        with open(self.log_path, "rb") as reader:
            while True:
                chunk = reader.read()
                if chunk:
                    text += chunk.decode(errors="replace")
                    match = re.search(r'address(=|":")127\.0\.0\.1:(\d+)', text[max(0, seen - 64):])
                    seen = len(text)
                    if match:
                        self.port = int(match.group(2))
                        return time.monotonic() - started
                if self.sidecar.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"sidecar did not start (cycle {cycle}):\n{text[-3000:]}")
                time.sleep(0.002)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

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
        """Every record once, in seq order. A segment being compressed is listed twice for a moment
        (`.jsonl.gz` renamed into place, `.jsonl` not yet removed): only the compressed one is read,
        else its records count twice. `double_listed` says how often that happened."""
        return read_audit_directory(os.path.join(self.view, "audit"), self, self.sealed_cache)

    def verify_audit(self):
        result = subprocess.run([self.args.binary, "audit", "verify", "--config", self.config, os.path.join(self.view, "audit")],
                                capture_output=True, text=True, cwd=self.work)
        return result.returncode, (result.stdout + result.stderr).strip()


def read_audit_directory(directory, counter=None, cache=None):
    segments = {}
    for name in os.listdir(directory):
        match = re.fullmatch(r"audit-(\d+)\.jsonl(\.gz)?", name)
        if match:
            segments.setdefault(int(match.group(1)), []).append(name)
    records = []
    for first in sorted(segments):
        names = sorted(segments[first], key=lambda n: not n.endswith(".gz"))  # the .gz first
        if len(names) > 1 and counter is not None:
            # What the loop's reader before issue 14's fix did: read both, count both.
            counter.double_listed = getattr(counter, "double_listed", 0) + 1
            counter.double_read = getattr(counter, "double_read", [])
            try:
                with open(os.path.join(directory, names[1]), "rb") as f:
                    counter.double_read += [json.loads(line) for line in f if line.endswith(b"\n")]
            except FileNotFoundError:
                pass  # removed meanwhile
        name = names[0]
        path = os.path.join(directory, name)
        key = (name, os.path.getsize(path)) if cache is not None and name.endswith(".gz") else None
        if key in (cache or {}):
            records += cache[key]
            continue
        segment = []
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):
                    segment.append(json.loads(line))
        if key is not None:
            cache[key] = segment
        records += segment
    return records


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


def check_shipped(data, mnt, checked):
    """`checked`: (name, size) of shipments found whole before; a durable file cannot change, so
    they are only looked up again, not re-read."""
    problems = []
    audit = os.path.join(data, "audit")
    markers = glob.glob(os.path.join(audit, "*.jsonl.gz.shipped"))
    for marker in markers:
        name = os.path.basename(marker)[: -len(".shipped")]
        local, remote = os.path.join(audit, name), os.path.join(mnt, "shipped", name)
        if not os.path.exists(remote):
            problems.append(f"marker {os.path.basename(marker)} claims a shipment the target does not have")
            continue
        key = (name, os.path.getsize(remote))
        if key in checked and (not os.path.exists(local) or os.path.getsize(local) == key[1]):
            continue
        problem_count = len(problems)
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
        if len(problems) == problem_count:
            checked.add(key)
    return problems, len(markers)


def classify(report, backing):
    """The moments a cut landed in, from what lazyfs says was unsynced at the cut (files with
    unsynced bytes, directory entries not yet durable). Call before the remount: the unsynced
    bytes are read from BACKING. Reloads are told from the log (see run)."""
    changed = [(e["dir"] + "/" if e["dir"] else "") + name for e in report.get("entries", []) for name in e["added"] + e["removed"]]
    dirty = [d for d in report.get("dirty", []) if d["size"] != d["durable_size"]]
    dirty_paths = [d["path"] for d in dirty]

    def hit(paths, *patterns):
        return any(fnmatch.fnmatchcase(p, pattern) for p in paths for pattern in patterns)

    moments = set()
    if hit(dirty_paths, LIVE_SEGMENT):
        moments.add("group_commit")
    if hit(changed, LIVE_SEGMENT):
        moments.add("rotation")  # a new live segment whose entry is not durable yet
    if hit(changed + dirty_paths, "data/audit/audit-*.jsonl.gz.tmp", "data/audit/audit-*.jsonl.gz") or any(
            fnmatch.fnmatchcase(e["dir"] + "/" + n, LIVE_SEGMENT) for e in report.get("entries", []) for n in e["removed"]):
        moments.add("compression")
    if hit(changed + dirty_paths, "data/state/audit-position.json*"):
        moments.add("checkpoint")
    for d in dirty:
        if fnmatch.fnmatchcase(d["path"], LIVE_SEGMENT):
            try:
                with open(os.path.join(backing, d["path"]), "rb") as f:
                    f.seek(d["durable_size"])
                    unsynced = f.read(d["size"] - d["durable_size"])
            except OSError:
                continue
            if b'"type":"audit.checkpoint"' in unsynced:
                moments.add("checkpoint")
            if b'"type":"config.reloaded"' in unsynced or b'"type":"config.reload_failed"' in unsynced:
                moments.add("reload")  # a reload's record written, not yet durable (a torn tail may keep it)
    if hit(changed + dirty_paths, "data/backups/*"):
        moments.add("backup")
    if hit(changed + dirty_paths, "shipped/*", "data/audit/*.shipped"):
        moments.add("shipment")
    if hit(dirty_paths, "data/state/idempotency.jsonl") or hit(changed, "data/state/idempotency.jsonl*"):
        moments.add("journal")
    return moments


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)


def run(args):
    rig = Rig(args)
    ledger = Ledger()
    rng = random.Random(args.seed)
    failures = []
    restarts = []
    slow = []  # restarts over --restart-limit
    reported = [0, 0]  # failures and slow restarts printed so far
    seen_types = {}
    moments = {m: 0 for m in MOMENTS}
    forced = {m: 0 for m in MOMENTS}
    forced_missed = {m: 0 for m in MOMENTS}
    summary = {"seed": args.seed, "cycles": 0, "work": rig.work, "binary": args.binary, "torn": args.torn}
    previous_cycle = []
    reloads_before = 0
    reloads_started = 0
    cycle_moments = []
    began = time.monotonic()
    colonies = rig.colonies
    phases = {"mount": 0.0, "start": 0.0, "read": 0.0, "verify": 0.0, "replays": 0.0, "checks": 0.0, "load": 0.0, "cut": 0.0,
              "cancel": 0.0}
    mark = [time.monotonic()]

    def totals():
        summary.update(
            seconds=round(time.monotonic() - began, 1),
            succeeded=len(ledger.succeeded), blocked=len(ledger.blocked),
            # Losses and wrong answers, and restarts over --restart-limit, apart: on a loaded machine
            # the second can pile up, and must not hide the first.
            failures=failures[:20], failure_count=len(failures), slow_restarts=slow[:20], slow_restart_count=len(slow),
            restart_max_s=round(max(restarts), 3) if restarts else None,
            restart_p50_s=percentile(restarts, 0.5), restart_p99_s=percentile(restarts, 0.99),
            restarts_over_2s=sum(1 for r in restarts if r > 2.0),
            torn_mounts=rig.torn_mounts, moments=moments, forced=forced, forced_missed=forced_missed, phase_seconds={k: round(v, 1) for k, v in phases.items()},
            record_types=seen_types)
        if colonies is not None:
            summary.update(colonies_submitted=len(colonies.tokens), colonies_closed_successful=len(colonies.closed_ok),
                           colonies_closed_failed=len(colonies.closed_failed))
        if args.summary_file:
            with open(args.summary_file + ".tmp", "w") as f:
                json.dump(summary, f)
            os.replace(args.summary_file + ".tmp", args.summary_file)

    def phase(name):
        now = time.monotonic()
        phases[name] += now - mark[0]
        mark[0] = now
    try:
        for cycle in range(args.cycles + 1):
            mark[0] = time.monotonic()
            # The stand-in's waiting processes are cancelled while lazyfs mounts (both take a while).
            canceller = threading.Thread(target=colonies.cancel_waiting) if colonies is not None and cycle > 0 else None
            if canceller is not None:
                canceller.start()
            rig.mount()
            phase("mount")
            if canceller is not None:
                canceller.join()
                if colonies.cancel_error is not None:
                    raise colonies.cancel_error
            phase("cancel")
            restart = rig.start(cycle)
            phase("start")
            if cycle > 0:
                restarts.append(restart)
                if restart > args.restart_limit:
                    slow.append(f"cycle {cycle}: restart took {restart:.2f} s")
            # -- checks of what survived the previous cut --
            if colonies is not None:
                colonies.read_log()  # before the records: every close read here has its records durable
            rig.double_listed = 0
            rig.double_read = []
            records = rig.audit_records()
            if rig.double_listed:
                summary["double_listed"] = summary.get("double_listed", 0) + 1
            succeeded = {r.get("task_id") for r in records if r.get("type") == "task.succeeded"}
            blocked_ids = {r.get("task_id") for r in records if r.get("type") == "task.blocked"}
            seen_types = {}  # the log keeps every cycle's records: its counts are the run's
            for r in records:
                seen_types[r["type"]] = seen_types.get(r["type"], 0) + 1
            # The cut's moments, now that the reload records that survived it are known.
            reloads_now = seen_types.get("config.reloaded", 0) + seen_types.get("config.reload_failed", 0)
            if cycle > 0:
                landed = set(rig.last_moments)
                if reloads_started > reloads_now - reloads_before:
                    # A SIGHUP the log says was being handled, whose config.reloaded record is not durable.
                    landed.add("reload")
                for m in landed:
                    moments[m] += 1
                if rig.last_forced:
                    forced[rig.last_forced] += 1
                    if rig.last_forced not in landed:
                        forced_missed[rig.last_forced] += 1
                cycle_moments.append({"cycle": cycle - 1, "forced": rig.last_forced, "moments": sorted(landed),
                                      "reason": rig.last_report.get("reason")})
                if args.verbose:
                    print(f"cut {cycle - 1}: {sorted(landed)} forced={rig.last_forced} ({rig.last_report.get('reason')})",
                          file=sys.stderr, flush=True)
            reloads_before = reloads_now
            phase("read")
            lost = [i for i in ledger.succeeded if i not in succeeded]
            lost += [i for i in ledger.blocked if i not in blocked_ids]
            if lost:
                failures.append(f"cycle {cycle}: {len(lost)} acknowledged tasks missing from the audit log, e.g. {lost[:3]}")
            code, output = rig.verify_audit()
            if code != 0:
                failures.append(f"cycle {cycle}: audit verify exit {code}: {output[-500:]}")
            phase("verify")
            status, body = get(rig.port, "/v1/stats")
            stats = json.loads(body).get("guardian", {})
            approved = sum(1 for r in records if r.get("type") == "task.approved")
            reasons = {}
            for r in records:
                if r.get("type") == "task.blocked":
                    reasons[r.get("reason")] = reasons.get(r.get("reason"), 0) + 1
            if stats.get("approved") != approved or {k: v for k, v in (stats.get("blocked") or {}).items() if v} != reasons:
                failures.append(f"cycle {cycle}: guardian stats {stats} != audit approved {approved} blocked {reasons}")
            twice_read = sum(1 for r in rig.double_read if r.get("type") in ("task.approved", "task.blocked"))
            if twice_read:
                # Where the reader that read both names would have found stats below the records.
                summary["old_reader_mismatches"] = summary.get("old_reader_mismatches", 0) + 1
                if args.verbose:
                    print(f"cycle {cycle}: a segment listed as .jsonl and .jsonl.gz: the old reader would count "
                          f"{twice_read} decisions twice (stats {stats.get('approved')} approved, records {approved})",
                          file=sys.stderr, flush=True)
            # Ids answered before the cut come back as replays, and never run again. Sent at once:
            # each replay is audited (task.duplicate), and one after the other they would wait for
            # an fdatasync each where a client's retries share one.
            def replay(task_id):
                try:
                    status, headers, data = post(rig.port, rig.signer, "/v1/tasks", ledger.succeeded[task_id])
                except (OSError, http.client.HTTPException) as error:
                    return f"cycle {cycle}: replay of {task_id} failed: {error}"
                if status != 200 or headers.get("idempotent-replay") != "true":
                    return f"cycle {cycle}: {task_id}, answered before the cut, got {status} replay={headers.get('idempotent-replay')}"
                return None
            chosen = rng.sample(previous_cycle, min(len(previous_cycle), args.replays))
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
                failures += [problem for problem in pool.map(replay, chosen) if problem]
            phase("replays")
            runs = rig.runs
            if os.path.exists(rig.run_log):
                lines, rig.runs_offset = new_lines(rig.run_log, rig.runs_offset)
                for line in lines:
                    task_id = json.loads(line)["arg"]
                    runs[task_id] = runs.get(task_id, 0) + 1
            rerun = [i for i in ledger.succeeded if runs.get(i, 0) != 1]
            if rerun:
                failures.append(f"cycle {cycle}: {len(rerun)} acknowledged ids ran {[runs.get(i, 0) for i in rerun[:3]]} times, e.g. {rerun[:3]}")
            twice = [i for i, n in runs.items() if n > 1 and i != INJECTION]
            if twice:
                failures.append(f"cycle {cycle}: {len(twice)} tasks ran more than once, e.g. {twice[:3]}")
            if colonies is not None:
                missing = [p for p in colonies.closed_ok if p not in succeeded]
                if missing:
                    failures.append(f"cycle {cycle}: {len(missing)} processes the stand-in saw closed successful have no task.succeeded record, e.g. {missing[:3]}")
                with colonies.lock:
                    wrong = [p for p in colonies.closed_ok if runs.get(colonies.tokens.get(p), 0) != 1]
                if wrong:
                    failures.append(f"cycle {cycle}: {len(wrong)} processes closed successful did not run exactly once, e.g. {wrong[:3]}")
            problems, manifests = check_backups(rig.view)
            failures += [f"cycle {cycle}: {p}" for p in problems]
            problems, markers = check_shipped(rig.view, rig.backing, rig.shipped_cache)
            failures += [f"cycle {cycle}: {p}" for p in problems]
            summary.update(cycles=cycle, acknowledged=len(ledger.succeeded) + len(ledger.blocked),
                           backup_manifests=manifests, shipped_markers=markers, audit_records=len(records))
            if args.verbose:
                for problem in failures[reported[0]:] + slow[reported[1]:]:
                    print(f"FAILURE {problem}", file=sys.stderr, flush=True)
            reported[:] = [len(failures), len(slow)]
            totals()  # the run so far, for a long run read while it goes on (--summary-file)
            if failures and args.stop_on_failure:
                break
            if cycle == args.cycles or (args.minutes and time.monotonic() - began > 60 * args.minutes):
                rig.kill_sidecar()
                rig.sidecar.wait()
                break
            # -- load, then the cut --
            phase("checks")
            force = MOMENTS[(cycle // args.force_every) % len(MOMENTS)] if args.force_every and cycle % args.force_every == args.force_every - 1 else None
            if force in TRIGGERS:
                rig.arm(TRIGGERS[force])
            ledger.cycle_succeeded = []
            stop = threading.Event()
            threads = [threading.Thread(target=client, args=(rig.port, rig.signer, ledger, stop, rng.random()))
                       for _ in range(args.clients)]
            threads.append(threading.Thread(target=disturber, args=(rig.port, rig.signer, rig.sidecar.pid, stop,
                                                                    rng.random(), bool(args.pg_url), force == "backup")))
            if colonies is not None:
                threads.append(threading.Thread(target=colonies.submit, args=(stop, rng.random())))
            for t in threads:
                t.start()
            # Mostly short cycles (cuts land in group commits, rotations, checkpoints, journal writes,
            # shipments, reloads); some long enough for a backup to finish, or to be cut late.
            long_cycle = rng.random() < args.long_share
            window = rng.uniform(args.max_load, 3 * args.max_load) if long_cycle else rng.uniform(args.min_load, args.max_load)
            if args.pg_url and args.backup_every and cycle % args.backup_every == 2 and force is None:
                # Most dumps are cut (that is the point), so now and then one runs to its end under
                # the load: manifests must then name whole dumps across the later cuts.
                try:
                    status, _, _ = post(rig.port, rig.signer, "/v1/backups", b"{}", timeout=120)
                    summary["backups_completed"] = summary.get("backups_completed", 0) + (status == 200)
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"cycle {cycle}: a backup run to its end failed: {error}")
            if force == "reload":
                # SIGHUP once the load runs; the armed write of its config.reloaded record cuts.
                time.sleep(window / 2)
                os.kill(rig.sidecar.pid, signal.SIGHUP)
            if force is not None:
                deadline = time.monotonic() + max(window, args.force_wait)
                while time.monotonic() < deadline and not os.path.exists(rig.report):
                    time.sleep(0.002)
            else:
                time.sleep(window)
            phase("load")
            rig.freeze()
            rig.kill_sidecar()
            stop.set()
            rig.unmount()  # first: a process blocked in a FUSE fsync dies once the connection is gone
            rig.sidecar.wait()
            for t in threads:
                t.join()
            phase("cut")
            rig.last_report = rig.cut_report()
            rig.last_moments = classify(rig.last_report, rig.backing)
            rig.last_forced = force
            reloads_started = rig.log_text().count("SIGHUP: reloading the configuration")
            previous_cycle = list(ledger.cycle_succeeded)
            phase("cut")
            if args.verbose:
                print(f"cycle {cycle}: acknowledged so far {len(ledger.succeeded)} ok + {len(ledger.blocked)} blocked",
                      file=sys.stderr, flush=True)
    finally:
        if rig.sidecar is not None and rig.sidecar.poll() is None:
            rig.kill_sidecar()
        rig.unmount()
        if rig.sidecar is not None:
            rig.sidecar.wait()
        if colonies is not None:
            colonies.stop()
    totals()
    if args.cuts_file:
        with open(args.cuts_file, "w") as f:
            for entry in cycle_moments:
                f.write(json.dumps(entry) + "\n")
    if not failures and not slow and not args.keep:
        shutil.rmtree(rig.work, ignore_errors=True)
    return summary


def selftest():
    """The reader against a directory caught mid compression: both names listed, read once."""
    failures = []
    checks = 0

    def expect(name, condition):
        nonlocal checks
        checks += 1
        if not condition:
            failures.append(name)

    directory = tempfile.mkdtemp(prefix="power-cut-reader-")
    try:
        lines = [json.dumps({"seq": seq, "type": "task.approved"}).encode() + b"\n" for seq in (1, 2, 3)]
        with open(os.path.join(directory, "audit-0000000000000001.jsonl"), "wb") as f:
            f.write(b"".join(lines))
        with gzip.open(os.path.join(directory, "audit-0000000000000001.jsonl.gz"), "wb") as f:
            f.write(b"".join(lines))
        with open(os.path.join(directory, "audit-0000000000000004.jsonl"), "wb") as f:
            f.write(json.dumps({"seq": 4, "type": "task.blocked"}).encode() + b"\n" + b'{"seq":5,"ty')
        with open(os.path.join(directory, "audit-0000000000000001.jsonl.torn-10"), "wb") as f:
            f.write(lines[0])

        class Counter:
            pass
        counter = Counter()
        records = read_audit_directory(directory, counter, {})
        expect("a segment listed plain and compressed is read once", [r["seq"] for r in records] == [1, 2, 3, 4])
        expect("the double listing is counted", getattr(counter, "double_listed", 0) == 1)
        expect("what the old reader read twice is kept for the diagnosis", len(getattr(counter, "double_read", [])) == 3)
        cache = {}
        read_audit_directory(directory, None, cache)
        os.unlink(os.path.join(directory, "audit-0000000000000001.jsonl"))
        expect("a compressed segment is read from the cache the second time",
               [r["seq"] for r in read_audit_directory(directory, None, cache)] == [1, 2, 3, 4] and len(cache) == 1)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps({"checks": checks, "failures": failures}))
    return 1 if failures else 0


def reproduce_double_listing(args):
    """The torn-mode mismatch, on purpose: the real sidecar under load, lazyfs armed to cut right
    after a compression renames `.jsonl.gz` into place. The compression's next step (the directory
    fsync before the unlink of the `.jsonl`) then never returns, so the directory holds both names,
    as it does for a moment in every compression. The old reader counts that segment's decisions
    twice; the loop's reader once."""
    args.colonies = False
    rig = Rig(args)
    result = {"both_listed": False}
    try:
        rig.mount()
        rig.start(0)
        rig.arm("arm rename data/audit/audit-*.jsonl.gz")
        ledger, stop = Ledger(), threading.Event()
        threads = [threading.Thread(target=client, args=(rig.port, rig.signer, ledger, stop, n)) for n in range(args.clients)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while not os.path.exists(rig.report) and time.monotonic() < deadline:
            time.sleep(0.01)
        result["reason"] = rig.cut_report().get("reason")
        directory = os.path.join(rig.view, "audit")
        names = sorted(os.listdir(directory))
        plain = [n for n in names if n.endswith(".jsonl") and n + ".gz" in names]
        result["both_listed"] = bool(plain)
        decisions = ("task.approved", "task.blocked")
        old = []  # the reader before the fix: every .jsonl and .jsonl.gz it lists
        for name in names:
            if name.startswith("audit-") and (name.endswith(".jsonl") or name.endswith(".jsonl.gz")):
                with (gzip.open if name.endswith(".gz") else open)(os.path.join(directory, name), "rb") as f:
                    old += [json.loads(line) for line in f if line.endswith(b"\n")]
        new = read_audit_directory(directory)
        result["old_reader_decisions"] = sum(1 for r in old if r.get("type") in decisions)
        result["reader_decisions"] = sum(1 for r in new if r.get("type") in decisions)
        result["reader_unique_seqs"] = len({r["seq"] for r in new}) == len(new)
        rig.kill_sidecar()
        stop.set()
        rig.unmount()
        rig.sidecar.wait()
        for t in threads:
            t.join()
    finally:
        if rig.sidecar is not None and rig.sidecar.poll() is None:
            rig.kill_sidecar()
        rig.unmount()
        shutil.rmtree(rig.work, ignore_errors=True)
    return result


def main():
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--seed", type=int, default=random.randrange(1, 2**32))
    parser.add_argument("--pg-url", default=os.environ.get("BEEKEEPER_TEST_PG_URL"))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--replays", type=int, default=10)
    parser.add_argument("--min-load", type=float, default=0.2)
    parser.add_argument("--max-load", type=float, default=0.6)
    parser.add_argument("--long-share", type=float, default=0.2, help="share of cycles with a load of max-load to 3 x max-load")
    parser.add_argument("--force-every", type=int, default=4, help="every Nth cut is forced into a moment, in turn (0: none)")
    parser.add_argument("--force-wait", type=float, default=4.0, help="how long a forced cut waits for its moment")
    parser.add_argument("--backup-every", type=int, default=8, help="every Nth cycle waits for a whole backup before its cut (0: never)")
    parser.add_argument("--no-colonies", dest="colonies", action="store_false", help="no ColonyOS stand-in")
    parser.add_argument("--restart-limit", type=float, default=2.0)
    parser.add_argument("--minutes", type=float, default=0, help="stop after the first cycle past this budget")
    parser.add_argument("--torn", action="store_true", help="lazyfs keeps random prefixes of unsynced appends (torn tails)")
    parser.add_argument("--torn-share", type=float, default=0.0, help="share of remounts that keep torn tails (as --torn)")
    parser.add_argument("--stop-on-failure", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--summary-file", help="rewrite the summary so far here after every restart's checks")
    parser.add_argument("--cuts-file", help="write each cut's moments here (JSON lines)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--reproduce-double-listing", action="store_true",
                        help="cut right after a compression's rename and compare the readers (see reproduce_double_listing)")
    args = parser.parse_args()
    if args.reproduce_double_listing:
        print(json.dumps(reproduce_double_listing(args)))
        sys.exit(0)
    summary = run(args)
    print(json.dumps(summary))
    sys.exit(1 if summary["failure_count"] or summary["slow_restart_count"] else 0)


if __name__ == "__main__":
    main()
