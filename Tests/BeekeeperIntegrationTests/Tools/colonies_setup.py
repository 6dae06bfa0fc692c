#!/usr/bin/env python3
"""Sets up a colony for a Beekeeper test, on the stand-in or a real Colonies server alike.

    colonies_setup.py --server http://127.0.0.1:PORT --server-prvkey K --colony NAME
                      --executor-name N --executor-type T [--user-name alice]
                      [--out setup.json] [--executor-key-file PATH] [--no-register]

With pycolonies (its Crypto for the keys, its client for the calls): adds the colony (signed by
the server owner), a user (signed by the colony owner), and registers and approves the executor
(signed by the colony owner) unless --no-register. Writes (to --out, else stdout) a JSON object:

    {"server", "colonyname", "colonyid", "colonyprvkey", "username", "userid", "userprvkey",
     "executorname", "executortype", "executorid", "executorprvkey", "registered"}

and, with --executor-key-file, the executor's private key as 64 hex characters and a newline,
mode 0600. Exit 0 on success; on a refused call, the server's message on stderr and exit 1.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the test folder clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from colonies_rpc import Client, RPCError, new_key, key_id, host_port  # noqa: E402


def _pycolonies_client(server):
    try:
        from pycolonies import Colonies
    except Exception:
        return None
    host, port, tls = host_port(server)
    return Colonies(host, port, tls)


def setup(server, server_prv, colony, executor_name, executor_type, user_name="alice", register=True,
          use_pycolonies=True):
    colony_prv, colony_id = new_key()
    user_prv, user_id = new_key()
    exec_prv, exec_id = new_key()
    pc = _pycolonies_client(server) if use_pycolonies else None
    raw = Client(server)
    colony_obj = {"colonyid": colony_id, "name": colony}
    user_obj = {"colonyname": colony, "userid": user_id, "name": user_name, "email": user_name + "@example.com",
                "phone": "0"}
    exec_obj = {"executorid": exec_id, "executortype": executor_type, "executorname": executor_name,
                "colonyname": colony}
    if pc is not None:
        pc.add_colony(colony_obj, server_prv)
        pc.add_user(user_obj, colony_prv)
        if register:
            pc.add_executor(exec_obj, colony_prv)
            pc.approve_executor(colony, executor_name, colony_prv)
    else:
        raw.must({"msgtype": "addcolonymsg", "colony": colony_obj}, server_prv)
        raw.must({"msgtype": "addusermsg", "user": user_obj}, colony_prv)
        if register:
            raw.must({"msgtype": "addexecutormsg", "executor": exec_obj}, colony_prv)
            raw.must({"msgtype": "approveexecutormsg", "colonyname": colony, "executorname": executor_name},
                     colony_prv)
    return {
        "server": server, "colonyname": colony, "colonyid": colony_id, "colonyprvkey": colony_prv,
        "username": user_name, "userid": user_id, "userprvkey": user_prv,
        "executorname": executor_name, "executortype": executor_type, "executorid": exec_id,
        "executorprvkey": exec_prv, "registered": bool(register),
    }


def write_key_file(path, prv):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(prv + "\n")
    os.chmod(path, 0o600)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--server-prvkey", required=True, help="the server owner's private key (64 hex)")
    ap.add_argument("--colony", required=True)
    ap.add_argument("--executor-name", required=True)
    ap.add_argument("--executor-type", required=True)
    ap.add_argument("--user-name", default="alice")
    ap.add_argument("--out", default=None, help="write the setup JSON here (default: stdout)")
    ap.add_argument("--executor-key-file", default=None, help="write the executor key here (0600)")
    ap.add_argument("--no-register", action="store_true", help="do not add/approve the executor")
    ap.add_argument("--raw", action="store_true", help="raw RPC instead of pycolonies' client")
    args = ap.parse_args(argv)
    try:
        res = setup(args.server, args.server_prvkey, args.colony, args.executor_name, args.executor_type,
                    args.user_name, not args.no_register, not args.raw)
    except RPCError as e:
        print("colonies_setup: %s" % e, file=sys.stderr)
        return 1
    except Exception as e:  # pycolonies raises its own errors with the server's message
        print("colonies_setup: %s" % e, file=sys.stderr)
        return 1
    text = json.dumps(res, indent=2) + "\n"
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.out)
    else:
        sys.stdout.write(text)
    if args.executor_key_file:
        write_key_file(args.executor_key_file, res["executorprvkey"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
