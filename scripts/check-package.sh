#!/usr/bin/env bash
# The library crates as crates.io would get them: `cargo package` for antom-types, antom-tower and
# antom-testkit, then their doctests (and the docs' include_str! files) from the unpacked tarballs,
# with every feature. A doctest that reads a file outside its crate fails here.
#
# `--no-verify`: cargo's own verify step builds each crate alone, which needs its sibling crates on
# crates.io first; instead the unpacked crates are built together in a temporary workspace whose
# [patch.crates-io] points each dependency on a sibling at the sibling's unpacked tarball. The
# workspace's Cargo.lock and dev profile are copied in, so the dependency versions are the locked
# ones and the build reuses the target dir's artifacts.
#
# Usage: scripts/check-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
crates=(antom-types antom-tower antom-testkit)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

version=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json,sys; print({p["name"]: p["version"] for p in json.load(sys.stdin)["packages"]}["antom-tower"])')

cargo package --locked --no-verify --allow-dirty $(printf -- '-p %s ' "${crates[@]}")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
members=()
patches=()
for crate in "${crates[@]}"; do
  tar -xzf "$CARGO_TARGET_DIR/package/$crate-$version.crate" -C "$work"
  members+=("\"$crate-$version\"")
  patches+=("$crate = { path = \"$crate-$version\" }")
done
{
  echo "[workspace]"
  echo "resolver = \"2\""
  echo "members = [$(IFS=,; echo "${members[*]}")]"
  echo
  echo "[patch.crates-io]"
  printf '%s\n' "${patches[@]}"
  echo
  # The same dev profile as the repository's, so dependencies built there are reused.
  sed -n '/^\[profile\./,$p' "$root/Cargo.toml"
} >"$work/Cargo.toml"
cp "$root/Cargo.lock" "$work/Cargo.lock"

cd "$work"
for crate in "${crates[@]}"; do
  # Nothing outside the tarball: every file a doctest includes must be in the package.
  echo "$crate $version: $(tar -tzf "$CARGO_TARGET_DIR/package/$crate-$version.crate" | wc -l) files"
done
cargo test --doc --all-features $(printf -- '-p %s ' "${crates[@]}")
