#!/usr/bin/env python3
"""Self-test of the Colonies stand-in (colonies_standin.py) and its tools.

    colonies_standin_selftest.py [-v] [-k SUBSTRING]

Starts the stand-in (stale duration 2 s, cleanup every 0.5 s, a state file and a request log in
a temporary folder), sets a colony up with colonies_setup.py, then drives it with pycolonies as a
user and as executors, and with raw signed calls where a status or message is checked. Ends with
one line `N passed, M failed`; exit 0 only when nothing failed. Takes well under a minute.
"""

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the test folder clean
sys.path.insert(0, HERE)
from colonies_rpc import Client, new_key, pycrypto  # noqa: E402
import colonies_standin as standin  # noqa: E402

PY = sys.executable
STALE = 2.0
CLEANUP = 0.5

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def eq(got, want, what=""):
    if got != want:
        raise Failure("%s: got %r, want %r" % (what, got, want))


class StandIn:
    def __init__(self, workdir, server_prv):
        self.workdir = workdir
        self.server_prv = server_prv
        self.state = os.path.join(workdir, "state.json")
        self.log = os.path.join(workdir, "requests.jsonl")
        self.proc = None
        self.port = 0

    def start(self, port=0):
        self.stderr = open(os.path.join(self.workdir, "standin.stderr"), "a")
        self.proc = subprocess.Popen(
            [PY, os.path.join(HERE, "colonies_standin.py"), "--port", str(port), "--server-prvkey", self.server_prv,
             "--state", self.state, "--log", self.log, "--stale-duration", str(STALE),
             "--cleanup-interval", str(CLEANUP)],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        prefix = "colonies-standin listening on 127.0.0.1:"
        if not line.startswith(prefix):
            raise RuntimeError("stand-in did not start: %r" % line)
        self.port = int(line[len(prefix):])
        self.url = "http://127.0.0.1:%d" % self.port
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def term(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(10)


class Ctx:
    pass


def log_entries(ctx):
    with open(ctx.si.log) as f:
        return [json.loads(line) for line in f if line.strip()]


def submit_raw(ctx, spec, prv=None):
    st, p, msg = ctx.c.submit_spec(spec, prv or ctx.user)
    eq(st, 200, "submit: %s" % msg)
    return p


def spec(ctx, func="echo", etype=None, **kw):
    s = {"funcname": func, "args": kw.pop("args", []), "kwargs": kw.pop("kwargs", {}),
         "maxexectime": kw.pop("maxexectime", -1), "maxretries": kw.pop("maxretries", -1),
         "maxwaittime": kw.pop("maxwaittime", -1), "priority": kw.pop("priority", 0),
         "conditions": {"colonyname": ctx.colony, "executortype": etype or ctx.etype}}
    s["conditions"].update(kw.pop("conditions", {}))
    s.update(kw)
    return s


def assign(ctx, prv, timeout=5, **kw):
    return ctx.c.assign(ctx.colony, timeout, prv, **kw)


def drain(ctx):
    """Take and close whatever is waiting for our type (keeps tests independent)."""
    while True:
        st, p, _ = assign(ctx, ctx.e1, -1)
        if st != 200:
            return
        ctx.c.close(p["processid"], [], ctx.e1)


def add_executor(ctx, name, approve=True):
    prv, eid = new_key()
    ctx.c.must({"msgtype": "addexecutormsg", "executor": {"executorid": eid, "executortype": ctx.etype,
                                                          "executorname": name, "colonyname": ctx.colony}},
               ctx.colony_prv)
    if approve:
        ctx.c.must({"msgtype": "approveexecutormsg", "colonyname": ctx.colony, "executorname": name},
                   ctx.colony_prv)
    return prv, eid


class Keepalive:
    """What Beekeeper does while busy: a non-matching assign (availablecpu -1m, timeout -1)."""

    def __init__(self, ctx, prvs):
        self.ctx = ctx
        self.prvs = list(prvs)
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop.wait(0.4):
            for p in list(self.prvs):
                try:
                    assign(self.ctx, p, -1, availablecpu="-1m", http_timeout=5)
                except Exception:
                    pass


# ------------------------------------------------------------------------------------- tests

@test
def crypto_known_answers(ctx):
    vectors = [
        ("0000000000000000000000000000000000000000000000000000000000000001", "",
         "2036f5bc759cfb3589fb4e2342bc9b3c843c5ef27dc8ded538de328a7567089b",
         "ab1a548e7964281d13c2e4c3d260fdf29acd9d6e8d21edc63522c972ab3d2aba0e94f1d6c7a3282498a7f15eaabda6ed2c60adf28208d7f3ffcaef36a23d1eb200"),
        ("48289efe232b9b063f5d4bb079ff17843f546ad30d9357dc4921ea27b03d681a", "hello colonies",
         "44939d43de67a81602d6203106b842b5e221797a1a2b60f3f9ab83e2d555ba15",
         "74b83c77618ecab639d6fd6532ff79499728db1027337be7fd1cccf8460fad336273b67e5a8a7906e6dee269e92eb70b7604855dc3842cc880017687feb0f88700"),
        ("8332ac4fbf4574337d879fc106b0c99b1c16ad51573339257239a98dc568d679",
         "eyJtc2d0eXBlIjogImFzc2lnbnByb2Nlc3Ntc2ciLCAidGltZW91dCI6IDEwLCAiY29sb255bmFtZSI6ICJkZXYifQ==",
         "8e9e6a18cc378950f0008c76e633fd6bfd4318ddeffe6807726f67ca43b9d156",
         "883e4604ec74124fb53635785e9db26aadcaefa5273f8a3347f6897c3458088430b49299cb759340ba88d0f72d306b080c35d6ca4734350cbbf4cccfeea1fbd901"),
    ]
    for prv, msg, kid, sig in vectors:
        eq(pycrypto.sign(msg, prv), sig, "pycolonies signature")
        eq(pycrypto.get_id(prv), kid, "pycolonies id")
        eq(standin.recover_id(msg, sig), kid, "recovered id")
    for i in range(20):
        prv, kid = new_key()
        m = "m%d-%s" % (i, prv[:8])
        eq(standin.recover_id(m, pycrypto.sign(m, prv)), kid, "random key round trip")


@test
def crypto_libsecp256k1_agrees(ctx):
    """--crypto libsecp256k1 must answer exactly as the pure-Python recovery."""
    try:
        lib = standin.Secp256k1()
    except OSError:
        ctx.note = "libsecp256k1 not available here: compared nothing"
        return
    prv, kid = new_key()
    cases = []
    for i in range(30):
        m = "payload-%d" % i
        cases.append((m, pycrypto.sign(m, prv)))
    sig = bytes.fromhex(cases[0][1])
    s = int.from_bytes(sig[32:64], "big")
    cases.append((cases[0][0], (sig[:32] + (pycrypto.N - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])).hex()))
    cases.append((cases[0][0], cases[0][1][:128] + "20"))
    cases.append(("other", cases[1][1]))

    def run():
        out = []
        for m, g in cases:
            try:
                out.append(standin.recover_id(m, g))
            except standin.SignatureError as e:
                out.append("error: %s" % e)
        return out
    saved = standin._SECP
    try:
        standin._SECP = None
        py = run()
        standin._SECP = lib
        c = run()
    finally:
        standin._SECP = saved
    eq(c, py, "libsecp256k1 vs pure Python")
    eq(py[:30], [kid] * 30, "ids")
    eq(py[30], "error: Failed verify signature: Signature s value is over half the order", "high s")


@test
def health_and_version(ctx):
    import urllib.request
    with urllib.request.urlopen(ctx.si.url + "/health", timeout=5) as r:
        eq(r.status, 200, "health")
        eq(r.read(), b"", "health body")
    st, res, _ = ctx.c.call_body(ctx.c.envelope({"msgtype": "versionmsg"}, None, signature=""))
    eq(st, 200, "version")
    eq(res, {"buildversion": "", "buildtime": "", "msgtype": "versionmsg"}, "version payload")
    st, ctype, data = ctx.c.post_raw(ctx.c.envelope({"msgtype": "versionmsg"}, None, signature=""))
    eq(ctype, "text/plain; charset=utf-8", "content type")
    env = json.loads(data)
    eq(list(env), ["payloadtype", "payload", "error"], "envelope keys")


@test
def setup_outputs(ctx):
    s = ctx.setup
    for k in ("server", "colonyname", "colonyid", "colonyprvkey", "username", "userid", "userprvkey",
              "executorname", "executortype", "executorid", "executorprvkey", "registered"):
        check(k in s, "setup has " + k)
    eq(pycrypto.get_id(s["executorprvkey"]), s["executorid"], "executor id")
    st = os.stat(ctx.keyfile)
    eq(st.st_mode & 0o777, 0o600, "key file mode")
    with open(ctx.keyfile) as f:
        eq(f.read(), s["executorprvkey"] + "\n", "key file")
    st, ex, _ = ctx.c.get_executor(ctx.colony, s["executorname"], ctx.user)
    eq((st, ex["state"], ex["executortype"]), (200, 1, ctx.etype), "executor approved")


@test
def submit_assign_close_get_pycolonies(ctx):
    from pycolonies import func_spec
    drain(ctx)
    fs = func_spec(func="echo", args=["a", 2], kwargs={"k": "v"}, colonyname=ctx.colony, executortype=ctx.etype,
                   maxexectime=30)
    p = ctx.pc.submit_func_spec(fs, ctx.user)
    eq(p.state, 0, "submitted state")
    eq(p.initiatorname, "alice", "initiator")
    a = ctx.pc.assign(ctx.colony, 5, ctx.e1)
    eq(a.processid, p.processid, "assigned process")
    eq((a.state, a.assignedexecutorid), (1, ctx.e1_id), "running, ours")
    check(a.execdeadline.year > 2000, "execdeadline set for maxexectime 30")
    ctx.pc.close(p.processid, ["done", 7], ctx.e1)
    g = ctx.pc.get_process(p.processid, ctx.user)
    eq((g.state, g.output), (2, ["done", 7]), "closed")
    st, raw, _ = ctx.c.get_process(p.processid, ctx.user)
    eq(list(raw), ["processid", "initiatorid", "initiatorname", "assignedexecutorid", "isassigned", "state",
                   "prioritytime", "submissiontime", "starttime", "endtime", "waitdeadline", "execdeadline",
                   "retries", "attributes", "spec", "waitforparents", "parents", "children", "processgraphid",
                   "in", "out", "errors"], "process JSON fields")
    eq(list(raw["spec"]), ["nodename", "funcname", "args", "kwargs", "priority", "maxwaittime", "maxexectime",
                           "maxretries", "conditions", "label", "fs", "env"], "spec fields")
    eq(raw["spec"]["conditions"]["executornames"], None, "executornames from pycolonies")
    eq(raw["waitdeadline"], "0001-01-01T00:00:00Z", "zero time")
    ctx.closed_once = p.processid


@test
def fail_and_fail_twice(ctx):
    p = submit_raw(ctx, spec(ctx, func="boom"))
    st, a, _ = assign(ctx, ctx.e1)
    eq((st, a["processid"]), (200, p["processid"]), "assigned")
    eq(ctx.c.fail(p["processid"], ["it broke"], ctx.e1)[0], 200, "fail")
    st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
    eq((g["state"], g["errors"]), (3, ["it broke"]), "failed")
    eq(ctx.c.fail(p["processid"], ["again"], ctx.e1), (400, None, "Tried to set failed process as failed"), "fail twice")
    eq(ctx.c.close(p["processid"], [], ctx.e1), (400, None, "Tried to set failed process as successful"),
       "close after fail")


@test
def double_close_is_200(ctx):
    p = submit_raw(ctx, spec(ctx))
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "assigned")
    eq(ctx.c.close(p["processid"], [1], ctx.e1)[0], 200, "close")
    eq(ctx.c.close(p["processid"], [1], ctx.e1)[0], 200, "close again")
    eq(ctx.c.fail(p["processid"], ["x"], ctx.e1), (400, None, "Tried to set successful process as failed"),
       "fail after success")


