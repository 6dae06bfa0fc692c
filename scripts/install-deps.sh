#!/usr/bin/env bash
# Debian packages and PyPI modules Beekeeper builds and tests with. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

packages=(
  pkg-config libsodium-dev zlib1g-dev libcurl4-openssl-dev libpq-dev libpcre2-dev   # C libraries
  libsecp256k1-dev libssl-dev                                        # ColonyOS signatures: secp256k1, SHA3-256
  libisal-dev                                                           # igzip: fast gzip for sealing audit segments
  postgresql postgresql-client                                          # backups and the libpq tests
  prometheus                                                            # promtool: metrics, rules, rule tests
  nginx-light                                                           # a real collector for the shipper
  gzip procps python3
  groff-base bash                                                       # the man page renders without warnings; completions source
  wrk curl                                                              # beekeeper-bench: HTTP load (colonies); curl times the audit pages (scripts/bench-audit-pages.sh)
  systemd binutils                                                      # systemd-analyze, readelf: deploy/ checks
  chromium chromium-driver                                              # the audit review pages in a real browser
  fuse libfuse2                                                         # lazyfs: the power-cut tests' FUSE filesystem
  linux-perf                                                            # perf: beekeeper-bench's profiles (BEEKEEPER_BENCH_PERF, scripts/perf-task-budget.py)
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Always refresh the package lists: the deploy/ tests ask apt-cache about the image's packages.
$SUDO apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# prometheus_client parses our exposition (text 0.0.4 and OpenMetrics) in the tests.
python3 -c "import prometheus_client" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check prometheus_client

# PyYAML reads the deploy/ manifests; kubernetes-validate checks them against the Kubernetes schemas offline.
python3 -c "import yaml" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyyaml
python3 -c "import kubernetes_validate" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate

# botocore signs requests independently of Beekeeper's SigV4 signer: the shipper tests check our
# signatures against it, and the test collector verifies s3:// uploads with it.
python3 -c "import botocore.auth" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check botocore

# pycolonies (the ColonyOS Python SDK) checks Beekeeper's ColonyOS signatures with its own secp256k1.
python3 -c "import pycolonies" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pycolonies==1.0.25

# The Python client for bee authors (clients/python, installed editable so the tests and the sample
# bees import this checkout's package), pytest for its tests, and the OpenAPI checks of
# docs/openapi.yaml: openapi-spec-validator and schemathesis; mypy checks the package's type hints.
python3 -c "import cryptography" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check "cryptography>=3.1"
python3 -c "import beekeeper" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check --no-deps -e "$(dirname "$0")/../clients/python"
python3 -c "import pytest" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pytest
python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check "openapi-spec-validator>=0.7"
python3 -c "import mypy" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check mypy
python3 -c "import schemathesis" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check "schemathesis>=4,<5"
# Selenium drives Debian's chromium (through chromium-driver) in the audit review page tests;
# nothing downloads a browser.
python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check selenium
# fusepy (ctypes over libfuse2) runs lazyfs, the test filesystem that forgets unsynced writes;
python3 -c "import fuse" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check fusepy==3.0.1
