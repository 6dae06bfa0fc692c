#!/usr/bin/env bash
# The test command: build everything (the integration tests start the real binary), then run
# every unit and integration test. Set CI=true to make missing tools a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
# A crashed test process can leave `swift test` waiting forever; 40 minutes is far past a normal run.
timeout --kill-after=30s 40m swift test --skip-build "$@" 2>&1 | tee .build/test-output.txt

# The Python client's tests and the OpenAPI checks (docs/openapi.yaml) against the binary just
# built; skipped when arguments narrow `swift test` to some tests.
if [ "$#" -eq 0 ]; then
  BEEKEEPER_BIN="$(swift build --show-bin-path)/beekeeper" PYTHONPATH="$PWD/clients/python/src" \
    timeout --kill-after=30s 15m python3 -m pytest -q -p no:cacheprovider clients/python/tests 2>&1 | tee .build/python-test-output.txt
fi