@test
def close_by_non_assignee_403(ctx):
    p = submit_raw(ctx, spec(ctx))
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "assigned")
    eq(ctx.c.close(p["processid"], [], ctx.e2),
       (403, None, "Failed to close process as successful, not allowed to close process as successful"), "close")
    eq(ctx.c.fail(p["processid"], [], ctx.e2),
       (403, None, "Failed to close process as failed, not allowed to close process as failed"), "fail")
    eq(ctx.c.close(p["processid"], [], ctx.e1)[0], 200, "assignee closes")


@test
def unknown_process_ids(ctx):
    pid = "a" * 64
    eq(ctx.c.close(pid, [], ctx.e1), (500, None, "Failed to close process as successful, process is nil"), "close")
    eq(ctx.c.fail(pid, [], ctx.e1), (500, None, "Failed to close process as failed, process is nil"), "fail")
    eq(ctx.c.get_process(pid, ctx.user), (404, None, "Failed to get process, process not found"), "get")


@test
def cancel_then_close_or_fail_400(ctx):
    p = submit_raw(ctx, spec(ctx))
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "assigned")
    eq(ctx.c.cancel(p["processid"], ctx.user)[0], 200, "cancel")
    st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
    eq((g["state"], g["assignedexecutorid"]), (4, ctx.e1_id), "cancelled, still assigned")
    eq(ctx.c.close(p["processid"], [], ctx.e1), (400, None, "Tried to set cancelled process as successful"), "close")
    eq(ctx.c.fail(p["processid"], [], ctx.e1), (400, None, "Tried to set cancelled process as failed"), "fail")
    eq(ctx.c.cancel(p["processid"], ctx.user), (400, None, "Tried to cancel already cancelled process"), "again")
    w = submit_raw(ctx, spec(ctx))
    eq(ctx.c.cancel(w["processid"], ctx.user)[0], 200, "cancel waiting")
    eq(ctx.c.close(w["processid"], [], ctx.e1),
       (403, None, "Failed to close process as successful, process is not assigned"), "close never assigned")
    eq(assign(ctx, ctx.e1, -1)[0], 404, "cancelled process is not assigned")


