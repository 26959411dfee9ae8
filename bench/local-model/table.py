"""Reads the JSON lines of run.sh and prints its two tables (medians of runs, ratios)."""

import json
import statistics
import sys
from collections import defaultdict

speed = defaultdict(list)
prefill = defaultdict(list)
samples = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    if r.get("kind") == "samples":
        samples[(r["impl"], r["connections"])] = r
        continue
    key = (r["impl"], r["weights"], r["threads"])
    speed[key].append(r["tokens_per_second"])
    prefill[key].append(r["prompt_tokens"] / (r["prefill_ms"] / 1e3))


def peer_of(table):
    return {k[2]: statistics.median(v) for k, v in table.items() if k[0].startswith("llama.cpp")}


peer_decode, peer_prefill = peer_of(speed), peer_of(prefill)
print("One sequence: prompt processing (prefill) and decode, tokens per second")
print(
    f"{'implementation':<40} {'weights':<10} {'threads':>7} {'prefill tok/s':>14} {'vs llama.cpp':>13}"
    f" {'decode tok/s':>13} {'vs llama.cpp':>13} {'runs':>5}"
)
for key in sorted(speed, key=lambda k: (k[2], k[0].startswith("llama.cpp"), k[1])):
    impl, weights, threads = key
    dec, pre = statistics.median(speed[key]), statistics.median(prefill[key])
    rd = f"{dec / peer_decode[threads]:.2f}x" if threads in peer_decode else "n/a"
    rp = f"{pre / peer_prefill[threads]:.2f}x" if threads in peer_prefill else "n/a"
    print(f"{impl:<40} {weights:<10} {threads:>7} {pre:>14.1f} {rp:>13} {dec:>13.1f} {rd:>13} {len(speed[key]):>5}")

if samples:
    print()
    print("Multiple-choice samples through `spi eval run` (model load included), 2 threads")
    base = {c: r["samples_per_second"] for (i, c), r in samples.items() if "(before)" in i}
    print(f"{'run':<40} {'connections':>11} {'samples':>8} {'seconds':>8} {'samples/s':>10} {'vs before at 1':>15}")
    for (impl, conns), r in sorted(samples.items(), key=lambda kv: (kv[0][1], "(after)" in kv[0][0])):
        ratio = f"{r['samples_per_second'] / base[1]:.2f}x" if base.get(1) else "n/a"
        print(f"{impl:<40} {conns:>11} {r['samples']:>8} {r['seconds']:>8.1f} {r['samples_per_second']:>10.3f} {ratio:>15}")
