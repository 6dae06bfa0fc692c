#!/usr/bin/env bash
# The test command: build everything (the integration tests start the real binary), then run
# every unit and integration test. Set CI=true to make missing tools a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
# A crashed test process can leave `swift test` waiting forever; 40 minutes is far past a normal run.
timeout --kill-after=30s 40m swift test --skip-build "$@" 2>&1 | tee .build/test-output.txt
