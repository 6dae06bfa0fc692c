#!/usr/bin/env bash
# The test command: build everything (the integration tests start the real binary), then run
# every unit and integration test. Set CI=true to make missing tools a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test --no-parallel "$@" 2>&1 | tee .build/test-output.txt
