"""Reads the JSON lines of run.sh and prints the comparison table (median of runs, ratios)."""

import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
prompt = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    key = (r["impl"], r["weights"], r["threads"])
    rows[key].append(r["tokens_per_second"])
    prompt[key] = (r["prompt_tokens"], r["prefill_ms"], r["decode_tokens"])

peer = {k[2]: statistics.median(v) for k, v in rows.items() if k[0].startswith("llama.cpp")}
print(f"{'implementation':<40} {'weights':<10} {'threads':>7} {'tok/s (median)':>15} {'runs':>5} {'vs llama.cpp':>13}")
for key in sorted(rows, key=lambda k: (k[2], k[0].startswith("llama.cpp"), k[1])):
    impl, weights, threads = key
    med = statistics.median(rows[key])
    ratio = f"{med / peer[threads]:.2f}x" if threads in peer else "n/a"
    print(f"{impl:<40} {weights:<10} {threads:>7} {med:>15.1f} {len(rows[key]):>5} {ratio:>13}")