@test
def assign_timeouts(ctx):
    eq(assign(ctx, ctx.e1, 0), (400, None, "Invalid timeout value, timeout cannot be zero"), "timeout 0")
    t0 = time.monotonic()
    eq(assign(ctx, ctx.e1, -1), (404, None, "No process available for assignment"), "timeout -1")
    check(time.monotonic() - t0 < 0.5, "negative timeout answers at once")
    t0 = time.monotonic()
    eq(assign(ctx, ctx.e1, 1)[0], 404, "timeout 1")
    el = time.monotonic() - t0
    check(0.9 <= el < 2.0, "1 s long poll took %.2f s" % el)
    eq(assign(ctx, ctx.user, 1), (500, None, "Failed to assign process, executor not found"), "user assigns")
    eq(assign(ctx, ctx.colony_prv, 1),
       (403, None, "Access denied, not a member of Colony with name <%s>" % ctx.colony), "colony key assigns")


@test
def long_poll_wakes_on_submit(ctx):
    res = {}

    def poll():
        res["r"] = assign(ctx, ctx.e1, 10)
        res["t"] = time.monotonic()

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    t_sub = time.monotonic()
    p = submit_raw(ctx, spec(ctx, func="wake"))
    t.join(12)
    st, a, _ = res["r"]
    eq((st, a["processid"]), (200, p["processid"]), "long poll got it")
    lat = res["t"] - t_sub
    check(lat < 1.0, "woke %.3f s after the submission" % lat)
    ctx.c.close(p["processid"], [], ctx.e1)


