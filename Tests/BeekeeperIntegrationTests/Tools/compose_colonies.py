#!/usr/bin/env python3
"""Checks that deploy/compose runs Beekeeper as the ColonyOS executor of a real Colonies server.

Usage: compose_colonies.py DEPLOY_COMPOSE_DIR
Prints JSON {"problems": [...], "facts": {...}}: the Colonies server service has the environment
COLONYOS.md section 1 asks for (after env_file), its database is the stack's PostgreSQL, the demo
identities are key pairs (ids derived from the private keys, secp256k1 + SHA3-256 as the server
does), the setup service registers the executor Beekeeper's config names, Beekeeper reads the key
the setup writes, and the services start in that order.
"""
import hashlib
import json
import os
import re
import sys

import yaml

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def point_add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P == 0:
        return None
    if p == q:
        slope = 3 * p[0] * p[0] * pow(2 * p[1], -1, P) % P
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, P) % P
    x = (slope * slope - p[0] - q[0]) % P
    return (x, (slope * (p[0] - x) - p[1]) % P)


def colonies_id(prvkey):
    """The ColonyOS id of a private key: SHA3-256 of the uncompressed public key's lowercase hex text."""
    d = int(prvkey, 16)
    if not 1 <= d < N:
        raise ValueError("not a secp256k1 private key")
    point, base = None, G
    while d:
        if d & 1:
            point = point_add(point, base)
        base, d = point_add(base, base), d >> 1
    return hashlib.sha3_256(("04%064x%064x" % point).encode()).hexdigest()


def read_env_file(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def environment(base, service):
    """A service's environment as compose resolves it: env_file entries, then `environment` over them."""
    env = {}
    for name in service.get("env_file", []):
        env.update(read_env_file(os.path.join(base, name)))
    declared = service.get("environment", {})
    if isinstance(declared, list):
        declared = dict(item.partition("=")[::2] for item in declared)
    env.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in declared.items()})
    return env


def depends(service, name, condition):
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return False
    return (value.get(name) or {}).get("condition") == condition


