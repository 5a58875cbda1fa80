#!/usr/bin/env bash
# Runs every test of the workspace on a fresh machine: starts what the tests
# need (a throwaway PostgreSQL on 127.0.0.1), then the test suites on each
# signing backend. Usage: scripts/test-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh

if [ -x scripts/postgres-test-server.sh ] && [ -z "${ANTOM_TEST_POSTGRES_URL:-}" ]; then
  # The script prints the URL to use on its last line.
  ANTOM_TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh | tail -n 1 | sed 's/^ANTOM_TEST_POSTGRES_URL=//')
  export ANTOM_TEST_POSTGRES_URL
fi

# Antom's Web SDK (@alipay/ams-checkout, pinned by examples/checkout/web/package-lock.json)
# for the browser test's real-SDK path; npm ci fails if the lock and package.json disagree.
npm ci --prefix examples/checkout/web --no-audit --no-fund

# Everything, with both signing backends compiled in (the signing tests run each vector on each backend).
cargo test --workspace --all-features
# The pure-Rust backend on its own (rsa only; scripts/check-no-c-compiler.sh proves it needs no C compiler).
cargo test -p antom-tower --no-default-features --features rsa --lib --tests
