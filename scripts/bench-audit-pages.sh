#!/usr/bin/env bash
# Page times of the audit review pages on a generated log: `beekeeper audit serve --dir` (release
# build) over RECORDS records (default 1,000,000) from scripts/gen-audit-log.py, each page fetched
# with curl (cold = first request, then the median of 5), and the server's peak memory.
# usage: scripts/bench-audit-pages.sh [RECORDS] [PER_SEGMENT]   (results: BENCHMARKS.md)
set -euo pipefail
records=${1:-1000000}
per_segment=${2:-200000}
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${BEEKEEPER_BINARY:-$root/.build-rel/release/beekeeper}
[ -x "$binary" ] || { echo "build first: swift build -c release --scratch-path .build-rel --product beekeeper" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# BENCH_LOG_DIR: an audit directory generated before (same RECORDS), to skip the minute of generating.
log=${BENCH_LOG_DIR:-$work/audit}
[ -n "${BENCH_LOG_DIR:-}" ] || python3 "$root/scripts/gen-audit-log.py" "$log" "$records" "$per_segment"
echo "log: $records records, $(du -sh "$log" | cut -f1) on disk in $(ls "$log" | wc -l) segments"
printf 'data_dir: %s/data\n' "$work" > "$work/beekeeper.yaml"
"$binary" audit serve --dir "$log" --listen 127.0.0.1:0 --config "$work/beekeeper.yaml" 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q 'address=' "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o 'address=[^ ]*' "$work/serve.log" | head -1 | sed 's/.*://')
base="http://127.0.0.1:$port"
middle=$((records / 2))
task_mid="t-$((records / 8))"
time_page() {  # name path
  local name=$1 path=$2 cold times
  cold=$(curl -s -o /dev/null -w '%{time_total}' "$base$path")
  times=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n | sed -n 3p)
  printf '| %s | `%s` | %.3f | %.3f |\n' "$name" "$path" "$cold" "$times"
}
echo "| page | path | first request (s) | median of 5 after (s) |"
echo "| --- | --- | --- | --- |"
time_page "overview" "/audit/"
time_page "search, newest page" "/audit/search"
time_page "search, a page in the middle" "/audit/search?before=$middle"
time_page "search by type (task.failed)" "/audit/search?type=task.failed"
time_page "task timeline (index built on first use)" "/audit/tasks/$task_mid"
time_page "another task (index warm)" "/audit/tasks/t-$((records / 8 + 7))"
time_page "search by task id" "/audit/search?task=$task_mid"
time_page "one record" "/audit/records/$middle"
start=$(date +%s.%N)
bytes=$(curl -s "$base/audit/search?format=csv" | wc -c)
end=$(date +%s.%N)
printf '| CSV of the whole log | `/audit/search?format=csv` | %.3f (%s bytes) | |\n' "$(echo "$end - $start" | bc)" "$bytes"
echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2, $3}')"
