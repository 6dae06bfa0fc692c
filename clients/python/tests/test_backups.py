"""`run_backups` against a real PostgreSQL (BEEKEEPER_TEST_PG_URL; required with CI=true)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import beekeeper
from conftest import start_sidecar, stop_sidecar


def test_a_backup_through_the_client(tmp_path: Path) -> None:
    url = os.environ.get("BEEKEEPER_TEST_PG_URL")
    if not url:
        message = "BEEKEEPER_TEST_PG_URL is not set: eval \"$(scripts/start-test-postgres.sh)\""
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    sidecar = start_sidecar(tmp_path, databases=f"[{{name: testdb, url: {json.dumps(url)}}}]")
    try:
        client = sidecar.client()
        report = client.run_backups()
        assert report["outcome"] == "succeeded"
        [database] = report["databases"]
        assert database["database"] == "testdb" and database["outcome"] == "succeeded"
        assert database["trigger"] == "api" and len(database["sha256"]) == 64
        assert (tmp_path / "data" / "backups").is_dir()
        assert client.run_backups("testdb")["databases"][0]["database"] == "testdb"
        with pytest.raises(beekeeper.UnknownDatabase):
            client.run_backups("otherdb")
    finally:
        stop_sidecar(sidecar)
