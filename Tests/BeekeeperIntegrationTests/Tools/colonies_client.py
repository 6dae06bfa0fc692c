#!/usr/bin/env python3
"""A small ColonyOS client for Beekeeper's tests; keys and server from colonies_setup.py's JSON.

    colonies_client.py --setup setup.json [--server URL] [--as user|executor|colony] COMMAND ...

    submit --func F [--args JSON] [--kwargs JSON] [--maxexectime N] [--maxretries N]
           [--maxwaittime N] [--priority P] [--executortype T] [--executorname N]
        pycolonies func_spec() + submit_func_spec() (args: strings/ints, kwargs values: strings
        or lists of strings, as pycolonies allows); prints {"processid": ID}
    submit-raw --spec JSON|@FILE
        a raw submitfuncspecmsg carrying exactly that spec; prints the process JSON the server
        returned
    get ID                 raw getprocessmsg; prints the whole process JSON
    wait ID --timeout S    polls (every 0.1 s) until state is 2, 3 or 4; prints the process;
                           exit 3 if it did not end in time
    cancel ID              cancelprocessmsg (a user's cancel); prints {}
    list --state N [--count C] [--executortype T] [--label L] [--initiator NAME]
                           getprocessesmsg; prints a JSON array ([] when the server says null)
    executor [NAME]        getexecutormsg (default: the setup's executor); prints the executor
    assign [--timeout S] [--availablecpu C]      (signed as the executor unless --as says else)
    close ID [--out JSON]  closesuccessfulmsg (as the executor unless --as says else)
    fail ID [--errors JSON]                      closefailedmsg (likewise)

Output: the result as JSON on stdout, exit 0. A refused call prints {"status": N, "message": M}
on stdout and exits 1 (2 for usage errors).
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the test folder clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colonies_rpc import Client, host_port  # noqa: E402

EXECUTOR_COMMANDS = ("assign", "close", "fail")


def _json_arg(text):
    if text is None:
        return None
    if text.startswith("@"):
        with open(text[1:]) as f:
            return json.load(f)
    return json.loads(text)


def _print(obj):
    sys.stdout.write(json.dumps(obj, indent=2) + "\n")


def _result(status, result, message):
    if status != 200:
        _print({"status": status, "message": message})
        return 1
    _print(result)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="ColonyOS test client (see the module docstring)")
    ap.add_argument("--setup", required=True, help="setup JSON written by colonies_setup.py")
    ap.add_argument("--server", default=None, help="override the setup's server URL")
    ap.add_argument("--as", dest="signer", choices=("user", "executor", "colony"), default=None)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("submit")
    s.add_argument("--func", required=True)
    s.add_argument("--args", default="[]")
    s.add_argument("--kwargs", default="{}")
    s.add_argument("--maxexectime", type=int, default=-1)
    s.add_argument("--maxretries", type=int, default=-1)
    s.add_argument("--maxwaittime", type=int, default=-1)
    s.add_argument("--priority", type=int, default=0)
    s.add_argument("--executortype", default=None)
    s.add_argument("--executorname", default=None)
    s = sub.add_parser("submit-raw")
    s.add_argument("--spec", required=True)
    s = sub.add_parser("get")
    s.add_argument("id")
    s = sub.add_parser("wait")
    s.add_argument("id")
    s.add_argument("--timeout", type=float, default=30)
    s = sub.add_parser("cancel")
    s.add_argument("id")
    s = sub.add_parser("list")
    s.add_argument("--state", type=int, required=True)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--executortype", default="")
    s.add_argument("--label", default="")
    s.add_argument("--initiator", default="")
    s = sub.add_parser("executor")
    s.add_argument("name", nargs="?")
    s = sub.add_parser("assign")
    s.add_argument("--timeout", type=int, default=10)
    s.add_argument("--availablecpu", default=None)
    s = sub.add_parser("close")
    s.add_argument("id")
    s.add_argument("--out", default="[]")
    s = sub.add_parser("fail")
    s.add_argument("id")
    s.add_argument("--errors", default="[]")
    args = ap.parse_args(argv)

    with open(args.setup) as f:
        setup = json.load(f)
    server = args.server or setup["server"]
    colony = setup["colonyname"]
    signer = args.signer or ("executor" if args.cmd in EXECUTOR_COMMANDS else "user")
    prv = {"user": setup["userprvkey"], "executor": setup["executorprvkey"], "colony": setup["colonyprvkey"]}[signer]
    c = Client(server)

    if args.cmd == "submit":
        from pycolonies import Colonies, func_spec
        host, port, tls = host_port(server)
        pc = Colonies(host, port, tls)
        spec = func_spec(func=args.func, args=json.loads(args.args), kwargs=json.loads(args.kwargs),
                         colonyname=colony, executortype=args.executortype or setup["executortype"],
                         executorname=args.executorname, priority=args.priority,
                         maxexectime=args.maxexectime, maxretries=args.maxretries, maxwaittime=args.maxwaittime)
        try:
            proc = pc.submit_func_spec(spec, prv)
        except Exception as e:
            _print({"status": None, "message": str(e)})
            return 1
        _print({"processid": proc.processid})
        return 0
    if args.cmd == "submit-raw":
        return _result(*c.submit_spec(_json_arg(args.spec), prv))
    if args.cmd == "get":
        return _result(*c.get_process(args.id, prv))
    if args.cmd == "wait":
        deadline = time.monotonic() + args.timeout
        while True:
            status, proc, message = c.get_process(args.id, prv)
            if status != 200:
                return _result(status, proc, message)
            if proc["state"] in (2, 3, 4):
                _print(proc)
                return 0
            if time.monotonic() >= deadline:
                _print(proc)
                return 3
            time.sleep(0.1)
    if args.cmd == "cancel":
        return _result(*c.cancel(args.id, prv))
    if args.cmd == "list":
        status, res, message = c.list_processes(colony, args.state, prv, args.count, args.executortype,
                                                args.label, args.initiator)
        return _result(status, res if res is not None else [], message)
    if args.cmd == "executor":
        return _result(*c.get_executor(colony, args.name or setup["executorname"], prv))
    if args.cmd == "assign":
        return _result(*c.assign(colony, args.timeout, prv, availablecpu=args.availablecpu))
    if args.cmd == "close":
        return _result(*c.close(args.id, _json_arg(args.out), prv))
    if args.cmd == "fail":
        return _result(*c.fail(args.id, _json_arg(args.errors), prv))
    return 2


if __name__ == "__main__":
    sys.exit(main())
