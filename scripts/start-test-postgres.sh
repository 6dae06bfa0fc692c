#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the test suites and prints its URL on stdout, as
#   export BEEKEEPER_TEST_PG_URL='postgresql://postgres@127.0.0.1:55432/postgres'
# (so `eval "$(scripts/start-test-postgres.sh)"` sets it), or bare with --url.
# Idempotent: if a server already answers on the port, it only prints the URL.
#   PGTEST_PORT  (default 55432)           PGTEST_DATA (default /tmp/beekeeper-pgtest)
#   PG_BIN       (default: newest /usr/lib/postgresql/*/bin)
# Stop:  pg_ctl -D "$PGTEST_DATA" stop   (as the postgres user when run as root)
set -euo pipefail

port="${PGTEST_PORT:-55432}"
data="${PGTEST_DATA:-/tmp/beekeeper-pgtest}"
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
url="postgresql://postgres@127.0.0.1:${port}/postgres"

print_url() {
    if [[ "${1:-}" == "--url" ]]; then
        echo "$url"
    else
        echo "export BEEKEEPER_TEST_PG_URL='$url'"
    fi
}

if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
    echo "start-test-postgres: no PostgreSQL server binaries found (set PG_BIN)" >&2
    exit 1
fi

# initdb and postgres refuse to run as root: run them as the postgres OS user then.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    print_url "$@"
    exit 0
fi

if [[ ! -f "$data/PG_VERSION" ]]; then
    mkdir -p "$data"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$data"
    chmod 700 "$data"
    # The superuser "postgres" connects without a password over TCP (what the tests' URL uses);
    # every other role needs a SCRAM password, so wrong-password tests see a real refusal.
    as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$data.initdb.log"
    {
        echo "host all postgres 127.0.0.1/32 trust"
        cat "$data/pg_hba.conf"
    } >"$data/pg_hba.conf.new"
    mv "$data/pg_hba.conf.new" "$data/pg_hba.conf"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$data/pg_hba.conf"
fi

as_owner "$bin/pg_ctl" -D "$data" -l "$data.log" -w -t 60 \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >&2
print_url "$@"
