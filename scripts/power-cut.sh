#!/usr/bin/env bash
# The long power-cut run (issue 14; BENCHMARKS.md): `beekeeper serve` on lazyfs under signed load,
# a ColonyOS source (the stand-in), backups, shipping and SIGHUP reloads, cut at random moments and
# one cut in four forced into each moment in turn; every restart checked, each under 2 s.
#   scripts/power-cut.sh [--cycles 1000] [--seed N] [--binary PATH] [--torn] ...   (power_cut.py's options)
# Uses the release binary (`swift build -c release --product beekeeper`: restarts are held to 2 s,
# which is the release's figure) unless --binary says otherwise; needs root for FUSE.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/start-test-postgres.sh)"
binary=.build/release/beekeeper
[[ " $* " == *" --binary "* ]] || set -- --binary "$binary" "$@"
[[ " $* " == *" --cycles "* ]] || set -- --cycles 1000 "$@"
exec python3 Tests/BeekeeperIntegrationTests/Tools/power_cut.py --verbose "$@"
