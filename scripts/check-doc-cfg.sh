#!/usr/bin/env bash
# docs.rs-style documentation (every feature, `--cfg docsrs`, nightly rustdoc features through
# RUSTC_BOOTSTRAP as docs.rs has them), then a check that every feature-gated public item shows
# its feature: for each `#[cfg(... feature = "x" ...)]` directly on a `pub` item (mod, use, fn,
# struct, enum, trait, type, const, static) in the library crates, the item's page must carry
# rustdoc's "Available on crate feature x only" note. `#![cfg_attr(docsrs, feature(doc_cfg))]` in
# each lib.rs makes rustdoc add the note from the cfg by itself.
#
# Usage: scripts/check-doc-cfg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="--cfg docsrs -D warnings" \
  cargo doc --no-deps --all-features --locked -p antom-types -p antom-tower -p antom-testkit

python3 - "$CARGO_TARGET_DIR/doc" antom-types antom-tower antom-testkit <<'PY'
import pathlib
import re
import sys

doc = pathlib.Path(sys.argv[1])
ITEM = re.compile(r"^\s*pub\s+(?:async\s+)?(mod|use|fn|struct|enum|trait|type|const|static)\s+(.*)")
KIND = {"fn": "fn", "struct": "struct", "enum": "enum", "trait": "trait", "type": "type",
        "const": "constant", "static": "static"}
failed = False
checked = 0


def module_path(crate_dir, path):
    parts = list(path.relative_to(crate_dir / "src").with_suffix("").parts)
    if parts[-1] in ("lib", "mod"):
        parts.pop()
    return parts


def names(kind, rest):
    if kind == "mod":
        return [rest.split(";")[0].split("{")[0].strip()]
    if kind == "use":
        body = rest.split(";")[0]
        if "{" in body:
            inner = body[body.index("{") + 1:body.rindex("}")]
            return [n.split(" as ")[-1].strip().split("::")[-1] for n in inner.split(",") if n.strip()]
        return [body.split(" as ")[-1].strip().split("::")[-1]]
    return [re.split(r"[^A-Za-z0-9_]", rest.strip(), maxsplit=1)[0]]


def pages(crate, modpath, kind, name):
    base = doc / crate.replace("-", "_") / pathlib.Path(*modpath) if modpath else doc / crate.replace("-", "_")
    if kind == "mod":
        return [base / name / "index.html"]
    if kind == "use":
        # Re-exported and inlined: the item's page in this module, or a module's index.
        return sorted(base.glob(f"*.{name}.html")) + [base / name / "index.html"]
    return [base / f"{KIND[kind]}.{name}.html"]


for crate in sys.argv[2:]:
    crate_dir = pathlib.Path(crate)
    for path in sorted((crate_dir / "src").rglob("*.rs")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^\s*#\[cfg\((.*)\)\]\s*$", line)
            if not m or "feature" not in m.group(1) or "not(" in m.group(1) or "test" in m.group(1):
                continue
            features = re.findall(r'feature\s*=\s*"([^"]+)"', m.group(1))
            j = i + 1
            while j < len(lines) and re.match(r"^\s*(#\[|///|//!|$)", lines[j]):
                j += 1
            item = ITEM.match(lines[j]) if j < len(lines) else None
            if not item:
                continue
            kind, rest = item.groups()
            modpath = module_path(crate_dir, path)
            for name in names(kind, rest):
                if name in ("*", "self", ""):
                    continue
                found = [p for p in pages(crate, modpath, kind, name) if p.is_file()]
                where = f"{path}:{j + 1} {kind} {name} ({', '.join(features)})"
                note = None
                if found:
                    page = found[0]
                    note = re.search(r'class="stab portability">(.*?)</div>', page.read_text(), re.S)
                elif kind == "use":
                    # Not inlined: listed among the module's re-exports, with its badge.
                    page = pages(crate, modpath, "mod", "")[0].parent / "index.html"
                    text = page.read_text() if page.is_file() else ""
                    note = re.search(rf'<dt id="reexport\.{name}">(.*?)</dt>', text, re.S)
                if note is None and not found:
                    print(f"FAIL  {where}: no page and no re-export entry found")
                    failed = True
                    continue
                missing = [f for f in features if not note or f"<code>{f}</code>" not in note.group(1)]
                checked += 1
                if missing:
                    print(f"FAIL  {where}: {page} does not say it needs {', '.join(missing)}")
                    failed = True
                else:
                    print(f"ok    {where}")
print(f"{checked} feature-gated items checked: {'some lack their feature' if failed else 'each shows its feature'}")
sys.exit(1 if failed else 0)
PY
