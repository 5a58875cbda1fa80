#!/usr/bin/env bash
# `cargo deny check advisories`, offline, against the RustSec snapshot in
# supply-chain/advisory-db.tar.gz (see supply-chain/README.md for its date), for the workspace and
# for fuzz/. Accepted advisories are listed in deny.toml with their reason; any other advisory,
# unmaintained or yanked crate in Cargo.lock or fuzz/Cargo.lock fails the check.
#
# cargo-deny reads the database from a git clone in `db-path`, in a folder named after the URL's
# hash, and `--offline` stops it from fetching: so the snapshot is unpacked into a temporary git
# repository and cloned to that folder, and a copy of deny.toml points `db-path` there.
#
# Usage: scripts/check-advisories.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
command -v cargo-deny >/dev/null 2>&1 || cargo install cargo-deny --locked

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf supply-chain/advisory-db.tar.gz -C "$work"
git -C "$work/advisory-db" init -q
git -C "$work/advisory-db" add -A
git -C "$work/advisory-db" -c user.name=ci -c user.email=ci@localhost commit -qm "RustSec snapshot (supply-chain/advisory-db.tar.gz)"

# The folder cargo-deny 0.20 derives from https://github.com/rustsec/advisory-db.
db_dir=advisory-db-3157b0e258782691
git clone -q "$work/advisory-db" "$work/dbs/$db_dir"
sed "s|^db-urls = .*|&\ndb-path = \"$work/dbs\"|" deny.toml >"$work/deny.toml"
grep -q "^db-path = \"$work/dbs\"" "$work/deny.toml"

# --offline also makes cargo metadata offline: every platform's crates must be in the cache.
cargo fetch --locked --quiet
cargo fetch --locked --quiet --manifest-path fuzz/Cargo.toml

check() {
  local out
  if out=$(cargo deny --offline --config "$work/deny.toml" "$@" check advisories 2>&1); then
    echo "$out" | tail -n 1
    return 0
  fi
  # Another cargo-deny names the folder differently; its error says which name it wants.
  local wanted
  wanted=$(echo "$out" | grep -o "advisory-dbs\?/advisory-db-[0-9a-f]*\|dbs/advisory-db-[0-9a-f]*" | head -n 1 | sed 's|.*/||' || true)
  if [ -n "$wanted" ] && [ ! -d "$work/dbs/$wanted" ]; then
    git clone -q "$work/advisory-db" "$work/dbs/$wanted"
    cargo deny --offline --config "$work/deny.toml" "$@" check advisories
    return
  fi
  echo "$out" >&2
  return 1
}

echo "workspace (Cargo.lock):"
check --manifest-path "$root/Cargo.toml"
echo "fuzz/ (fuzz/Cargo.lock):"
check --manifest-path "$root/fuzz/Cargo.toml"
