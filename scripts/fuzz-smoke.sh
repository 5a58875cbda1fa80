#!/usr/bin/env bash
# Fuzz smoke run: every cargo-fuzz target of fuzz/ under libFuzzer (with
# AddressSanitizer) for DURATION seconds each (default 60), after the same
# targets' stable property tests (the committed corpus, fuzz/regressions/,
# and seeded random and mutated inputs).
#
#   scripts/fuzz-smoke.sh [DURATION]          e.g. scripts/fuzz-smoke.sh 15 in CI
#   FUZZ_TARGETS="amount key_loading" scripts/fuzz-smoke.sh 600
#
# cargo-fuzz needs nightly-only compiler flags (-Zsanitizer, -Cpasses=sancov);
# this project's machines have only the stable toolchain, so the script sets
# RUSTC_BOOTSTRAP=1 for the fuzz build only. It installs cargo-fuzz if missing.
#
# New inputs libFuzzer finds go to a temporary directory, not the committed
# corpus. A crash stops the script with a non-zero status; its input is in
# fuzz/artifacts/<target>/. Commit it as a regression test:
#   mkdir -p fuzz/regressions/<target> && cp fuzz/artifacts/<target>/crash-* fuzz/regressions/<target>/
# (the property tests run every file there), and fix the bug.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-60}"
TARGETS="${FUZZ_TARGETS:-signature_header content_to_sign notification_json amount key_loading}"

log() { echo "fuzz-smoke: $*" >&2; }

log "stable property tests (corpus, regressions, seeded random inputs)"
cargo test --manifest-path fuzz/Cargo.toml --lib

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
log "building the libFuzzer targets"
cargo fuzz build --fuzz-dir fuzz --features libfuzzer

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for target in $TARGETS; do
  corpora=("$WORK/$target" "fuzz/corpus/$target")
  mkdir -p "$WORK/$target"
  if [ -d "fuzz/regressions/$target" ]; then
    corpora+=("fuzz/regressions/$target")
  fi
  log "$target for ${DURATION}s"
  cargo fuzz run --fuzz-dir fuzz --features libfuzzer "$target" "${corpora[@]}" -- \
    -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$WORK/$target.log" 2>&1 || {
    tail -n 60 "$WORK/$target.log" >&2
    log "$target FAILED: the crashing input is in fuzz/artifacts/$target/"
    exit 1
  }
  runs="$(grep -o 'Done [0-9]* runs' "$WORK/$target.log" | tail -n 1 || true)"
  log "$target: ${runs:-done}, no crash"
done
log "all targets passed"
