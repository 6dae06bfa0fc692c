#!/usr/bin/env python3
"""Restart time (spawn to listening) on lazyfs over a copy of a long power-cut run's data
directory (thousands of 16 KiB segments): binaries alternately, each on its own copy, kill -9
between restarts.   scripts/restart-bigdir.py Tests/BeekeeperIntegrationTests/Tools SOURCE_DIR ROUNDS BINARY...   (prints JSON)
SOURCE_DIR holds `data/` (a data_dir; drop state/audit-position.json if it was copied while running)
and `shipped/`. Needs root for FUSE (lazyfs)."""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, time
TOOLS, source, rounds, binaries = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
LAZYFS = os.path.join(TOOLS, "lazyfs.py")

class Rig:
    def __init__(self, binary):
        self.binary = binary
        self.work = tempfile.mkdtemp(prefix="restart-bigdir-")
        self.backing, self.durable, self.mnt = (os.path.join(self.work, n) for n in ("backing", "durable", "mnt"))
        shutil.copytree(source, self.backing, symlinks=True)
        os.makedirs(self.mnt)
        self.config = os.path.join(self.work, "c.yaml")
        with open(self.config, "w") as f:
            f.write(f"data_dir: {self.mnt}/data\nlisten: 127.0.0.1:0\naudit:\n  fsync: batch\n  rotate_bytes: 16KiB\n"
                    f"  checkpoint_interval: 200ms\nbees:\n  - name: cutter\n    funcnames: [record]\n    kind: worker\n"
                    f"    command: [{sys.executable}, {TOOLS}/power_cut_bee.py, {self.work}/runs.jsonl]\n    concurrency: 2\n"
                    f"guardian:\n  persist_interval: 100ms\nshipper:\n  target: file://{self.mnt}/shipped/\n")

    def cycle(self):
        fs = subprocess.Popen([sys.executable, LAZYFS, "mount", self.backing, self.durable, self.mnt], stderr=subprocess.DEVNULL)
        while not os.path.ismount(self.mnt):
            time.sleep(0.005)
        log = os.path.join(self.work, "log")
        started = time.monotonic()
        p = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                             start_new_session=True)
        while not re.search(r"address(=|\":\")127\.0\.0\.1:\d+", open(log, errors="replace").read()):
            if p.poll() is not None:
                raise SystemExit(open(log).read())
            time.sleep(0.002)
        seconds = time.monotonic() - started
        time.sleep(1.0)  # let the shipper and retention start, as a restart under load would
        os.killpg(p.pid, 9); p.wait(); fs.kill(); fs.wait(); subprocess.run(["fusermount", "-u", "-z", self.mnt])
        return seconds

rigs = [Rig(b) for b in binaries]
results = {b: [] for b in binaries}
for _ in range(rounds):
    for rig in rigs:
        results[rig.binary].append(round(rig.cycle(), 3))
segments = len(os.listdir(os.path.join(source, "data", "audit")))
for rig in rigs:
    shutil.rmtree(rig.work, ignore_errors=True)
print(json.dumps({"audit_dir_entries": segments, **{b: {"runs": r, "median": statistics.median(r), "max": max(r)} for b, r in results.items()}}))