@test
def keepalive_assign_404_and_lastheard(ctx):
    p = submit_raw(ctx, spec(ctx))
    st, ex1, _ = ctx.c.get_executor(ctx.colony, "bk2", ctx.user)
    time.sleep(0.05)
    eq(assign(ctx, ctx.e2, -1, availablecpu="-1m"), (404, None, "No process available for assignment"),
       "keepalive answers 404")
    st, ex2, _ = ctx.c.get_executor(ctx.colony, "bk2", ctx.user)
    check(ex2["lastheardfromtime"] > ex1["lastheardfromtime"], "lastheardfromtime advanced: %s -> %s"
          % (ex1["lastheardfromtime"], ex2["lastheardfromtime"]))
    st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
    eq(g["state"], 0, "process still waiting")
    drain(ctx)


@test
def maxexectime_expiry_and_retries(ctx):
    p = submit_raw(ctx, spec(ctx, func="slow", maxexectime=1, maxretries=3))
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "assigned")
    deadline = time.monotonic() + 5
    g = None
    while time.monotonic() < deadline:
        st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
        if g["state"] == 0:
            break
        time.sleep(0.1)
    eq((g["state"], g["retries"], g["assignedexecutorid"], g["isassigned"]), (0, 1, "", False), "back to waiting")
    eq(ctx.c.close(p["processid"], [], ctx.e1),
       (403, None, "Failed to close process as successful, process is not assigned"), "old close")
    st, a2, _ = assign(ctx, ctx.e2)
    eq((st, a2["processid"], a2["retries"]), (200, p["processid"], 1), "reassigned to bk2")
    eq(ctx.c.close(p["processid"], [], ctx.e1),
       (403, None, "Failed to close process as successful, not allowed to close process as successful"),
       "old close after reassignment")
    eq(ctx.c.close(p["processid"], [], ctx.e2)[0], 200, "new holder closes")
    z = submit_raw(ctx, spec(ctx, func="zero", maxexectime=0, maxretries=0))
    st, a3, _ = assign(ctx, ctx.e1)
    eq(a3["processid"], z["processid"], "assigned maxexectime 0")
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        st, g, _ = ctx.c.get_process(z["processid"], ctx.user)
        if g["state"] == 3:
            break
        time.sleep(0.1)
    eq((g["state"], g["errors"]), (3, ["Maximum execution time limit exceeded"]), "the 0 trap")


@test
def maxwaittime_fails_waiting(ctx):
    p = submit_raw(ctx, spec(ctx, etype="nobody", maxwaittime=1))
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
        if g["state"] == 3:
            break
        time.sleep(0.1)
    eq((g["state"], g["errors"]), (3, ["Maximum waiting time limit exceeded"]), "maxwaittime")


