"""README's "Writing a bee in Python": the ten-line bee and the client snippet run as printed."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

import beekeeper
from conftest import BEARER_TOKEN, REPO, start_sidecar, stop_sidecar


def readme_python_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Writing a bee in Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_readme_bee_and_client_work(tmp_path: Path) -> None:
    bee_source, client_source = readme_python_blocks()
    assert len([line for line in bee_source.splitlines() if line.strip()]) <= 10
    bee_file = tmp_path / "greeter.py"
    bee_file.write_text(bee_source)
    sidecar = start_sidecar(
        tmp_path,
        extra_bees=f"  - {{name: greeter, funcnames: [greet], kind: worker, command: [{sys.executable}, {bee_file}], retries: {{max: 3}}}}",
    )
    try:
        # The test sidecar also asks for a bearer token on /v1/stats.
        script = client_source.replace("http://127.0.0.1:9477", sidecar.url).replace(
            'key_file="keys/ops.key"', f'key_file="{sidecar.key_file}", bearer_token="{BEARER_TOKEN}"')
        script += "\nassert task.result == {'greeting': 'Hello, Ada!'}, task\n"
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(script, "README client snippet", "exec"), {})
        # The comment beside `print(blocked.reason)` is what it prints.
        expected = re.search(r"print\(blocked\.reason\)\s+# (\S+)", client_source)
        assert expected and printed.getvalue().strip() == expected.group(1)
        with pytest.raises(beekeeper.TaskFailed) as caught:
            sidecar.client().submit("greet", [""])
        assert caught.value.message == "name is empty"
    finally:
        stop_sidecar(sidecar)
