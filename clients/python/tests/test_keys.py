"""Key files as `beekeeper keys generate` writes them, and the signing scheme of SPEC section 4."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import beekeeper
from conftest import beekeeper_binary


def test_loads_the_key_files_the_binary_writes(tmp_path: Path) -> None:
    subprocess.run([str(beekeeper_binary()), "keys", "generate", "--out", str(tmp_path), "--name", "deploy"], check=True, capture_output=True)
    secret = (tmp_path / "deploy.key").read_text()
    assert len(secret.strip()) == 128
    key = beekeeper.SigningKey.load(tmp_path / "deploy.key")
    assert key.name == "deploy"
    # The second half of the key file is the public key, the .pub file the same key.
    assert key.public_key_hex == (tmp_path / "deploy.pub").read_text().strip() == secret.strip()[64:]
    assert key.secret_key_hex() == secret.strip()
    assert beekeeper.SigningKey.load(tmp_path / "deploy.key", name="other").name == "other"


@pytest.mark.parametrize(
    "content, reason",
    [
        ("", "0 bytes"),
        ("zz" * 64, "not hexadecimal"),
        ("ab" * 32, "32 bytes"),
        ("00" * 64, "does not belong"),
    ],
)
def test_bad_key_files_say_what_is_wrong(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "ops.key"
    path.write_text(content)
    with pytest.raises(beekeeper.KeyFileError) as caught:
        beekeeper.SigningKey.load(path)
    assert caught.value.path == str(path) and reason in caught.value.reason


def test_a_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(beekeeper.KeyFileError, match="cannot read file"):
        beekeeper.SigningKey.load(tmp_path / "absent.key")


def test_canonical_string() -> None:
    body = b'{"funcname":"echo"}'
    expected = (
        "beekeeper-request v1\nPOST\n/v1/tasks?x=1\n1700000000\nnonce-0123456789abcdef\n"
        + hashlib.sha256(body).hexdigest()
    ).encode()
    assert beekeeper.canonical_string("post", "/v1/tasks?x=1", 1700000000, "nonce-0123456789abcdef", body) == expected


def test_signature_headers_verify_with_the_public_key() -> None:
    key = beekeeper.SigningKey.generate("ops")
    body = "{\"a\":\"ü\"}".encode()
    headers = beekeeper.sign_headers(key, "POST", "/v1/events", body, timestamp=1700000000)
    assert headers["X-Beekeeper-Key"] == "ops" and headers["X-Beekeeper-Timestamp"] == "1700000000"
    assert 16 <= len(headers["X-Beekeeper-Nonce"]) <= 64
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.public_key_hex))
    message = beekeeper.canonical_string("POST", "/v1/events", 1700000000, headers["X-Beekeeper-Nonce"], body)
    public.verify(base64.b64decode(headers["X-Beekeeper-Signature"]), message)
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(headers["X-Beekeeper-Signature"]), message + b"x")