@test
def matching_order_and_targets(ctx):
    drain(ctx)
    q = [submit_raw(ctx, s)["processid"] for s in (
        spec(ctx, func="a"), spec(ctx, func="b", priority=5), spec(ctx, func="c", conditions={"executornames": ["bk2"]}),
        spec(ctx, func="d", conditions={"executornames": ["*"]}), spec(ctx, func="e", conditions={"cpu": "500m"}),
        spec(ctx, func="nosuchfunc", etype="other"))]
    got = []
    while True:
        st, a, _ = assign(ctx, ctx.e1, -1, availablecpu="100m")
        if st != 200:
            break
        got.append(a["spec"]["funcname"])
        ctx.c.close(a["processid"], [], ctx.e1)
    eq(got, ["b", "a", "d"], "bk1 order (priority, then submission; names; cpu)")
    got = []
    while True:
        st, a, _ = assign(ctx, ctx.e2, -1)
        if st != 200:
            break
        got.append(a["spec"]["funcname"])
        ctx.c.close(a["processid"], [], ctx.e2)
    eq(got, ["c", "e"], "bk2 takes its named process and the cpu one")
    ctx.c.cancel(q[5], ctx.user)


@test
def objects_sorted_and_kept(ctx):
    s = spec(ctx, func="obj", args=[{"b": 1, "a": {"z": [1, 2.5, None], "y": True}}, "x<y>&"],
             kwargs={"zz": {"d": 1, "c": 2}, "aa": 3})
    p = submit_raw(ctx, s)
    eq(p["spec"]["args"], [{"a": {"y": True, "z": [1, 2.5, None]}, "b": 1}, "x<y>&"], "args")
    eq(list(p["spec"]["args"][0]), ["a", "b"], "args object keys sorted")
    eq(list(p["spec"]["kwargs"]), ["aa", "zz"], "kwargs keys sorted")
    eq(list(p["spec"]["kwargs"]["zz"]), ["c", "d"], "nested keys sorted")
    st, ctype, data = ctx.c.post_raw(ctx.c.envelope({"msgtype": "getprocessmsg", "processid": p["processid"]},
                                                    ctx.user))
    text = base64.b64decode(json.loads(data)["payload"]).decode()
    check("x\\u003cy\\u003e\\u0026" in text, "Go escapes <>& in strings")
    check(text.startswith('{\n  "processid": '), "indented as MarshalIndent")
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "assigned")
    eq(ctx.c.close(p["processid"], [{"k2": 1, "k1": [True]}, None, 3.5], ctx.e1)[0], 200, "close with objects")
    st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
    eq(g["out"], [{"k1": [True], "k2": 1}, None, 3.5], "out kept")
    eq(list(g["out"][0]), ["k1", "k2"], "out keys sorted")


@test
def get_processes_filters(ctx):
    st, lst, _ = ctx.c.list_processes(ctx.colony, 2, ctx.user, count=3)
    eq((st, len(lst)), (200, 3), "3 successful")
    ends = [x["endtime"] for x in lst]
    eq(ends, sorted(ends, reverse=True), "newest end first")
    eq(ctx.c.list_processes(ctx.colony, 2, ctx.user, count=101),
       (400, None, "Count is larger than MaxCount limit <100>"), "count > 100")
    eq(ctx.c.list_processes(ctx.colony, 1, ctx.user, executortype="nobody-at-all"), (200, None, None),
       "empty list is null")
    eq(ctx.c.list_processes(ctx.colony, 2, ctx.user, initiator="mallory"),
       (400, None, "User <mallory> does not exist"), "unknown initiator")
    st, lst, _ = ctx.c.list_processes(ctx.colony, 2, ctx.user, count=100, initiator="alice")
    check(st == 200 and lst and all(x["initiatorname"] == "alice" for x in lst), "initiator filter")


