#!/bin/sh
# One-shot setup of the compose stack's colony, run by the colonies-setup service in the
# colonyos/colonies image (busybox sh) once the server answers /health:
#   1. the colony                                   signed by the server owner (COLONIES_SERVER_PRVKEY)
#   2. the user `demo`, who submits processes       signed by the colony owner (COLONIES_COLONY_PRVKEY)
#   3. Beekeeper's executor: a new key, registered and approved (colony owner), written to
#      $KEY_DIR/executor.key, mode 0600, owned by Beekeeper's uid. Beekeeper reads it from there
#      and holds no colony key.
# A finished setup is recognised by the key file, so `docker compose up` runs it again harmlessly;
# a run cut short is finished by the next one. `docker compose down -v` starts the colony over.
set -eu

: "${KEY_DIR:=/keys}"
: "${EXECUTOR_NAME:=beekeeper-1}"
: "${EXECUTOR_TYPE:=beekeeper}"
: "${BEEKEEPER_UID:=10001}"
key="$KEY_DIR/executor.key"

if [ -s "$key" ]; then
    echo "colonies-setup: $key exists: colony $COLONIES_COLONY_NAME and executor $EXECUTOR_NAME are set up"
    exit 0
fi

# A step an interrupted earlier run may have done: "already exists" counts as done.
once() {
    if output=$("$@" 2>&1); then
        printf '%s\n' "$output"
        return 0
    else
        status=$?
    fi
    printf '%s\n' "$output"
    case $output in
        *"already exists"*) return 0 ;;
        *) return "$status" ;;
    esac
}

once colonies colony add --name "$COLONIES_COLONY_NAME" --colonyid "$COLONIES_COLONY_ID"
once colonies user add --name demo --userid "$COLONIES_USER_ID" --email demo@example.com --phone ""

# `executor create` generates the key pair, writes the key and the id, adds and approves the
# executor. Written under temporary names and renamed only once the server has them, so a failed
# run leaves no key that the colony does not know.
umask 077
rm -f "$key.tmp"
if ! colonies executor create --name "$EXECUTOR_NAME" --type "$EXECUTOR_TYPE" --approve \
        --keypath "$key.tmp" --idpath "$KEY_DIR/executor.id"; then
    echo "colonies-setup: could not register executor $EXECUTOR_NAME. If the colony already has it" >&2
    echo "(with a key this volume no longer holds), start over with: docker compose down -v" >&2
    exit 1
fi
chown "$BEEKEEPER_UID:$BEEKEEPER_UID" "$key.tmp" "$KEY_DIR/executor.id"
chmod 0600 "$key.tmp"
mv "$key.tmp" "$key"
echo "colonies-setup: executor $EXECUTOR_NAME ($EXECUTOR_TYPE) approved in colony $COLONIES_COLONY_NAME, id $(cat "$KEY_DIR/executor.id")"
