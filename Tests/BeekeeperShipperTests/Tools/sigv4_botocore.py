#!/usr/bin/env python3
"""Signs one request with botocore's S3SigV4Auth and prints the canonical request, the string to
sign, the signature and the Authorization header as JSON: an independent implementation to
cross-check Beekeeper's SigV4Signer against.

Input (argv[1], JSON): {"method", "url" (path already URI-encoded), "params": [[k, v], ...] (decoded),
"headers": [[name, value], ...], "body" (text), "timestamp" ("20130524T000000Z"), "access_key",
"secret_key", "token" (or null), "region"}. botocore adds X-Amz-Date, X-Amz-Content-SHA256 (the
SHA-256 of the body it is given) and X-Amz-Security-Token itself.
"""
import json
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    spec = json.loads(sys.argv[1])
    request = AWSRequest(
        method=spec["method"], url=spec["url"], params=[tuple(p) for p in spec.get("params", [])],
        headers=dict(spec["headers"]), data=spec.get("body", "").encode(),
    )
    request.context["timestamp"] = spec["timestamp"]
    signer = S3SigV4Auth(Credentials(spec["access_key"], spec["secret_key"], spec.get("token")), "s3", spec["region"])
    signer._modify_request_before_signing(request)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    signature = signer.signature(string_to_sign, request)
    signer._inject_signature_to_request(request, signature)
    print(json.dumps({
        "canonical_request": canonical, "string_to_sign": string_to_sign, "signature": signature,
        "authorization": request.headers["Authorization"],
        "headers": sorted([k.lower(), v] for k, v in request.headers.items()),
    }))


if __name__ == "__main__":
    main()
