"""Key files as `beekeeper keys generate` writes them.

`NAME.key` holds 128 hexadecimal characters (a trailing newline is allowed): the libsodium form of
an Ed25519 secret key, the 32-byte seed followed by the 32-byte public key. `NAME.pub` holds the
public key alone (64 hex characters), the value `auth.keys` takes in the sidecar's config.
"""

from __future__ import annotations

import os
from typing import Union

from typing import TYPE_CHECKING

from .errors import KeyFileError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PathLike = Union[str, "os.PathLike[str]"]


class SigningKey:
    """An Ed25519 key pair under the name the sidecar lists it as in `auth.keys`."""

    def __init__(self, name: str, secret_key_hex: str, *, source: str = "<hex>") -> None:
        text = secret_key_hex.strip()
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise KeyFileError(source, "not hexadecimal; expected 128 hex characters (seed, then public key)") from None
        if len(raw) != 64:
            raise KeyFileError(source, f"{len(raw)} bytes; expected 64 (128 hex characters: seed, then public key)")
        self._private = _ed25519().from_private_bytes(raw[:32])
        public = _public_bytes(self._private)
        # libsodium stores the public key beside the seed; a mismatch means a corrupt or spliced file.
        if public != raw[32:]:
            raise KeyFileError(source, "the public half does not belong to the seed")
        if not name:
            raise KeyFileError(source, "the key name is empty")
        self.name = name
        self.public_key_hex = public.hex()

    @classmethod
    def load(cls, path: PathLike, name: str | None = None) -> "SigningKey":
        """Reads `path`; the key name defaults to the file's base name (`ops.key` is `ops`)."""
        path = os.fspath(path)
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read()
        except OSError as error:
            raise KeyFileError(path, f"cannot read file ({error.strerror or error})") from None
        except UnicodeDecodeError:
            raise KeyFileError(path, "not hexadecimal; expected 128 hex characters (seed, then public key)") from None
        if name is None:
            name = os.path.splitext(os.path.basename(path))[0]
        return cls(name, text, source=path)

    @classmethod
    def generate(cls, name: str) -> "SigningKey":
        """A fresh key pair (tests, or a bee that registers its own key)."""
        private = _ed25519().generate()
        return cls(name, (_raw_private(private) + _public_bytes(private)).hex())

    def secret_key_hex(self) -> str:
        """The key file's content: seed then public key, 128 hex characters."""
        return _raw_private(self._private).hex() + self.public_key_hex

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def _ed25519() -> "type[Ed25519PrivateKey]":
    # Imported on first use: a worker bee that never signs runs without `cryptography`.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey


def _public_bytes(private: "Ed25519PrivateKey") -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(private: "Ed25519PrivateKey") -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
