#!/usr/bin/env python3
"""A fault-injecting audit-segment collector for the shipper tests (stdlib only; botocore for --sigv4).

PUT /<path> stores the body as <root>/<path> (temporary file + fsync + rename) and answers 201, or
200 when the same bytes are already there; different bytes under an existing name are refused with
409 (a write-once store). X-Beekeeper-SHA256, when sent, must match the body (else 400). With
--sigv4-secret the Authorization header must be a valid AWS SigV4 signature, checked with
botocore's S3SigV4Auth, and x-amz-content-sha256 must be the body's SHA-256 (else 403 / 400 with
an S3-style XML error).

Faults are queued actions, each consumed by one PUT (from --actions or POST /_control/actions with
a JSON list):
  status:NNN  answer NNN without storing          hang     read the body, then never answer
  close       read half the body, then close        lostack  store the body, then close without answering
  redirect    307 to another host, nothing stored   ok       behave normally
GET /_control/stats returns JSON: every PUT with the action taken, the objects (path -> sha256),
the order in which names were first stored, and counters.

Prints "LISTENING <port>" once it accepts connections. Usage:
  collector.py --root DIR [--port 0] [--actions a,b] [--hang-seconds 30]
               [--sigv4-access-key K --sigv4-secret S [--sigv4-token T]]
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_LOCK = threading.Lock()
STATE = {"actions": [], "puts": [], "objects": {}, "order": [], "conflicts": 0, "sha_mismatches": 0, "auth_failures": 0}
ARGS = None

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,\s]+)/(?P<day>\d{8})/(?P<region>[^/,\s]+)/s3/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)


def verify_sigv4(handler, body):
    """None when the request carries a valid SigV4 signature for our key, else the reason."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    match = AUTH_RE.match(handler.headers.get("Authorization", ""))
    if not match:
        return "malformed or missing Authorization header"
    if match["key"] != ARGS.sigv4_access_key:
        return "unknown access key " + match["key"]
    amz_date = handler.headers.get("x-amz-date", "")
    if amz_date[:8] != match["day"]:
        return "x-amz-date does not match the credential scope"
    signed = match["signed"].split(";")
    for required in ("host", "x-amz-content-sha256", "x-amz-date"):
        if required not in signed:
            return required + " is not signed"
    if ARGS.sigv4_token is not None:
        if handler.headers.get("x-amz-security-token") != ARGS.sigv4_token or "x-amz-security-token" not in signed:
            return "missing or wrong signed x-amz-security-token"
    if handler.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
        return "XAmzContentSHA256Mismatch"
    headers = {}
    for name in signed:
        values = handler.headers.get_all(name)
        if values is None:
            return "signed header " + name + " is missing"
        headers[name] = ",".join(values)
    request = AWSRequest(method=handler.command, url="http://" + handler.headers["Host"] + handler.path, headers=headers)
    request.context["timestamp"] = amz_date
    signer = S3SigV4Auth(Credentials(ARGS.sigv4_access_key, ARGS.sigv4_secret), "s3", match["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["sig"]):
        return "SignatureDoesNotMatch"
    return None


def s3_error(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>" % (code, message)).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("collector: " + (fmt % args) + "\n")

    def answer(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        """Closes the connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        if self.path == "/_control/stats":
            with STATE_LOCK:
                body = json.dumps({k: v for k, v in STATE.items()}).encode()
            self.answer(200, body, "application/json")
        else:
            self.answer(404, b"not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/_control/actions":
            with STATE_LOCK:
                STATE["actions"].extend(json.loads(body))
            self.answer(200, b"ok\n")
        else:
            self.answer(404, b"not found\n")

    def do_PUT(self):
        with STATE_LOCK:
            action = STATE["actions"].pop(0) if STATE["actions"] else "ok"
        length = int(self.headers.get("Content-Length", "-1"))
        record = {
            "path": self.path, "action": action, "bytes": length, "content_type": self.headers.get("Content-Type"),
            "claimed_sha256": self.headers.get("X-Beekeeper-SHA256"), "at": time.time(),
        }
        if length < 0:
            self.answer(411, b"Content-Length required\n")
            return self.record(record, 411)
        if action == "close":
            self.rfile.read(length // 2)
            self.drop()
            return self.record(record, None)
        if action.startswith("status:"):
            self.rfile.read(length)
            status = int(action.split(":", 1)[1])
            self.answer(status, ("injected failure %d\n" % status).encode())
            return self.record(record, status)
        if action == "redirect":
            self.rfile.read(length)
            self.answer(307, b"moved\n", headers=[("Location", "http://collector.invalid" + self.path)])
            return self.record(record, 307)
        body = self.rfile.read(length)
        digest = hashlib.sha256(body).hexdigest()
        record["sha256"] = digest
        if action == "hang":
            self.record(record, None)
            time.sleep(ARGS.hang_seconds)
            return self.drop()
        claimed = self.headers.get("X-Beekeeper-SHA256")
        if claimed is not None and claimed != digest:
            with STATE_LOCK:
                STATE["sha_mismatches"] += 1
            self.answer(400, b"X-Beekeeper-SHA256 does not match the body\n")
            return self.record(record, 400)
        if ARGS.sigv4_secret is not None:
            reason = verify_sigv4(self, body)
            if reason is not None:
                with STATE_LOCK:
                    STATE["auth_failures"] += 1
                if reason == "XAmzContentSHA256Mismatch":
                    self.answer(400, s3_error(reason, "The provided x-amz-content-sha256 does not match"), "application/xml")
                    return self.record(record, 400)
                self.answer(403, s3_error("SignatureDoesNotMatch" if reason == "SignatureDoesNotMatch" else "AccessDenied", reason), "application/xml")
                return self.record(record, 403)
        relative = self.path.split("?", 1)[0].lstrip("/")
        if not relative or ".." in relative.split("/"):
            self.answer(400, b"bad path\n")
            return self.record(record, 400)
        target = os.path.join(ARGS.root, relative)
        with STATE_LOCK:
            existing = STATE["objects"].get(relative)
            if existing is not None and existing != digest:
                STATE["conflicts"] += 1
                status = 409
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                temporary = target + ".collector-tmp"
                with open(temporary, "wb") as handle:
                    handle.write(body)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.rename(temporary, target)
                if existing is None:
                    STATE["order"].append(relative)
                STATE["objects"][relative] = digest
                status = 200 if existing is not None else 201
        if action == "lostack":
            self.record(record, None)
            return self.drop()
        self.answer(status, b"conflict: different bytes under this name\n" if status == 409 else b"stored\n")
        return self.record(record, status)

    def record(self, record, status):
        record["status"] = status
        with STATE_LOCK:
            STATE["puts"].append(record)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--actions", default="")
    parser.add_argument("--hang-seconds", type=float, default=30)
    parser.add_argument("--sigv4-access-key")
    parser.add_argument("--sigv4-secret")
    parser.add_argument("--sigv4-token")
    ARGS = parser.parse_args()
    if ARGS.sigv4_secret is not None:
        import botocore.auth  # noqa: F401  (fail at start, not at the first request)
    STATE["actions"] = [a for a in ARGS.actions.split(",") if a]
    os.makedirs(ARGS.root, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print("LISTENING %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
