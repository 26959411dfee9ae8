#!/usr/bin/env bash
# Speed of program games: runs the criterion bench `programs` of spi-programs and prints the growth
# table (matches per second for tournaments of n program agents, pairs per second for all pairs of n
# modal agents). Usage: bench/programs/run.sh   (from the workspace root; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-target}"
cargo bench -p spi-programs --bench programs -- --noplot "$@" >&2
python3 - "$TARGET/criterion" <<'PY'
import json, os, re, sys
root = sys.argv[1]
def rows(group, unit):
    d = os.path.join(root, group)
    out = []
    for name in os.listdir(d):
        m = re.match(r"(\d+)_agents_(\d+)_(matches|pairs)$", name)
        est = os.path.join(d, name, "new", "estimates.json")
        if not m or not os.path.exists(est):
            continue
        e = json.load(open(est))
        secs = e["mean"]["point_estimate"] / 1e9
        lo = e["mean"]["confidence_interval"]["lower_bound"] / 1e9
        hi = e["mean"]["confidence_interval"]["upper_bound"] / 1e9
        n, k = int(m.group(1)), int(m.group(2))
        out.append((n, k, secs, k / secs, k / hi, k / lo))
    out.sort()
    print(f"{group}")
    print(f"  {'agents':>6} {unit:>8} {'time (ms)':>10} {unit + '/s':>12} {'95% CI':>24}")
    for n, k, secs, rate, rlo, rhi in out:
        print(f"  {n:>6} {k:>8} {secs*1e3:>10.2f} {rate:>12.0f} {f'[{rlo:.0f}, {rhi:.0f}]':>24}")
rows("program_tournament", "matches")
rows("modal_all_pairs", "pairs")
PY