@test
def envelope_and_signature_errors(ctx):
    c = ctx.c
    msg = {"msgtype": "getprocessmsg", "processid": "b" * 64}
    env = json.loads(c.envelope(msg, ctx.user))
    not_member = "Access denied, not a member of Colony with name <%s>" % ctx.colony
    # a corrupted signature recovers some other key: "not a member", as the server answers
    p = submit_raw(ctx, spec(ctx, etype="nobody"))
    good = json.loads(c.envelope({"msgtype": "getprocessmsg", "processid": p["processid"]}, ctx.user))
    eq(c.call_body(json.dumps(good))[0], 200, "the intact call")
    eq(c.call_body(json.dumps(dict(good, signature=_flip_s(good["signature"])))), (403, None, not_member),
       "corrupted signature")
    alt = base64.b64encode(json.dumps({"msgtype": "getprocessmsg", "processid": p["processid"]}, indent=1)
                           .encode()).decode()
    eq(c.call_body(json.dumps(dict(good, payload=alt))), (403, None, not_member), "altered payload")
    eq(c.call_body(json.dumps(dict(env, signature=""))), (403, None, "Invalid signature length"), "empty signature")
    eq(c.call_body(json.dumps(dict(env, signature=env["signature"][:128]))), (403, None, "Invalid signature length"),
       "short signature")
    eq(c.call_body(json.dumps(dict(env, signature="zz" + env["signature"][2:]))),
       (403, None, "encoding/hex: invalid byte: U+007A 'z'"), "non-hex signature")
    eq(c.call_body(c.envelope({"msgtype": "getprocessesmsg"}, ctx.user, payloadtype="getprocessmsg")),
       (400, None, "Failed to get process, msg.MsgType does not match payloadType"), "msgtype mismatch")
    eq(c.call_body(c.envelope({"msgtype": "nosuchmsg"}, ctx.user)),
       (403, None, "invalid rpcMsg.PayloadType: nosuchmsg"), "unknown payloadtype")
    eq(c.call_body("hello"), (400, None, "invalid character 'h' looking for beginning of value"), "not JSON")
    eq(c.call_body(c.envelope({}, ctx.user, payloadtype="assignprocessmsg",
                              payload=base64.b64encode(b"{oops").decode())),
       (400, None, "Failed to assign process, invalid JSON"), "payload not JSON")


def _flip_s(sighex):
    b = bytearray(bytes.fromhex(sighex))
    b[63] ^= 1
    return bytes(b).hex()


@test
def stale_executor_cleanup(ctx):
    drain(ctx)
    prv3, id3 = add_executor(ctx, "bk3")
    p = submit_raw(ctx, spec(ctx, func="orphan"))
    st, a, _ = assign(ctx, prv3)
    eq((st, a["processid"]), (200, p["processid"]), "bk3 holds it")
    deadline = time.monotonic() + STALE + CLEANUP + 4
    g = None
    while time.monotonic() < deadline:
        st, g, _ = ctx.c.get_process(p["processid"], ctx.user)
        if g["state"] == 0:
            break
        time.sleep(0.1)
    eq((g["state"], g["assignedexecutorid"], g["starttime"], g["retries"]), (0, "", "0001-01-01T00:00:00Z", 0),
       "back to waiting")
    eq(assign(ctx, prv3, -1), (403, None, "Access denied, not a member of Colony with name <%s>" % ctx.colony),
       "stale key refused")
    st, ex, _ = ctx.c.get_executor(ctx.colony, "bk3", ctx.user)
    eq(ex["state"], 3, "unregistered")
    st, _, msg = ctx.c.call({"msgtype": "addexecutormsg", "executor": {
        "executorid": id3, "executortype": ctx.etype, "executorname": "bk3", "colonyname": ctx.colony}}, ctx.colony_prv)
    eq((st, msg), (400, "Executor with name <bk3> in Colony <%s> already exists" % ctx.colony), "re-add")
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], p["processid"], "another executor runs it")
    ctx.c.close(p["processid"], [], ctx.e1)
    st, ex, _ = ctx.c.get_executor(ctx.colony, "bk1", ctx.user)
    eq(ex["state"], 1, "kept-alive executor survives")


@test
def client_cli(ctx):
    def run(*args):
        r = subprocess.run([PY, os.path.join(HERE, "colonies_client.py"), "--setup", ctx.setup_path] + list(args),
                           capture_output=True, text=True, timeout=60)
        return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr
    drain(ctx)
    rc, out, err = run("submit", "--func", "cli", "--args", '["x", 1]', "--kwargs", '{"k": "v"}',
                       "--maxexectime", "30", "--priority", "2")
    eq(rc, 0, "submit: %s" % err)
    pid = out["processid"]
    rc, out, _ = run("submit-raw", "--spec", json.dumps(spec(ctx, func="raw", args=[{"o": 1}])))
    eq((rc, out["spec"]["args"]), (0, [{"o": 1}]), "submit-raw")
    pid2 = out["processid"]
    rc, out, _ = run("get", pid)
    eq((rc, out["spec"]["priority"], out["spec"]["maxexectime"], out["spec"]["args"]), (0, 2, 30, ["x", 1]), "get")
    rc, out, _ = run("list", "--state", "0")
    check(rc == 0 and {pid, pid2} <= {x["processid"] for x in out}, "list")
    rc, out, _ = run("assign", "--timeout", "2")
    eq((rc, out["processid"]), (0, pid), "assign (priority 2 first)")
    rc, out, _ = run("close", pid, "--out", '[{"r": 1}]')
    eq(rc, 0, "close")
    rc, out, _ = run("wait", pid, "--timeout", "5")
    eq((rc, out["state"], out["out"]), (0, 2, [{"r": 1}]), "wait")
    rc, out, _ = run("cancel", pid2)
    eq(rc, 0, "cancel")
    rc, out, _ = run("cancel", pid2)
    eq((rc, out), (1, {"status": 400, "message": "Tried to cancel already cancelled process"}), "cancel again")
    rc, out, _ = run("executor")
    eq((rc, out["executorname"]), (0, ctx.setup["executorname"]), "executor")


