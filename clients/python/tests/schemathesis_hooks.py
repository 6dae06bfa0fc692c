"""Schemathesis hooks (SCHEMATHESIS_HOOKS=schemathesis_hooks): sign every request with a real key.

The signature covers the exact bytes sent, so it cannot be made while the case is generated:
the auth provider marks each case with placeholder credentials (so schemathesis treats them as
explicit, valid auth and probes what happens without them), and a `requests` auth object signs
the prepared request only when it still carries the placeholder signature. A probe that removed
or replaced the credentials goes out as it is and must be refused.
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis

import beekeeper
from beekeeper.signing import KEY_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

KEY = beekeeper.SigningKey.load(os.environ["BEEKEEPER_SCHEMATHESIS_KEY_FILE"], "ops")
BEARER = os.environ.get("BEEKEEPER_SCHEMATHESIS_BEARER", "")
PLACEHOLDER = "sign-me-on-the-wire"


@schemathesis.auth(refresh_interval=None)
class PlaceholderCredentials:
    def get(self, case: Any, context: Any) -> str:
        return PLACEHOLDER

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = dict(case.headers or {})
        if case.method.upper() == "POST":
            case.headers.update({
                KEY_HEADER: KEY.name, TIMESTAMP_HEADER: "0", NONCE_HEADER: "placeholder-nonce-0000", SIGNATURE_HEADER: data,
            })
        elif BEARER:
            case.headers["Authorization"] = f"Bearer {BEARER}"


class SignOnTheWire(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.headers.get(SIGNATURE_HEADER) == PLACEHOLDER and request.headers.get(KEY_HEADER) == KEY.name:
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            request.headers.update(beekeeper.sign_headers(KEY, request.method or "POST", request.path_url, body))
        return request


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict) -> None:
    kwargs["auth"] = SignOnTheWire()
