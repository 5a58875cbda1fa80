#!/usr/bin/env bash
# Proves which antom-tower feature sets build without a C compiler (README.md, "Signing backends"):
# each set in PURE must build with no way to compile C or C++, each set in NEEDS_C must fail that way
# (so the README's list of what needs a C compiler stays exact).
#
# "No C compiler": CC, CXX, CC_<target> and friends point at `false`; gcc, g++, clang, clang++,
# c++, cmake and nasm on PATH are scripts that fail; `cc` refuses to compile (any -c/-S/-E or a
# C/C++/assembly source) and only links, because on Linux rustc links every build script and proc
# macro through `cc` and no Rust build works without a linker. A build script that compiles C (the
# cc crate, cmake) therefore fails, and cc-rs's rerun-if-env-changed on CC makes it rerun even when
# the target dir holds an earlier build. Each set is also checked with `cargo tree` for the crates
# that compile C (cc, cmake and what uses them): none may be in a pure set's graph.
#
# Usage: scripts/check-no-c-compiler.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PURE=("rsa" "rsa,axum" "rsa,serve" "rsa,checkout" "rsa,postgres" "rsa,metrics" "rsa,axum,checkout,serve,postgres,metrics")
# Built with no C compiler: the smallest set and the union of the others (a feature only adds
# dependencies, and each set's graph is checked with cargo tree above). The NEEDS_C sets are also
# built, and must fail, which proves the shadowing works.
BUILD=("rsa" "rsa,axum,checkout,serve,postgres,metrics")
NEEDS_C=("rsa,client" "rsa,sqlite" "aws-lc")

shadow=$(mktemp -d)
trap 'rm -rf "$shadow"' EXIT
real_cc=$(command -v cc)
for tool in gcc g++ clang clang++ c++ cmake nasm; do
  printf '#!/bin/sh\necho "no C compiler in this build: %s $*" >&2\nexit 1\n' "$tool" >"$shadow/$tool"
  chmod +x "$shadow/$tool"
done
cat >"$shadow/cc" <<EOF
#!/bin/sh
# Links (rustc's linker driver), never compiles.
for arg in "\$@"; do
  case "\$arg" in
    -c|-S|-E|*.c|*.cc|*.cpp|*.cxx|*.s|*.S|*.asm)
      echo "no C compiler in this build: cc \$*" >&2; exit 1 ;;
  esac
done
exec "$real_cc" "\$@"
EOF
chmod +x "$shadow/cc"

no_c() {
  env PATH="$shadow:$PATH" CC=false CXX=false HOST_CC=false HOST_CXX=false TARGET_CC=false TARGET_CXX=false \
    CC_x86_64_unknown_linux_gnu=false CXX_x86_64_unknown_linux_gnu=false "$@"
}

c_crates() {
  # Crates in the graph that compile C through a build script.
  cargo tree -p antom-tower --no-default-features --features "$1" -e normal,build --prefix none --locked --depth 1 \
    -i cc 2>/dev/null | grep -v '^cc ' | sed 's/ (*)//' | sort -u || true
}

failed=0
for features in "${PURE[@]}"; do
  users=$(c_crates "$features")
  if [ -n "$users" ]; then
    echo "FAIL  $features: crates that compile C are in the graph:" >&2
    echo "$users" | sed 's/^/        /' >&2
    failed=1
  else
    echo "ok    $features: nothing in the graph compiles C"
  fi
done
for features in "${BUILD[@]}"; do
  start=$(date +%s)
  if no_c cargo build -q -p antom-tower --no-default-features --features "$features" --lib --locked; then
    echo "ok    $features: builds without a C compiler ($(($(date +%s) - start)) s)"
  else
    echo "FAIL  $features: does not build without a C compiler" >&2
    failed=1
  fi
done
for features in "${NEEDS_C[@]}"; do
  users=$(c_crates "$features" | tr '\n' ' ')
  if [ -z "$users" ]; then
    echo "FAIL  $features: README says it needs a C compiler, but nothing in its graph compiles C" >&2
    failed=1
  else
    echo "ok    $features: needs a C compiler (${users% })"
  fi
  if no_c cargo build -q -p antom-tower --no-default-features --features "$features" --lib --locked >/dev/null 2>&1; then
    echo "FAIL  $features: built with no C compiler although ${users% } compiles C: the shadowing does not work" >&2
    failed=1
  else
    echo "ok    $features: fails to build without a C compiler, as it should"
  fi
done
exit $failed
