#!/usr/bin/env bash
# The long power-cut run (issue 14; BENCHMARKS.md): `beekeeper serve` on lazyfs under signed load,
# backups, shipping and SIGHUP reloads, cut at random moments; every restart checked.
#   scripts/power-cut.sh [--cycles 1000] [--seed N] [--binary PATH] ...   (power_cut.py's options)
# Uses the debug binary `swift build` made unless --binary says otherwise; needs root for FUSE.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/start-test-postgres.sh)"
binary=.build/debug/beekeeper
[[ " $* " == *" --binary "* ]] || set -- --binary "$binary" "$@"
[[ " $* " == *" --cycles "* ]] || set -- --cycles 1000 "$@"
exec python3 Tests/BeekeeperIntegrationTests/Tools/power_cut.py --verbose "$@"
