"""A raw ColonyOS RPC client (the envelope of COLONYOS.md section 2), signed with pycolonies' own
crypto. Shared by colonies_setup.py, colonies_client.py, the stand-in's self-test and the
differential check; works against the stand-in and a real Colonies server alike.

    from colonies_rpc import Client, Crypto
    c = Client("http://127.0.0.1:50080")
    status, result, message = c.call({"msgtype": "getprocessmsg", "processid": pid}, prvkey)

`result` is the decoded payload JSON (None on errors), `message` the server's error message
(None on success). Objects inside args/kwargs/out come back exactly as the server sent them.
"""

import base64
import importlib.util
import json
import os
import urllib.error
import urllib.parse
import urllib.request


def _load_pycolonies_crypto():
    spec = importlib.util.find_spec("pycolonies")
    if spec is not None and spec.origin:
        path = os.path.join(os.path.dirname(spec.origin), "crypto.py")
        if os.path.exists(path):
            s = importlib.util.spec_from_file_location("pycolonies_crypto", path)
            mod = importlib.util.module_from_spec(s)
            s.loader.exec_module(mod)
            return mod
    import crypto as mod  # pycolonies' module when on the path
    return mod


pycrypto = _load_pycolonies_crypto()
Crypto = pycrypto.Crypto


def new_key():
    """(prvkey, id) from pycolonies' Crypto."""
    c = Crypto()
    prv = c.prvkey()
    return prv, c.id(prv)


def key_id(prv):
    return Crypto().id(prv)


def sign(payload, prv):
    return Crypto().sign(payload, prv)


class RPCError(Exception):
    def __init__(self, status, message):
        super().__init__("%s: %s" % (status, message))
        self.status = status
        self.message = message


class Client:
    def __init__(self, server, timeout=120):
        self.server = server.rstrip("/")
        self.timeout = timeout

    def post_raw(self, body, timeout=None):
        """POST body (bytes or str) to /api; returns (status, content-type, body bytes)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        req = urllib.request.Request(self.server + "/api", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()

    def envelope(self, msg, prv, payloadtype=None, payload=None, signature=None):
        if payload is None:
            payload = base64.b64encode(json.dumps(msg).encode("utf-8")).decode("ascii")
        if signature is None:
            signature = sign(payload, prv) if prv else ""
        return json.dumps({"payloadtype": payloadtype if payloadtype is not None else msg["msgtype"],
                           "payload": payload, "signature": signature})

    def call_body(self, body, timeout=None):
        status, _, data = self.post_raw(body, timeout)
        try:
            env = json.loads(data)
            payload = json.loads(base64.b64decode(env["payload"]))
        except Exception:
            return status, None, data.decode("utf-8", "replace")
        if env.get("error"):
            return status, None, payload.get("message") if isinstance(payload, dict) else str(payload)
        return status, payload, None

    def call(self, msg, prv, timeout=None, **kw):
        """Signed call; returns (status, result, error message)."""
        return self.call_body(self.envelope(msg, prv, **kw), timeout)

    def must(self, msg, prv, timeout=None):
        status, result, message = self.call(msg, prv, timeout)
        if status != 200:
            raise RPCError(status, message)
        return result

    def health(self):
        try:
            with urllib.request.urlopen(self.server + "/health", timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    # --- the calls the tools use
    def get_process(self, pid, prv):
        return self.call({"msgtype": "getprocessmsg", "processid": pid}, prv)

    def assign(self, colony, timeout, prv, availablecpu=None, availablemem=None, http_timeout=None):
        msg = {"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": timeout}
        if availablecpu is not None:
            msg["availablecpu"] = availablecpu
        if availablemem is not None:
            msg["availablemem"] = availablemem
        return self.call(msg, prv, timeout=http_timeout or max(timeout, 0) + 30)

    def close(self, pid, out, prv):
        return self.call({"msgtype": "closesuccessfulmsg", "processid": pid, "out": out}, prv)

    def fail(self, pid, errors, prv):
        return self.call({"msgtype": "closefailedmsg", "processid": pid, "errors": errors}, prv)

    def cancel(self, pid, prv):
        return self.call({"msgtype": "cancelprocessmsg", "processid": pid}, prv)

    def submit_spec(self, spec, prv):
        return self.call({"msgtype": "submitfuncspecmsg", "spec": spec}, prv)

    def list_processes(self, colony, state, prv, count=100, executortype="", label="", initiator=""):
        return self.call({"msgtype": "getprocessesmsg", "colonyname": colony, "count": count, "state": state,
                          "executortype": executortype, "label": label, "initiator": initiator}, prv)

    def get_executor(self, colony, name, prv):
        return self.call({"msgtype": "getexecutormsg", "colonyname": colony, "executorname": name}, prv)


def host_port(server):
    u = urllib.parse.urlparse(server)
    return u.hostname, u.port or (443 if u.scheme == "https" else 80), u.scheme == "https"
