#!/usr/bin/env python3
"""Differential check: one scripted sequence of calls against two Colonies servers (a real one and
the stand-in), comparing every answer: HTTP status, the error message, and the reply payload as
text (the exact JSON the server wrote: field names, order, types, indentation, escaping) after
replacing what legitimately differs (ids, timestamps, priority times, function statistics).

    colonies_differential.py --a URL --a-prvkey K --b URL --b-prvkey K [--stale 3]
                             [--skip-stale] [--only PHASE,...] [--json report.json]

Both servers must use the same stale executor duration (--stale seconds; the cleanup interval
should be ~1 s) for the stale phase. Exit 0 when every step matched, 1 otherwise.
This script builds and starts nothing: start the servers yourself.
"""

import argparse
import base64
import json
import os
import re
import sys
import threading
import time
import uuid

sys.dont_write_bytecode = True  # keep the test folder clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colonies_rpc import Client, new_key, pycrypto  # noqa: E402

HEX64 = re.compile(r"[0-9a-f]{64}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
PRIO = re.compile(r'"prioritytime": -?\d+')
FSTAT = re.compile(r'"(min|max|avg)(wait|exec)time":[-0-9.e+]+')


class Run:
    def __init__(self, name, server, server_prv, stale):
        self.name = name
        self.c = Client(server)
        self.server_prv = server_prv
        self.stale = stale
        self.records = []
        self.labels = {}
        self.stop_keepalive = threading.Event()

    # --- recording
    def label(self, hexid, role):
        self.labels[hexid] = role

    def norm(self, text):
        if getattr(self, "colony", None):
            text = text.replace(self.colony, "<CN>")

        def hx(m):
            h = m.group(0)
            if h not in self.labels:
                self.labels[h] = "<P%d>" % (sum(1 for v in self.labels.values() if v.startswith("<P")) + 1)
            return self.labels[h]
        text = HEX64.sub(hx, text)
        text = TIME.sub(lambda m: m.group(0) if m.group(0).startswith("0001-") else "<T>", text)
        text = PRIO.sub('"prioritytime": <PT>', text)
        text = re.sub(r'"port":\d+', '"port":<PORT>', text)
        text = re.sub(r'"buildtime":"[^"]*"', '"buildtime":<BT>', text)
        text = FSTAT.sub(lambda m: '"%s%stime":<F>' % (m.group(1), m.group(2)), text)
        return text

    def rec(self, step, status, text, note=None):
        self.records.append({"step": step, "status": status, "text": self.norm(text) if text is not None else None,
                             "note": note})

    def raw(self, step, body, timeout=60):
        status, ctype, data = self.c.post_raw(body, timeout)
        try:
            env = json.loads(data)
            payload = base64.b64decode(env["payload"]).decode("utf-8")
            payload = _sort_attributes(_sort_executors(payload))
            head = {k: env[k] for k in env if k != "payload"}
            text = json.dumps(head) + " " + payload
        except Exception:
            payload = None
            text = "RAW:" + data.decode("utf-8", "replace") + " CT:" + str(ctype)
        self.rec(step, status, text)
        try:
            return status, json.loads(payload) if payload is not None else None
        except Exception:
            return status, None

    def call(self, step, msg, prv, timeout=60, **kw):
        return self.raw(step, self.c.envelope(msg, prv, **kw), timeout)

    def quiet(self, msg, prv, timeout=60):
        return self.c.call(msg, prv, timeout)

    # --- helpers
    def keepalive(self, prvs):
        def loop():
            while not self.stop_keepalive.wait(0.7):
                for p in prvs:
                    try:
                        self.c.call({"msgtype": "assignprocessmsg", "colonyname": self.colony, "timeout": -1,
                                     "availablecpu": "-1m"}, p, 10)
                    except Exception:
                        pass
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        return t

    def spec(self, func="echo", etype="bk", **kw):
        s = {"funcname": func, "args": kw.pop("args", []), "kwargs": kw.pop("kwargs", {}),
             "maxexectime": kw.pop("maxexectime", -1), "maxretries": kw.pop("maxretries", -1),
             "maxwaittime": kw.pop("maxwaittime", -1), "priority": kw.pop("priority", 0),
             "conditions": {"colonyname": self.colony, "executortype": etype}}
        s["conditions"].update(kw.pop("conditions", {}))
        s.update(kw)
        return s

    def submit(self, step, spec, prv=None):
        st, p = self.call(step, {"msgtype": "submitfuncspecmsg", "spec": spec}, prv or self.user)
        return p["processid"] if st == 200 else None

    def wait_state(self, pid, states, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, p, _ = self.quiet({"msgtype": "getprocessmsg", "processid": pid}, self.user)
            if st == 200 and p["state"] in states:
                # the server sets state and errors in two statements: read it again a bit later
                time.sleep(0.3)
                st, p, _ = self.quiet({"msgtype": "getprocessmsg", "processid": pid}, self.user)
                return p
            time.sleep(0.1)
        return None


def scenario(r, phases, skip_stale):
    c = r.c
    colony = "diff-" + uuid.uuid4().hex[:8]
    r.colony = colony
    colony_prv, colony_id = new_key()
    user_prv, user_id = new_key()
    e = {}
    for n in ("bk1", "bk2", "bk3", "bk4"):
        e[n] = new_key()
    other_prv, other_id = new_key()
    r.user = user_prv
    r.label(colony_id, "<COLONY>")
    r.label(user_id, "<USER>")
    r.label(other_id, "<OTHER>")
    for n, (_, i) in e.items():
        r.label(i, "<" + n.upper() + ">")
    E = {n: p for n, (p, _) in e.items()}

    # ---------------------------------------------------------------- setup and its refusals
    st = c.health()
    r.rec("health", st, "")
    r.raw("version", c.envelope({"msgtype": "versionmsg"}, None, signature=""))
    r.call("colony.add", {"msgtype": "addcolonymsg", "colony": {"colonyid": colony_id, "name": colony}}, r.server_prv)
    r.call("colony.add-again", {"msgtype": "addcolonymsg", "colony": {"colonyid": other_id, "name": colony}}, r.server_prv)
    r.call("colony.add-not-owner", {"msgtype": "addcolonymsg", "colony": {"colonyid": other_id, "name": colony + "x"}}, user_prv)
    r.call("colony.add-short-id", {"msgtype": "addcolonymsg", "colony": {"colonyid": "abc", "name": colony + "y"}}, r.server_prv)
    r.call("colony.add-nil", {"msgtype": "addcolonymsg"}, r.server_prv)
    r.call("colony.get", {"msgtype": "getcolonymsg", "colonyname": colony}, colony_prv)
    user = {"colonyname": colony, "userid": user_id, "name": "alice", "email": "a@b.c", "phone": "1"}
    r.call("user.add", {"msgtype": "addusermsg", "user": user}, colony_prv)
    r.call("user.add-again", {"msgtype": "addusermsg", "user": user}, colony_prv)
    r.call("user.add-not-owner", {"msgtype": "addusermsg", "user": dict(user, name="bob")}, user_prv)
    r.call("user.add-no-colony", {"msgtype": "addusermsg", "user": dict(user, colonyname="nope-" + colony)}, colony_prv)
    for n in ("bk1", "bk2", "bk3", "bk4"):
        r.call("executor.add." + n, {"msgtype": "addexecutormsg", "executor": {
            "executorid": e[n][1], "executortype": "bk", "executorname": n, "colonyname": colony}}, colony_prv)
    r.call("executor.add-dup-name", {"msgtype": "addexecutormsg", "executor": {
        "executorid": other_id, "executortype": "bk", "executorname": "bk1", "colonyname": colony}}, colony_prv)
    r.call("executor.add-by-user", {"msgtype": "addexecutormsg", "executor": {
        "executorid": other_id, "executortype": "bk", "executorname": "x1", "colonyname": colony}}, user_prv)
    r.call("executor.add-self", {"msgtype": "addexecutormsg", "executor": {
        "executorid": other_id, "executortype": "bk", "executorname": "x2", "colonyname": colony}}, other_prv)
    r.call("executor.add-no-colony", {"msgtype": "addexecutormsg", "executor": {
        "executorid": other_id, "executortype": "bk", "executorname": "x3", "colonyname": "nope"}}, colony_prv)
    r.call("executor.add-nil", {"msgtype": "addexecutormsg"}, colony_prv)
    for n in ("bk1", "bk2", "bk4"):
        r.call("executor.approve." + n, {"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": n}, colony_prv)
    r.call("executor.approve-unknown", {"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": "zz"}, colony_prv)
    r.call("executor.approve-by-user", {"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": "bk3"}, user_prv)
    r.call("executor.get.bk1-before", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk1"}, user_prv)
    r.call("executor.get.bk3-pending-by-itself", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk3"}, E["bk3"])
    r.call("executor.get-unknown", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "zz"}, user_prv)
    r.call("executor.list", {"msgtype": "getexecutorsmsg", "colonyname": colony}, user_prv)
    r.call("executor.list-by-pending", {"msgtype": "getexecutorsmsg", "colonyname": colony}, E["bk3"])
    r.call("executor.list-no-colony", {"msgtype": "getexecutorsmsg", "colonyname": "nope-" + colony}, user_prv)
    r.call("users.list", {"msgtype": "getusersmsg", "colonyname": colony}, E["bk1"])
    r.call("users.list-no-colony", {"msgtype": "getusersmsg", "colonyname": "nope-" + colony}, E["bk1"])
    r.call("colonies.list-by-user", {"msgtype": "getcoloniesmsg"}, user_prv)
    r.call("executor.reject-bk3", {"msgtype": "rejectexecutormsg", "colonyname": colony, "executorname": "bk3"}, colony_prv)
    r.call("executor.get.bk3-rejected", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk3"}, user_prv)
    ka = r.keepalive([E["bk1"], E["bk2"]])
    time.sleep(0.1)

    def A(step, prv, timeout=-1, **kw):
        msg = {"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": timeout}
        msg.update(kw)
        return r.call(step, msg, prv, timeout=max(timeout, 0) + 30)

    def close(step, pid, prv, out=None):
        return r.call(step, {"msgtype": "closesuccessfulmsg", "processid": pid, "out": out if out is not None else []}, prv)

    def fail(step, pid, prv, errors=None):
        return r.call(step, {"msgtype": "closefailedmsg", "processid": pid, "errors": errors if errors is not None else []}, prv)

    def get(step, pid, prv=None):
        return r.call(step, {"msgtype": "getprocessmsg", "processid": pid}, prv or user_prv)

    # ---------------------------------------------------------------- assign refusals (nothing waiting)
    if "assign" in phases:
        A("assign.pending-executor", E["bk3"])
        A("assign.user", user_prv)
        A("assign.colony-key", colony_prv)
        A("assign.unknown-key", other_prv)
        A("assign.timeout-zero", E["bk1"], 0)
        A("assign.nothing", E["bk1"], -1)
        A("assign.keepalive-cpu", E["bk1"], -1, availablecpu="-1m")
        A("assign.cpu-no-m", E["bk1"], -1, availablecpu="abc")
        A("assign.cpu-bad", E["bk1"], -1, availablecpu="xm")
        A("assign.mem-bad", E["bk1"], -1, availablemem="12Q")
        A("assign.mem-ok", E["bk1"], -1, availablemem="1Gi")
        A("assign.short-poll", E["bk1"], 1)
        A("assign.other-colony", E["bk1"], -1, colonyname="nope-" + colony)
        r.call("assign.timeout-string", {"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": "5"}, E["bk1"])
        r.call("assign.timeout-float", {"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": 1.5}, E["bk1"])
        r.call("assign.msgtype-mismatch", {"msgtype": "getprocessmsg", "colonyname": colony, "timeout": 1}, E["bk1"],
               payloadtype="assignprocessmsg")
        r.call("assign.case-insensitive", {"MsgType": "assignprocessmsg", "ColonyName": colony, "Timeout": -1}, E["bk1"],
               payloadtype="assignprocessmsg")
        st, ex, _ = r.quiet({"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk1"}, user_prv)
        r.rec("executor.get.bk1-after-assign.lastheard-set", st,
              json.dumps(ex["lastheardfromtime"] != "0001-01-01T00:00:00Z"))

    # ---------------------------------------------------------------- submit and the process JSON
    if "basic" in phases:
        spec = r.spec(args=[1, 1.5, "x<&>", {"b": 1, "a": [True, None]}, 1e20, 1.5e-5, 12345678901234567890, -0.0,
                            1e-7, 1e21, "\u2028\t\x01\u00e9"],
                      kwargs={"z": 1, "a": {"d": 2, "c": 1}, "n": None}, env={"k2": "v2", "k1": "v<1>"},
                      label="lbl")
        p1 = r.submit("basic.submit", spec)
        get("basic.get", p1)
        get("basic.get-by-executor", p1, E["bk1"])
        get("basic.get-by-nonmember", p1, other_prv)
        get("basic.get-unknown", "0" * 64)
        A("basic.assign", E["bk1"], 5)
        get("basic.get-running", p1)
        r.call("basic.setoutput-by-other", {"msgtype": "setoutputmsg", "processid": p1, "out": [1]}, E["bk2"])
        r.call("basic.setoutput", {"msgtype": "setoutputmsg", "processid": p1, "out": [{"y": 1}, "partial"]}, E["bk1"])
        get("basic.get-output-set", p1)
        close("basic.close", p1, E["bk1"], [{"y": 1, "x": [2, {"b": 1, "a": 0}]}, 3, "s", None, True, 2.5])
        get("basic.get-closed", p1)
        close("basic.close-again", p1, E["bk1"], [])
        fail("basic.fail-after-success", p1, E["bk1"], ["late"])
        r.call("basic.cancel-successful", {"msgtype": "cancelprocessmsg", "processid": p1}, user_prv)
        r.call("basic.setoutput-after-close", {"msgtype": "setoutputmsg", "processid": p1, "out": [1]}, E["bk1"])
        r.call("basic.remove-running-or-done", {"msgtype": "removeprocessmsg", "processid": p1}, user_prv)
        get("basic.get-removed", p1)
        # submit refusals and variants
        r.submit("submit.by-colony-key", r.spec(), colony_prv)
        r.submit("submit.by-unknown", r.spec(), other_prv)
        r.submit("submit.by-pending-executor", r.spec(), E["bk3"])
        r.submit("submit.priority-range", r.spec(priority=50001))
        r.call("submit.nil-spec", {"msgtype": "submitfuncspecmsg"}, user_prv)
        r.submit("submit.colony-unknown", r.spec(conditions={"colonyname": "nope-" + colony}))
        r.submit("submit.cpu-bad", r.spec(conditions={"cpu": "xm"}))
        r.submit("submit.mem-bad", r.spec(conditions={"mem": "12Q"}))
        r.call("submit.args-not-list", {"msgtype": "submitfuncspecmsg", "spec": dict(r.spec(), args={"a": 1})}, user_prv)
        r.call("submit.msgtype-mismatch", {"msgtype": "x", "spec": r.spec()}, user_prv, payloadtype="submitfuncspecmsg")
        pe = r.submit("submit.by-executor", r.spec(etype="nobody", args=None, kwargs=None,
                                                   conditions={"executornames": [], "cpu": "250m", "mem": "3Gi",
                                                               "storage": "5G", "gpu": {"name": "g", "mem": "1Gi",
                                                                                        "count": 1, "nodecount": 3},
                                                               "dependencies": ["x"], "locationname": "loc"},
                                                   fs={"mount": "/m", "snapshots": [{"snapshotid": "s"}],
                                                       "dirs": [{"label": "l"}]}, channels=["c1"],
                                                   maxwaittime=0, maxexectime=0, nodename="nn"), E["bk1"])
        r.submit("submit.executornames-star", r.spec(etype="nobody", conditions={"executornames": ["*"]}))
        r.submit("submit.executornames-null", r.spec(etype="nobody", conditions={"executornames": None}))
        r.submit("submit.minimal", {"conditions": {"colonyname": colony}})
        r.call("submit.case-insensitive", {"msgtype": "submitfuncspecmsg", "Spec": {"FuncName": "f", "Conditions": {
            "ColonyName": colony, "ExecutorType": "nobody"}}}, user_prv)
        if pe:
            r.call("submit.cancel-waiting", {"msgtype": "cancelprocessmsg", "processid": pe}, user_prv)
            get("submit.get-cancelled-waiting", pe)

    # ---------------------------------------------------------------- fail paths
    if "fail" in phases:
        p2 = r.submit("fail.submit", r.spec(func="boom"))
        A("fail.assign", E["bk1"], 5)
        fail("fail.by-other", p2, E["bk2"], ["x"])
        close("fail.close-by-other", p2, E["bk2"], [])
        fail("fail.by-user", p2, user_prv, ["x"])
        fail("fail.fail", p2, E["bk1"], ["boom", "more <detail>"])
        get("fail.get", p2)
        fail("fail.fail-again", p2, E["bk1"], ["again"])
        close("fail.close-after-fail", p2, E["bk1"], ["overwrites out?"])
        get("fail.get-after-close-attempt", p2)
        p2b = r.submit("fail.submit-null-errors", r.spec(func="boom"))
        A("fail.assign-2", E["bk1"], 5)
        r.call("fail.fail-null-errors", {"msgtype": "closefailedmsg", "processid": p2b}, E["bk1"])
        get("fail.get-null-errors", p2b)
        for what, mt in (("close", "closesuccessfulmsg"), ("fail", "closefailedmsg"), ("cancel", "cancelprocessmsg"),
                         ("setoutput", "setoutputmsg"), ("remove", "removeprocessmsg")):
            r.call("unknown." + what, {"msgtype": mt, "processid": "f" * 64}, E["bk1"])
        r.call("unknown.close-empty-id", {"msgtype": "closesuccessfulmsg", "processid": ""}, E["bk1"])

    # ---------------------------------------------------------------- cancel
    if "cancel" in phases:
        p3 = r.submit("cancel.submit", r.spec())
        A("cancel.assign", E["bk1"], 5)
        r.call("cancel.by-nonmember", {"msgtype": "cancelprocessmsg", "processid": p3}, other_prv)
        r.call("cancel.cancel", {"msgtype": "cancelprocessmsg", "processid": p3}, user_prv)
        get("cancel.get", p3)
        close("cancel.close", p3, E["bk1"], ["x"])
        get("cancel.get-after-close", p3)
        fail("cancel.fail", p3, E["bk1"], ["x"])
        r.call("cancel.again", {"msgtype": "cancelprocessmsg", "processid": p3}, user_prv)
        r.call("cancel.setoutput", {"msgtype": "setoutputmsg", "processid": p3, "out": [1]}, E["bk1"])
        p4 = r.submit("cancel.submit-waiting", r.spec())
        r.call("cancel.cancel-waiting-by-executor", {"msgtype": "cancelprocessmsg", "processid": p4}, E["bk2"])
        close("cancel.close-waiting-cancelled", p4, E["bk1"], [])
        fail("cancel.fail-waiting-cancelled", p4, E["bk1"], [])
        A("cancel.assign-nothing-left", E["bk1"], -1)

    # ---------------------------------------------------------------- matching and order
    if "order" in phases:
        q1 = r.submit("order.q1", r.spec(func="a"))
        q2 = r.submit("order.q2-prio5", r.spec(func="b", priority=5))
        q3 = r.submit("order.q3-named-bk2", r.spec(func="c", conditions={"executornames": ["bk2"]}))
        q4 = r.submit("order.q4-star", r.spec(func="d", conditions={"executornames": ["*"]}))
        q5 = r.submit("order.q5-cpu500", r.spec(func="e", conditions={"cpu": "500m"}))
        q6 = r.submit("order.q6-nodes200", r.spec(func="f", conditions={"nodes": 200}))
        q7 = r.submit("order.q7-prio-neg", r.spec(func="g", priority=-3))
        q8 = r.submit("order.q8-location", r.spec(func="h", conditions={"locationname": "far"}))
        got = []
        for i in range(5):
            st, p = A("order.bk1-cpu100.%d" % i, E["bk1"], -1, availablecpu="100m")
            got.append(p["spec"]["funcname"] if st == 200 else st)
        r.rec("order.bk1-sequence", 200, json.dumps(got))
        got = []
        for i in range(3):
            st, p = A("order.bk2.%d" % i, E["bk2"], -1)
            got.append(p["spec"]["funcname"] if st == 200 else st)
        r.rec("order.bk2-sequence", 200, json.dumps(got))
        st, lst = r.call("order.list-waiting", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 10,
                                                "state": 0}, user_prv)
        st, lst = r.call("order.list-running", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 10,
                                                "state": 1}, user_prv)
        for i, (pid, who) in enumerate(((q1, "bk1"), (q2, "bk1"), (q4, "bk1"), (q7, "bk1"), (q3, "bk2"), (q5, "bk2"))):
            r.quiet({"msgtype": "closesuccessfulmsg", "processid": pid, "out": ["o%d" % i]}, E[who])
            time.sleep(0.01)
        r.call("order.list-successful", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 3, "state": 2},
               user_prv)
        r.call("order.list-exectype", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 2, "state": 2,
                                       "executortype": "bk"}, user_prv)
        r.call("order.list-label", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 10, "state": 2,
                                    "label": "nolabel"}, user_prv)
        r.call("order.list-initiator", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 1, "state": 2,
                                        "initiator": "alice"}, user_prv)
        r.call("order.list-initiator-unknown", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 1,
                                                "state": 2, "initiator": "mallory"}, user_prv)
        r.call("order.list-count-101", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 101, "state": 2},
               user_prv)
        r.call("order.list-count-neg", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": -1, "state": 2},
               user_prv)
        r.call("order.list-count-zero", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 0, "state": 2},
               user_prv)
        r.call("order.list-state-bad", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 1, "state": 9},
               user_prv)
        r.call("order.list-by-nonmember", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 1, "state": 2},
               other_prv)
        r.call("order.list-cancelled", {"msgtype": "getprocessesmsg", "colonyname": colony, "count": 1, "state": 4},
               user_prv)
        for pid in (q6, q8):
            r.quiet({"msgtype": "cancelprocessmsg", "processid": pid}, user_prv)
        r.call("order.remove-cancelled", {"msgtype": "removeprocessmsg", "processid": q6}, user_prv)

    # ---------------------------------------------------------------- long poll
    if "longpoll" in phases:
        res = {}

        def poll():
            t0 = time.monotonic()
            st, p, _ = r.c.call({"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": 10}, E["bk1"], 40)
            res["st"] = st
            res["t"] = time.monotonic()
            res["p"] = p
        t = threading.Thread(target=poll)
        t.start()
        time.sleep(1.0)
        t_sub = time.monotonic()
        pl = r.submit("longpoll.submit", r.spec(func="wake"))
        t.join(15)
        lat = res.get("t", 1e9) - t_sub
        r.rec("longpoll.woke-within-2s", res.get("st"), json.dumps({"got": bool(res.get("p") and res["p"]["processid"] == pl),
                                                                  "fast": lat < 2.0}), note="%.3f s" % lat)
        close("longpoll.close", pl, E["bk1"], [])

    # ---------------------------------------------------------------- HTTP details
    if "http" in phases:
        import socket
        from urllib.parse import urlparse
        u = urlparse(r.c.server)

        def raw_http(data, read_timeout=10, close_after=None, until_eof=False):
            sock = socket.create_connection((u.hostname, u.port), timeout=read_timeout)
            sock.sendall(data)
            if close_after is not None:
                time.sleep(close_after)
                sock.close()
                return None
            chunks = []
            try:
                while True:
                    b = sock.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
                    joined = b"".join(chunks)
                    if b"\r\n\r\n" in joined:
                        head, _, rest = joined.partition(b"\r\n\r\n")
                        m = re.search(rb"(?i)content-length: *(\d+)", head)
                        if m and len(rest) >= int(m.group(1)) and not until_eof:
                            break
                        if head.startswith(b"HTTP/1.1 100"):
                            chunks = [rest] if rest else []
            except socket.timeout:
                pass
            sock.close()
            return b"".join(chunks)

        def status_of(resp):
            return int(resp.split(b" ", 2)[1]) if resp else 0

        # a long poll whose client goes away takes nothing
        body = r.c.envelope({"msgtype": "assignprocessmsg", "colonyname": colony, "timeout": 10}, E["bk1"]).encode()
        req = b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        t = threading.Thread(target=raw_http, args=(req,), kwargs={"close_after": 1.0})
        t.start()
        t.join()
        time.sleep(0.3)
        pd = r.submit("http.submit-after-client-left", r.spec(func="orphan-poll"))
        time.sleep(1.0)
        st, p, _ = r.quiet({"msgtype": "getprocessmsg", "processid": pd}, user_prv)
        r.rec("http.abandoned-poll-took-nothing", st, json.dumps(p and p["state"]))
        A("http.assign-it", E["bk1"], 5)
        close("http.close-it", pd, E["bk1"], [])
        # Expect: 100-continue, chunked bodies, keep-alive
        body = r.c.envelope({"msgtype": "getprocessmsg", "processid": pd}, user_prv).encode()
        resp = raw_http(b"POST /api HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(body), body))
        r.rec("http.expect-100-continue", status_of(resp), None)
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        resp = raw_http(b"POST /api HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        r.rec("http.chunked-body", status_of(resp), None)
        two = b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        resp = raw_http(two + two + b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", read_timeout=5,
                        until_eof=True)
        r.rec("http.keepalive-pipelined", resp.count(b"HTTP/1.1 200"), None)
        # big and non-ASCII payloads
        big = r.submit("http.big-args", r.spec(func="big", etype="nobody", args=["x" * 300000, "\u00e9\u4e2d\U0001F600"],
                                                kwargs={"e": "\u00e9"}))
        get("http.get-big", big)
        r.quiet({"msgtype": "cancelprocessmsg", "processid": big}, user_prv)

    # ---------------------------------------------------------------- maxexectime, maxwaittime
    if "timeouts" in phases:
        m1 = r.submit("timeouts.submit-m1", r.spec(func="slow", maxexectime=2, maxretries=1))
        A("timeouts.assign-m1-bk1", E["bk1"], 5)
        p = r.wait_state(m1, (0,), 10)
        r.rec("timeouts.m1-back-to-waiting", 200 if p else 0, json.dumps(p and {k: p[k] for k in
              ("state", "retries", "isassigned", "assignedexecutorid", "errors")}))
        get("timeouts.m1-get-waiting", m1)
        close("timeouts.m1-close-by-old", m1, E["bk1"], [])
        A("timeouts.m1-assign-bk2", E["bk2"], 5)
        close("timeouts.m1-close-by-old-after-reassign", m1, E["bk1"], [])
        p = r.wait_state(m1, (3,), 10)
        r.rec("timeouts.m1-failed-after-retries", 200 if p else 0, json.dumps(p and {k: p[k] for k in
              ("state", "retries", "errors", "isassigned")}))
        get("timeouts.m1-get-failed", m1)
        close("timeouts.m1-close-by-bk2", m1, E["bk2"], [])
        m2 = r.submit("timeouts.submit-m2-zero", r.spec(func="zero", maxexectime=0, maxretries=0))
        A("timeouts.assign-m2", E["bk1"], 5)
        p = r.wait_state(m2, (3,), 6)
        r.rec("timeouts.m2-zero-trap-failed", 200 if p else 0, json.dumps(p and {k: p[k] for k in ("state", "errors")}))
        w1 = r.submit("timeouts.submit-w1", r.spec(func="w", etype="nobody", maxwaittime=1))
        p = r.wait_state(w1, (3,), 6)
        r.rec("timeouts.w1-maxwait-failed", 200 if p else 0, json.dumps(p and {k: p[k] for k in ("state", "errors")}))
        get("timeouts.w1-get", w1)

    # ---------------------------------------------------------------- functions
    if "functions" in phases:
        r.call("functions.add", {"msgtype": "addfunctionmsg", "fun": {"executorname": "bk1", "colonyname": colony,
                                                                      "funcname": "fn1"}}, E["bk1"])
        r.call("functions.add-for-other", {"msgtype": "addfunctionmsg", "fun": {"executorname": "bk2", "colonyname": colony,
                                                                                "funcname": "fn1"}}, E["bk1"])
        r.call("functions.add-unknown-executor", {"msgtype": "addfunctionmsg", "fun": {"executorname": "zz",
                                                                                       "colonyname": colony,
                                                                                       "funcname": "fn1"}}, E["bk1"])
        pf = r.submit("functions.submit", r.spec(func="fn1"))
        A("functions.assign", E["bk1"], 5)
        close("functions.close", pf, E["bk1"], [])
        r.call("functions.get", {"msgtype": "getfunctionsmsg", "colonyname": colony, "executorname": "bk1"}, user_prv)

    # ---------------------------------------------------------------- the envelope
    if "envelope" in phases:
        pid = "e" * 64
        good = c.envelope({"msgtype": "getprocessmsg", "processid": pid}, user_prv)
        env = json.loads(good)
        r.raw("env.not-json", "hello")
        r.raw("env.empty-body", "")
        r.raw("env.array", "[1]")
        r.raw("env.null", "null")
        r.raw("env.trailing", good + " x")
        r.raw("env.bad-string-escape", '{"payloadtype": "a\\qb"}')
        r.raw("env.truncated", good[:-5])
        r.raw("env.payloadtype-number", json.dumps(dict(env, payloadtype=5)))
        r.raw("env.signature-empty", json.dumps(dict(env, signature="")))
        r.raw("env.signature-missing", json.dumps({"payloadtype": env["payloadtype"], "payload": env["payload"]}))
        r.raw("env.signature-short", json.dumps(dict(env, signature=env["signature"][:128])))
        r.raw("env.signature-nonhex", json.dumps(dict(env, signature="zz" + env["signature"][2:])))
        r.raw("env.signature-nonhex-late", json.dumps(dict(env, signature=env["signature"][:100] + "g0" + env["signature"][102:])))
        r.raw("env.signature-odd", json.dumps(dict(env, signature=env["signature"][:-1])))
        r.raw("env.signature-upper", json.dumps(dict(env, signature=env["signature"].upper())))
        r.raw("env.signature-v-32", json.dumps(dict(env, signature=env["signature"][:128] + "20")))
        sig = bytes.fromhex(env["signature"])
        s = int.from_bytes(sig[32:64], "big")
        hs = (pycrypto.N - s).to_bytes(32, "big")
        r.raw("env.signature-high-s", json.dumps(dict(env, signature=(sig[:32] + hs + bytes([sig[64] ^ 1])).hex())))
        r.raw("env.signature-r-zero", json.dumps(dict(env, signature=("00" * 32) + env["signature"][64:])))
        r.raw("env.signature-s-order", json.dumps(dict(env, signature=env["signature"][:64] + ("ff" * 32) + "00")))
        alt = base64.b64encode(json.dumps({"msgtype": "getprocessmsg", "processid": pid}, indent=1).encode()).decode()
        r.raw("env.payload-altered", json.dumps(dict(env, payload=alt)))
        r.raw("env.payloadtype-unknown", c.envelope({"msgtype": "nosuchmsg"}, user_prv))
        r.raw("env.payloadtype-empty", c.envelope({"msgtype": ""}, user_prv))
        r.raw("env.payloadtype-empty-nosig", c.envelope({"msgtype": ""}, None, signature=""))
        r.raw("env.payload-not-base64", c.envelope({}, user_prv, payloadtype="getprocessmsg", payload="!!!notbase64"))
        r.raw("env.payload-base64-not-json", c.envelope({}, user_prv, payloadtype="getprocessmsg",
                                                        payload=base64.b64encode(b"hello").decode()))
        r.raw("env.payload-null", c.envelope({}, user_prv, payloadtype="getprocessmsg",
                                             payload=base64.b64encode(b"null").decode()))
        r.raw("env.payload-array", c.envelope({}, user_prv, payloadtype="getprocessmsg",
                                              payload=base64.b64encode(b"[]").decode()))
        r.raw("env.payload-unpadded", c.envelope({}, user_prv, payloadtype="getprocessmsg",
                                                 payload=base64.b64encode(json.dumps(
                                                     {"msgtype": "getprocessmsg", "processid": pid}).encode()).decode().rstrip("=") or "x"))
        r.raw("env.extra-fields", json.dumps(dict(env, extra=1, PayloadType=env["payloadtype"])))
        r.raw("env.serverinfo", c.envelope({"msgtype": "getserverinfomsg"}, None, signature=""))
        r.raw("env.version-bad-payload", json.dumps({"payloadtype": "versionmsg", "payload": "bad!"}))
        r.raw("env.version-mismatch", c.envelope({"msgtype": "other"}, None, payloadtype="versionmsg", signature=""))
        st, ctype, data = c.post_raw(good)
        r.rec("env.content-type", st, json.dumps(ctype))
        r.rec("env.get-404-path", 0, json.dumps(_http_get(r.c.server + "/nosuch")))
        r.rec("env.get-api", 0, json.dumps(_http_get(r.c.server + "/api")))

    # ---------------------------------------------------------------- re-registration (servers
    # started with COLONIES_ALLOW_EXECUTOR_REREGISTER=true / --allow-executor-reregister)
    if "reregister" in phases:
        p5, i5 = new_key()
        p5b, i5b = new_key()
        r.label(i5, "<BK5>")
        r.label(i5b, "<BK5B>")
        r.call("rereg.add", {"msgtype": "addexecutormsg", "executor": {
            "executorid": i5, "executortype": "bk", "executorname": "bk5", "colonyname": colony}}, colony_prv)
        r.call("rereg.approve", {"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": "bk5"}, colony_prv)
        pr = r.submit("rereg.submit", r.spec(func="rereg"))
        A("rereg.assign-old", p5, 5)
        r.call("rereg.readd-new-key", {"msgtype": "addexecutormsg", "executor": {
            "executorid": i5b, "executortype": "bk", "executorname": "bk5", "colonyname": colony}}, colony_prv)
        get("rereg.get-process", pr)
        A("rereg.assign-old-key", p5, -1)
        A("rereg.assign-new-key-pending", p5b, -1)
        close("rereg.close-old-key", pr, p5, [])
        r.call("rereg.approve-again", {"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": "bk5"}, colony_prv)
        A("rereg.assign-new-key", p5b, 5)
        close("rereg.close-new-key", pr, p5b, [])
        r.call("rereg.executor-get", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk5"}, user_prv)

    # ---------------------------------------------------------------- stale executor cleanup
    if "stale" in phases and not skip_stale:
        ps = r.submit("stale.submit", r.spec(func="orphan"))
        A("stale.assign-bk4", E["bk4"], 5)
        p = r.wait_state(ps, (0,), r.stale + 8)
        r.rec("stale.back-to-waiting", 200 if p else 0, json.dumps(p and {k: p[k] for k in
              ("state", "retries", "isassigned", "assignedexecutorid", "starttime", "endtime")}))
        get("stale.get", ps)
        A("stale.assign-after-removal", E["bk4"], -1)
        close("stale.close-after-removal", ps, E["bk4"], [])
        r.call("stale.executor-get", {"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk4"}, user_prv)
        r.call("stale.readd", {"msgtype": "addexecutormsg", "executor": {
            "executorid": e["bk4"][1], "executortype": "bk", "executorname": "bk4", "colonyname": colony}}, colony_prv)
        A("stale.bk1-takes-it", E["bk1"], 5)
        close("stale.close-by-bk1", ps, E["bk1"], [])
        st, ex, _ = r.quiet({"msgtype": "getexecutormsg", "colonyname": colony, "executorname": "bk3"}, user_prv)
        r.rec("stale.never-heard-pending-spared", st, json.dumps(ex and ex["state"]))

    r.stop_keepalive.set()
    ka.join(5)


def _sort_executors(payload):
    """getexecutorsmsg lists executors in PostgreSQL's heap order (unspecified; an updated row
    moves): compare them sorted by name."""
    if not payload.startswith('[{"executorid"'):
        return payload
    from colonies_standin import go_json
    return go_json(sorted(json.loads(payload), key=lambda e: e["executorname"]))


def _sort_attributes(payload):
    """The server stores a process's env as attributes in Go map order (random): sort them by key
    (re-encoding the payload as Go would) so that two servers' answers can be compared."""
    if '"attributes": [' not in payload:
        return payload
    obj = json.loads(payload)
    procs = obj if isinstance(obj, list) else [obj]
    touched = False
    for p in procs:
        if isinstance(p, dict) and isinstance(p.get("attributes"), list) and len(p["attributes"]) > 1:
            p["attributes"].sort(key=lambda a: a.get("key", ""))
            touched = True
    if not touched:
        return payload
    from colonies_standin import go_json
    return go_json(obj, indent=True)


def _http_get(url):
    import urllib.request
    import urllib.error
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return [resp.status, resp.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, e.read().decode()]


PHASES = ["assign", "basic", "fail", "cancel", "order", "longpoll", "http", "timeouts", "functions", "envelope", "stale",
          "reregister"]  # reregister only with --only (both servers must allow re-registration)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", required=True, help="first server URL (e.g. the real one)")
    ap.add_argument("--a-prvkey", required=True)
    ap.add_argument("--b", required=True, help="second server URL (e.g. the stand-in)")
    ap.add_argument("--b-prvkey", required=True)
    ap.add_argument("--stale", type=float, default=3.0)
    ap.add_argument("--skip-stale", action="store_true")
    ap.add_argument("--only", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args(argv)
    phases = set(args.only.split(",")) if args.only else set(PHASES) - {"reregister"}
    runs = [Run("a", args.a, args.a_prvkey, args.stale), Run("b", args.b, args.b_prvkey, args.stale)]
    errors = {}

    def go(r):
        try:
            scenario(r, phases, args.skip_stale)
        except Exception:
            import traceback
            errors[r.name] = traceback.format_exc()
            r.stop_keepalive.set()

    threads = [threading.Thread(target=go, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    a, b = runs
    same = diff = 0
    report = []
    for i in range(max(len(a.records), len(b.records))):
        ra = a.records[i] if i < len(a.records) else None
        rb = b.records[i] if i < len(b.records) else None
        ok = ra is not None and rb is not None and ra["step"] == rb["step"] and ra["status"] == rb["status"] \
            and ra["text"] == rb["text"]
        report.append({"a": ra, "b": rb, "match": ok})
        step = (ra or rb)["step"]
        if ok:
            same += 1
            if args.verbose:
                print("MATCH %-45s %s %s" % (step, ra["status"], (ra["text"] or "")[:150].replace("\n", " ")))
        else:
            diff += 1
            print("DIFF  %s" % step)
            for tag, rr in (("a", ra), ("b", rb)):
                if rr is None:
                    print("   %s: <missing>" % tag)
                else:
                    print("   %s: %s %s%s" % (tag, rr["status"], rr["text"], "  (%s)" % rr["note"] if rr["note"] else ""))
    for name, tb in errors.items():
        print("run %s raised:\n%s" % (name, tb))
    print("%d steps matched, %d differed" % (same, diff))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0 if diff == 0 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
