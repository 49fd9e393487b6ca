#!/usr/bin/env bash
# The binaries' build (`make build`: qibao and qibao-sim in one cargo call)
# must give every crate it shares with the test build (`make test`: the
# workspace with dev-dependencies) the same features, or cargo builds that
# crate, and all above it, twice: `make run` after `make test` (or the
# reverse) would recompile for minutes. Prints each difference and fails;
# the fix is a line in hack/Cargo.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
tree() { cargo tree -q "$@" -f '{p} {f}' --prefix none 2>/dev/null | sort -u; }
bin=$(mktemp) test=$(mktemp)
trap 'rm -f "$bin" "$test"' EXIT
tree -p qibao-api -p qibao-tools -e normal,build >"$bin"
tree --workspace -e normal,build,dev >"$test"
python3 - "$bin" "$test" <<'PY'
import sys
def load(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if len(parts) < 2:
            continue
        feats = parts[2] if len(parts) > 2 and not parts[2].startswith("(") else ""
        # A crate built for the host (proc-macros, build scripts) and for the
        # target is listed once per feature set; compare their union.
        out.setdefault((parts[0], parts[1]), set()).update(f for f in feats.split(",") if f)
    return out
b, t = load(sys.argv[1]), load(sys.argv[2])
bad = [(k, b[k], t[k]) for k in sorted(b) if k in t and b[k] != t[k]]
for (name, ver), fb, ft in bad:
    print(f"{name} {ver}: the tests add features {sorted(ft - fb)}, the binaries {sorted(fb - ft)}")
if bad:
    print(f"{len(bad)} crate(s) would be built twice: add them to hack/Cargo.toml", file=sys.stderr)
    sys.exit(1)
print("binaries and tests share one feature set")
PY
