#!/usr/bin/env bash
# Runs every benchmark recorded in BENCHMARKS.md, in about 10 minutes on 2 cores:
# the criterion suites and the paired (interleaved) ratios pinned to one core
# (taskset -c 1), the criterion report (ratios to OpenSSL and layer overheads),
# then the end-to-end notify-route load test on both cores. BENCHMARKS.md runs it
# as `nice -n -20 benches/run-all.sh` (as root) so that other work on the machine
# yields to the measurement.
# Usage: benches/run-all.sh [criterion options, default: --warm-up-time 1 --measurement-time 3]
set -euo pipefail
cd "$(dirname "$0")/.."

criterion_opts=("$@")
if [ ${#criterion_opts[@]} -eq 0 ]; then
  criterion_opts=(--warm-up-time 1 --measurement-time 3)
fi

cargo bench -p antom-benches --no-run
cargo build --release -p antom-benches --bins

echo "== machine"
echo "nproc: $(nproc)"
grep -m1 'model name' /proc/cpuinfo
rustc --version
openssl version || true

taskset -c 1 cargo bench -p antom-benches --bench signing -- "${criterion_opts[@]}"
taskset -c 1 cargo bench -p antom-benches --bench layers -- "${criterion_opts[@]}"
taskset -c 1 cargo bench -p antom-benches --bench paired
target/release/bench_report
target/release/notify_load --duration 10 --warmup 2