@test
def throughput_and_request_log(ctx):
    drain(ctx)
    n = 40
    pids = []
    for i in range(n):
        pids.append(submit_raw(ctx, spec(ctx, func="t", args=[i]))["processid"])
    closed = []
    lock = threading.Lock()

    def worker(prv):
        while True:
            st, a, _ = assign(ctx, prv, -1)
            if st != 200:
                return
            eq(ctx.c.close(a["processid"], [a["spec"]["args"][0]], prv)[0], 200, "close")
            with lock:
                closed.append(a["processid"])
    t0 = time.monotonic()
    ths = [threading.Thread(target=worker, args=(p,)) for p in (ctx.e1, ctx.e2, ctx.e1, ctx.e2)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(60)
    el = time.monotonic() - t0
    eq(sorted(closed), sorted(pids), "each process closed once")
    entries = log_entries(ctx)
    closes = [e for e in entries if e["msgtype"] == "closesuccessfulmsg" and e["status"] == 200]
    for pid in pids:
        eq(sum(1 for e in closes if e["processid"] == pid), 1, "one close in the log for " + pid[:8])
    eq(sum(1 for e in closes if e["processid"] == ctx.closed_once), 1, "pycolonies' close logged once")
    e = closes[-1]
    for k in ("ts", "end", "msgtype", "caller", "caller_name", "processid", "status", "error"):
        check(k in e, "log entry has " + k)
    check(any(x["msgtype"] == "assignprocessmsg" and x["status"] == 404 and x.get("timeout") == -1
              for x in entries), "keepalive assigns logged")
    ctx.note = "%d processes assigned+closed in %.2f s (%.0f/s, 4 workers, pure-Python signing on both sides)" % (
        n, el, n / el)


@test
def restart_keeps_state(ctx):
    drain(ctx)
    w = submit_raw(ctx, spec(ctx, func="waiting"))
    r = submit_raw(ctx, spec(ctx, func="running"))
    st, a, _ = assign(ctx, ctx.e1)
    eq(a["processid"], w["processid"], "first one assigned")
    # w is now running, r waiting; a third one closed
    d = submit_raw(ctx, spec(ctx, etype="nobody"))
    ctx.c.cancel(d["processid"], ctx.user)
    port = ctx.si.port
    ctx.keep.stop.set()
    ctx.si.kill9()
    time.sleep(0.3)
    ctx.si.start(port)
    eq(ctx.si.port, port, "same port")
    ctx.keep = Keepalive(ctx, [ctx.e1, ctx.e2])
    st, g, _ = ctx.c.get_process(w["processid"], ctx.user)
    eq((st, g["state"], g["assignedexecutorid"]), (200, 1, ctx.e1_id), "running process intact")
    st, g, _ = ctx.c.get_process(r["processid"], ctx.user)
    eq((st, g["state"]), (200, 0), "waiting process intact")
    st, g, _ = ctx.c.get_process(d["processid"], ctx.user)
    eq((st, g["state"]), (200, 4), "cancelled process intact")
    eq(ctx.c.close(w["processid"], ["after restart"], ctx.e1)[0], 200, "close after restart")
    st, a, _ = assign(ctx, ctx.e2)
    eq((st, a["processid"]), (200, r["processid"]), "executor and queue intact")
    # a SIGTERM writes the last changes too
    ctx.keep.stop.set()
    eq(ctx.si.term(), 0, "SIGTERM exit status")
    ctx.si.start(port)
    ctx.keep = Keepalive(ctx, [ctx.e1, ctx.e2])
    st, g, _ = ctx.c.get_process(r["processid"], ctx.user)
    eq((g["state"], g["assignedexecutorid"]), (1, ctx.e2_id), "assignment survived SIGTERM restart")
    eq(ctx.c.close(r["processid"], [], ctx.e2)[0], 200, "close")


@test
def kill9_under_load_loses_nothing_acknowledged(ctx):
    """Every submit, assign and close the stand-in acknowledged is still there after a kill -9."""
    drain(ctx)
    acked = {"submit": set(), "assign": set(), "close": set()}
    lock = threading.Lock()
    stop = threading.Event()
    c = Client(ctx.si.url, timeout=5)

    def submitter():
        while not stop.is_set():
            try:
                st, p, _ = c.submit_spec(spec(ctx, func="load"), ctx.user)
                if st == 200:
                    with lock:
                        acked["submit"].add(p["processid"])
            except Exception:
                pass

    def worker(prv):
        while not stop.is_set():
            try:
                st, p, _ = c.assign(ctx.colony, -1, prv)
                if st != 200:
                    time.sleep(0.01)
                    continue
                with lock:
                    acked["assign"].add(p["processid"])
                st, _, _ = c.close(p["processid"], [1], prv)
                if st == 200:
                    with lock:
                        acked["close"].add(p["processid"])
            except Exception:
                pass
    ths = [threading.Thread(target=submitter) for _ in range(2)] + \
        [threading.Thread(target=worker, args=(k,)) for k in (ctx.e1, ctx.e2, ctx.e1, ctx.e2)]
    for t in ths:
        t.start()
    # Load until enough has been acknowledged (a busy machine needs longer than an idle one),
    # then kill at an arbitrary moment of it.
    deadline = time.monotonic() + 60
    time.sleep(1.5)
    while time.monotonic() < deadline:
        with lock:
            if len(acked["close"]) > 20:
                break
        time.sleep(0.1)
    port = ctx.si.port
    ctx.keep.stop.set()
    ctx.si.kill9()
    stop.set()
    for t in ths:
        t.join(10)
    ctx.si.start(port)
    ctx.keep = Keepalive(ctx, [ctx.e1, ctx.e2])
    check(len(acked["close"]) > 10, "some load ran (%d closes)" % len(acked["close"]))
    for pid in acked["submit"]:
        st, g, m = ctx.c.get_process(pid, ctx.user)
        eq(st, 200, "acknowledged submit %s survives: %s" % (pid[:8], m))
        if pid in acked["close"]:
            eq(g["state"], 2, "acknowledged close of %s survives" % pid[:8])
        elif pid in acked["assign"]:
            check(g["state"] in (1, 2), "acknowledged assign of %s survives" % pid[:8])
    ctx.note = "%d submits, %d assigns, %d closes acknowledged before the kill" % (
        len(acked["submit"]), len(acked["assign"]), len(acked["close"]))
    drain(ctx)


# ------------------------------------------------------------------------------------- runner

def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", default=None)
    args = ap.parse_args(argv)
    t_start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="colonies-standin-selftest-")
    server_prv, _ = new_key()
    ctx = Ctx()
    ctx.si = StandIn(workdir, server_prv).start()
    passed = failed = 0
    try:
        ctx.colony = "dev"
        ctx.etype = "beekeeper"
        ctx.setup_path = os.path.join(workdir, "setup.json")
        ctx.keyfile = os.path.join(workdir, "executor.key")
        r = subprocess.run([PY, os.path.join(HERE, "colonies_setup.py"), "--server", ctx.si.url,
                            "--server-prvkey", server_prv, "--colony", ctx.colony, "--executor-name", "bk1",
                            "--executor-type", ctx.etype, "--out", ctx.setup_path,
                            "--executor-key-file", ctx.keyfile], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            print("setup failed: %s %s" % (r.stdout, r.stderr))
            print("0 passed, 1 failed")
            return 1
        with open(ctx.setup_path) as f:
            ctx.setup = json.load(f)
        from pycolonies import Colonies
        ctx.pc = Colonies("127.0.0.1", ctx.si.port)
        ctx.c = Client(ctx.si.url)
        ctx.user = ctx.setup["userprvkey"]
        ctx.colony_prv = ctx.setup["colonyprvkey"]
        ctx.e1 = ctx.setup["executorprvkey"]
        ctx.e1_id = ctx.setup["executorid"]
        ctx.e2, ctx.e2_id = add_executor(ctx, "bk2")
        ctx.keep = Keepalive(ctx, [ctx.e1, ctx.e2])
        ctx.closed_once = None
        for fn in TESTS:
            if args.k and args.k not in fn.__name__:
                continue
            ctx.note = None
            t0 = time.monotonic()
            try:
                fn(ctx)
                passed += 1
                if args.verbose:
                    print("PASS %-40s %.2fs%s" % (fn.__name__, time.monotonic() - t0,
                                                  "  " + ctx.note if ctx.note else ""))
            except Exception as e:
                failed += 1
                print("FAIL %-40s %s" % (fn.__name__, e))
                if not isinstance(e, Failure) or args.verbose:
                    traceback.print_exc()
    finally:
        try:
            ctx.keep.stop.set()
        except Exception:
            pass
        if ctx.si.proc and ctx.si.proc.poll() is None:
            ctx.si.term()
    if args.verbose:
        print("total %.1f s, work dir %s" % (time.monotonic() - t_start, workdir))
    if failed == 0:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("stand-in state, request log and stderr kept in %s" % workdir)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
