"""The signed-request scheme of SPEC section 4, byte for byte as the sidecar verifies it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Dict, Optional

from .keys import SigningKey

KEY_HEADER = "X-Beekeeper-Key"
TIMESTAMP_HEADER = "X-Beekeeper-Timestamp"
NONCE_HEADER = "X-Beekeeper-Nonce"
SIGNATURE_HEADER = "X-Beekeeper-Signature"


def canonical_string(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """The exact bytes that are signed. `path` is the request target as sent, query included."""
    digest = hashlib.sha256(body).hexdigest()
    return f"beekeeper-request v1\n{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode("utf-8")


def sign_headers(
    key: SigningKey,
    method: str,
    path: str,
    body: bytes,
    *,
    timestamp: Optional[int] = None,
    nonce: Optional[str] = None,
) -> Dict[str, str]:
    """The four headers that sign `body` for `method` and `path`.

    A fresh nonce per request: the sidecar refuses a nonce it saw within 2 × clock_skew.
    """
    if timestamp is None:
        timestamp = int(time.time())
    if nonce is None:
        nonce = secrets.token_hex(16)
    signature = key.sign(canonical_string(method, path, timestamp, nonce, body))
    return {
        KEY_HEADER: key.name,
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
    }
