"""Writes test_data/python/replay-outputs.jsonl, the fixed model outputs the Inspect replay test
feeds to both `spi eval run` and Inspect: on two multiple-choice suites, right, wrong, malformed and
unparseable answers; on spi-capability, the engine's reference answer for every other task kind and
`ANSWER: NONE` for the rest; on spi-interactive, a reference program, a broken one and prose.

    python/.venv/bin/python python/tests/make_replay_outputs.py   # regenerates it byte for byte
"""

import json
import os
from pathlib import Path

import safepareto as sp

CANARY = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596"
OUT = Path(__file__).resolve().parents[2] / "test_data/python/replay-outputs.jsonl"
MC_PATTERNS = [
    "ANSWER: {key}",
    "ANSWER: A",
    "After weighing the options, (B) is best.\nANSWER: (B)",
    "I would rather not pick one.",
    "**ANSWER:** {key}",
    "ANSWER: D.",
    "answer: {key}",
    "ANSWER: C",
]


def samples(name):
    doc = sp.load_suite(os.path.join(sp.suites_dir(), name, "suite.toml"))
    return [rec["sample"] for rec in doc["datasets"][0]["samples"]]


def main():
    out = []
    for name, n in [("missed-spis", 8), ("over-correction", 4)]:
        for k, s in enumerate(samples(name)[:n]):
            text = MC_PATTERNS[k % len(MC_PATTERNS)].format(key=s["target"][0])
            out.append({"suite": name, "id": s["id"], "output": text})
    seen = set()
    for s in samples("spi-capability"):
        kind = s["check"]["kind"]
        if kind in seen:
            continue
        seen.add(kind)
        if len(seen) % 2 == 1:
            text = "Working it through with the engine's definitions.\n" + sp.reference_answer(s)
        else:
            text = "ANSWER: NONE"
        out.append({"suite": "spi-capability", "id": s["id"], "output": text})
    inter = samples("spi-interactive")[:3]
    out.append({"suite": "spi-interactive", "id": inter[0]["id"], "output": sp.reference_answer(inter[0])})
    out.append({"suite": "spi-interactive", "id": inter[1]["id"], "output": "```\nmain { return ; }\n```"})
    out.append({"suite": "spi-interactive", "id": inter[2]["id"], "output": "I cannot write programs."})
    with open(OUT, "w") as f:
        for o in out:
            f.write(json.dumps({"canary": CANARY, "version": "1-0", **o}) + "\n")


if __name__ == "__main__":
    main()