def main():
    base = sys.argv[1]
    stack = yaml.safe_load(open(os.path.join(base, "compose.yaml")))
    services = stack["services"]
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    colonies = [n for n, s in services.items() if s.get("image", "").startswith("colonyos/colonies:")]
    servers = [n for n in colonies if "server start" in " ".join(services[n].get("command") or [])]
    setups = [n for n in colonies if n not in servers]
    if len(servers) != 1 or len(setups) != 1:
        print(json.dumps({"problems": [f"want one Colonies server and one setup service, found {colonies}"], "facts": {}}))
        return
    server_name, setup_name = servers[0], setups[0]
    server, setup, beekeeper = services[server_name], services[setup_name], services["beekeeper"]
    check(server["image"] == "colonyos/colonies:v1.9.12", f"{server_name}: image {server['image']}")
    env = environment(base, server)

    # COLONYOS.md section 1.
    check(env.get("TZ") == "UTC", f"{server_name}: TZ is {env.get('TZ')!r}, want UTC (without TZ the server refuses its database)")
    databases = [n for n, s in services.items() if s.get("image", "").startswith("postgres:")]
    check(env.get("COLONIES_DB_HOST") in databases, f"{server_name}: COLONIES_DB_HOST {env.get('COLONIES_DB_HOST')!r} is not a PostgreSQL service of the stack")
    check(env.get("COLONIES_DB_PORT") == "5432", f"{server_name}: COLONIES_DB_PORT {env.get('COLONIES_DB_PORT')!r}")
    db_env = environment(base, services.get(env.get("COLONIES_DB_HOST"), {}))
    check(env.get("COLONIES_DB_USER") == db_env.get("POSTGRES_USER", "postgres"), f"{server_name}: COLONIES_DB_USER is not the database's POSTGRES_USER")
    check(bool(env.get("COLONIES_DB_PASSWORD")) and env.get("COLONIES_DB_PASSWORD") == db_env.get("POSTGRES_PASSWORD"),
          f"{server_name}: COLONIES_DB_PASSWORD is not the database's POSTGRES_PASSWORD")
    check(env.get("COLONIES_DB_TIMESCALEDB", "false") == "false", f"{server_name}: COLONIES_DB_TIMESCALEDB should be false (plain PostgreSQL)")
    check(env.get("COLONIES_INITDB") == "true", f"{server_name}: COLONIES_INITDB should be true")
    check(env.get("COLONIES_TLS") == "false", f"{server_name}: COLONIES_TLS should be false (the server wants certificates otherwise)")
    port = env.get("COLONIES_SERVER_HTTP_PORT") or env.get("COLONIES_SERVER_PORT")
    check(bool(port and port.isdigit()), f"{server_name}: no COLONIES_SERVER_HTTP_PORT")
    for key in ("COLONIES_SERVER_ID", "COLONIES_SERVER_PRVKEY"):
        check(re.fullmatch(r"[0-9a-f]{64}", env.get(key, "")) is not None, f"{server_name}: {key} is not 64 hex")
    command = server.get("command") or []
    for flag in ("--etcdhost", "--etcdclientport", "--etcdpeerport", "--relayport", "--etcddatadir"):
        check(flag in command, f"{server_name}: command lacks {flag}")
    if "--etcddatadir" in command:
        datadir = command[command.index("--etcddatadir") + 1]
        check(any(v.split(":")[1] == datadir and v.split(":")[0] in (stack.get("volumes") or {}) for v in server.get("volumes", [])),
              f"{server_name}: etcd data dir {datadir} is not on a named volume")
    health = " ".join(server.get("healthcheck", {}).get("test", []))
    check(f":{port}/health" in health, f"{server_name}: healthcheck does not ask /health on port {port}")
    check(depends(server, env.get("COLONIES_DB_HOST"), "service_healthy"), f"{server_name}: does not wait for its database")

    # The demo identities are key pairs.
    setup_env = environment(base, setup)
    pairs = [("COLONIES_SERVER_ID", "COLONIES_SERVER_PRVKEY"), ("COLONIES_COLONY_ID", "COLONIES_COLONY_PRVKEY"),
             ("COLONIES_USER_ID", "COLONIES_PRVKEY")]
    for id_key, prv_key in pairs:
        try:
            check(colonies_id(setup_env.get(prv_key, "")) == setup_env.get(id_key), f"{setup_name}: {id_key} is not the id of {prv_key}")
        except ValueError as error:
            problems.append(f"{setup_name}: {prv_key}: {error}")
    check(setup_env.get("COLONIES_SERVER_ID") == env.get("COLONIES_SERVER_ID"), "setup and server disagree on the server id")
    check(setup_env.get("COLONIES_SERVER_HOST") == server_name, f"{setup_name}: COLONIES_SERVER_HOST is not {server_name}")
    check((setup_env.get("COLONIES_SERVER_HTTP_PORT") or setup_env.get("COLONIES_SERVER_PORT")) == port, f"{setup_name}: wrong server port")
    check(setup_env.get("COLONIES_TLS") == "false", f"{setup_name}: COLONIES_TLS should be false")
    check(depends(setup, server_name, "service_healthy"), f"{setup_name}: does not wait for the server")
    check(setup.get("restart", "no") == "no", f"{setup_name}: a one-shot must not restart")
    script = None
    for volume in setup.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith(".") and target in " ".join(setup.get("entrypoint") or []):
            script = os.path.normpath(os.path.join(base, source))
    check(script is not None and os.path.exists(script), f"{setup_name}: its entrypoint script is not mounted from the repository")

    # Beekeeper: the executor the setup registers, with the key the setup writes.
    config_path = None
    for volume in beekeeper.get("volumes", []):
        source, target = volume.split(":")[:2]
        if target == environment(base, beekeeper).get("BEEKEEPER_CONFIG"):
            config_path = os.path.join(base, source)
    config = yaml.safe_load(open(config_path)) if config_path else {}
    section = config.get("colonies") or {}
    check(bool(section), "beekeeper.yaml has no colonies section")
    check(section.get("server") == f"http://{server_name}:{port}", f"colonies.server {section.get('server')!r} is not http://{server_name}:{port}")
    check(section.get("colony") == setup_env.get("COLONIES_COLONY_NAME"), "colonies.colony is not the colony the setup creates")
    check(section.get("executor_name") == setup_env.get("EXECUTOR_NAME"), "colonies.executor_name is not the executor the setup registers")
    check(section.get("executor_type") == setup_env.get("EXECUTOR_TYPE"), "colonies.executor_type is not the type the setup registers")
    key_file = section.get("executor_key_file", "")
    key_dir, key_name = os.path.split(key_file)
    setup_mounts = {v.split(":")[0]: v.split(":")[1] for v in setup.get("volumes", [])}
    beekeeper_mounts = {v.split(":")[0]: v.split(":")[1:] for v in beekeeper.get("volumes", [])}
    shared = [name for name, target in setup_mounts.items() if target == setup_env.get("KEY_DIR") and name in beekeeper_mounts]
    check(len(shared) == 1 and beekeeper_mounts[shared[0]][0] == key_dir, f"Beekeeper does not mount the setup's key volume at {key_dir}")
    check(bool(shared) and "ro" in beekeeper_mounts.get(shared[0], [])[1:], "Beekeeper should mount the key volume read-only")
    check(key_name == "executor.key", f"executor_key_file {key_file}: the setup writes executor.key")
    check(depends(beekeeper, setup_name, "service_completed_successfully"), f"beekeeper does not wait for {setup_name} to finish")
    check(depends(beekeeper, server_name, "service_healthy"), f"beekeeper does not wait for {server_name}")
    # Beekeeper backs up the Colonies server's database (the server's database name is fixed: postgres).
    urls = [d.get("url", "") for d in (config.get("backup") or {}).get("databases", [])]
    wanted = f"@{env.get('COLONIES_DB_HOST')}:5432/postgres"
    check(any(url.endswith(wanted) for url in urls), f"no backup of the Colonies database ({wanted}): {urls}")

    print(json.dumps({"problems": problems, "facts": {
        "server": server_name, "setup": setup_name, "script": script, "port": port,
        "executor_name": section.get("executor_name"), "executor_type": section.get("executor_type")}}))


if __name__ == "__main__":
    main()
