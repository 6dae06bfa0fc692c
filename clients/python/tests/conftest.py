"""A real sidecar (the `beekeeper` binary of this checkout) with a Python worker bee.

The binary is `$BEEKEEPER_BIN`, else `.build/debug/beekeeper` at the repository root. Without it
the sidecar tests skip, except with CI=true, where a missing binary is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

import beekeeper

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
WORKER_BEE = HERE / "bees" / "worker_bee.py"
BEARER_TOKEN = "test-bearer-token-0123456789"


def beekeeper_binary() -> Path:
    path = Path(os.environ.get("BEEKEEPER_BIN") or REPO / ".build" / "debug" / "beekeeper")
    if not path.is_file():
        message = f"no beekeeper binary at {path}: run `swift build --product beekeeper` or set BEEKEEPER_BIN"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Sidecar:
    url: str
    key: beekeeper.SigningKey
    key_file: Path
    directory: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def client(self, **options: object) -> beekeeper.Client:
        return beekeeper.Client(self.url, key=self.key, bearer_token=BEARER_TOKEN, **options)  # type: ignore[arg-type]

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def audit_text(self) -> str:
        """Every audit record written so far (the live segment and rotated ones)."""
        audit = self.directory / "data" / "audit"
        return "".join(path.read_text(errors="replace") for path in sorted(audit.glob("*.jsonl")))


def sidecar_config(directory: Path, public_key_hex: str, extra_bees: str = "", databases: str = "[]") -> str:
    token_file = directory / "bearer.token"
    token_file.write_text(BEARER_TOKEN + "\n")
    return f"""
data_dir: {directory / "data"}
listen: 127.0.0.1:0
auth:
  keys: {{ops: {public_key_hex}}}
  clock_skew: 60s
metrics:
  bearer_token_file: {token_file}
bees:
  - name: py
    funcnames: [echo, noisy, flaky, refuse, unreachable, buggy, sleep, later]
    kind: worker
    command: [{sys.executable}, {WORKER_BEE}]
    concurrency: 2
    timeout: 2s
    retries: {{max: 3, initial_backoff: 50ms, max_backoff: 200ms}}
    max_queue: 50
  - name: single
    funcnames: [queued]
    kind: worker
    command: [{sys.executable}, {HERE / "bees" / "single_bee.py"}]
    concurrency: 1
    timeout: 10s
    max_queue: 1
{extra_bees}
guardian:
  max_payload_bytes: 16KiB
backup:
  databases: {databases}
"""


def start_sidecar(directory: Path, extra_bees: str = "", databases: str = "[]") -> Sidecar:
    """A sidecar with the test bees; `extra_bees` is YAML appended to its `bees` list, `databases`
    its `backup.databases` (none by default)."""
    binary = beekeeper_binary()
    key_dir = directory / "keys"
    subprocess.run([str(binary), "keys", "generate", "--out", str(key_dir), "--name", "ops"], check=True, capture_output=True)
    key_file = key_dir / "ops.key"
    key = beekeeper.SigningKey.load(key_file)
    config = directory / "beekeeper.yaml"
    config.write_text(sidecar_config(directory, key.public_key_hex, extra_bees, databases))
    log_path = directory / "sidecar.log"
    environment = dict(os.environ)
    # The worker bee imports this package whether or not it was pip-installed.
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "clients" / "python" / "src"), environment.get("PYTHONPATH")]))
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(binary), "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=directory
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r'address(?:=|":")127\.0\.0\.1:(\d+)', log_path.read_text(errors="replace"))
        if match:
            sidecar = Sidecar(f"http://127.0.0.1:{match.group(1)}", key, key_file, directory, log_path, process)
            wait_ready(sidecar)
            return sidecar
        if process.poll() is not None:
            raise RuntimeError(f"sidecar exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"sidecar did not listen within 60 s:\n{log_path.read_text(errors='replace')}")


def wait_ready(sidecar: Sidecar) -> None:
    """Until /readyz answers 200: every bee has a live worker."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(sidecar.url + "/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"sidecar not ready within 30 s:\n{sidecar.log}")
        time.sleep(0.1)


def stop_sidecar(sidecar: Sidecar) -> None:
    sidecar.process.terminate()
    try:
        sidecar.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        sidecar.process.kill()
        sidecar.process.wait()


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    running = start_sidecar(tmp_path_factory.mktemp("sidecar"))
    yield running
    stop_sidecar(running)


@pytest.fixture
def client(sidecar: Sidecar) -> beekeeper.Client:
    return sidecar.client()
