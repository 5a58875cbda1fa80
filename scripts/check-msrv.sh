#!/usr/bin/env bash
# MSRV check from the lockfile: fails when a locked dependency declares a higher `rust-version`
# than a workspace crate that pulls it in, so each crate's `rust-version` is what its locked
# dependency graph really needs. No second toolchain is needed: cargo metadata (with Cargo.lock,
# every feature) says what each package declares. The graph is resolved for each platform a user
# builds on (Linux, macOS and Windows, x86_64 and aarch64), so a dependency only some cfg no
# platform sets pulls in (e.g. `cfg(loom)`, a test-only model checker) does not count.
#
# A crate's graph here is what building it needs: its normal and build dependencies, transitively
# (through the workspace's own crates too). Dev-dependencies are not built for a user of the crate
# and are left out. A dependency with no `rust-version` is not checked (it declares nothing).
#
# Usage: scripts/check-msrv.sh [--manifest-path fuzz/Cargo.toml]
# Prints, per workspace crate, its declared rust-version and what its graph needs; exit 1 on any
# crate whose graph needs more than it declares (with the chain that pulls the dependency in).
set -euo pipefail
cd "$(dirname "$0")/.."

meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
status=0
for platform in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin \
  x86_64-pc-windows-msvc; do
echo "== $platform"
cargo metadata --format-version 1 --locked --all-features --filter-platform "$platform" "$@" >"$meta"
python3 - "$meta" <<'PY' || status=1
import json
import sys

meta = json.load(open(sys.argv[1]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
members = meta["workspace_members"]


def version(text):
    """1.85 / 1.85.0 -> (1, 85, 0); None when not declared."""
    if not text:
        return None
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def show(v):
    return ".".join(map(str, v[:2])) + ("" if v[2] == 0 else f".{v[2]}")


def name(pid):
    p = packages[pid]
    return f"{p['name']} {p['version']}"


def built_deps(pid):
    """Normal and build dependencies of pid in the locked graph (every platform)."""
    for dep in nodes[pid]["deps"]:
        if any(k["kind"] in (None, "build") for k in dep["dep_kinds"]):
            yield dep["pkg"]


failed = False
for member in sorted(members, key=name):
    declared = version(packages[member].get("rust_version"))
    # Breadth-first, so the chain reported for each dependency is a shortest one.
    parent = {member: None}
    queue = [member]
    for pid in queue:
        for dep in built_deps(pid):
            if dep not in parent:
                parent[dep] = pid
                queue.append(dep)
    needs = [(version(packages[p].get("rust_version")), p) for p in parent if p != member]
    needs = [(v, p) for v, p in needs if v]
    top = max(needs, default=None)
    line = f"{packages[member]['name']}: rust-version {show(declared) if declared else '(none)'}"
    if top:
        line += f", locked graph needs {show(top[0])} ({name(top[1])})"
    print(line)
    if declared is None:
        print(f"  error: no rust-version declared", file=sys.stderr)
        failed = True
        continue
    for v, pid in sorted(needs, reverse=True):
        if v <= declared:
            break
        chain = []
        at = pid
        while at is not None:
            chain.append(name(at))
            at = parent[at]
        print(f"  error: {name(pid)} declares rust-version {show(v)} > {show(declared)}: "
              + " -> ".join(reversed(chain)), file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
PY
done
exit $status
