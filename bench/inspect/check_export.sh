#!/usr/bin/env bash
# Checks that Inspect's own reader (inspect_ai.log.read_eval_log) loads a log exported by
# `spi eval export --format inspect`, with samples, scores and errors intact.
# Usage: bench/inspect/check_export.sh   (INSPECT_VENV=dir to reuse a venv, SPI=path to a binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${INSPECT_VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import inspect_ai" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q inspect_ai openai
fi
spi=${SPI:-}
if [ -z "$spi" ]; then
  cargo build -q --release -p spi-cli --manifest-path "$root/Cargo.toml"
  spi="${CARGO_TARGET_DIR:-$root/target}/release/spi"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Two epochs, a mock that gets some answers right, and one sample id that does not parse as a
# number so every field kind is exercised.
"$spi" eval run "$root/crates/spi-eval/test_data/pd_suite.toml" --model "mock:const:ANSWER: B" \
  --log-dir "$tmp/logs" --epochs 2 --json > "$tmp/summary.json"
"$spi" eval export latest --format inspect --log-dir "$tmp/logs" --out "$tmp/log.json" > /dev/null
"$venv/bin/python" - "$tmp/log.json" <<'PY'
import sys
import inspect_ai
from inspect_ai.log import read_eval_log
log = read_eval_log(sys.argv[1])
assert log.status == "success", log.status
assert log.samples is not None and len(log.samples) == 22, len(log.samples or [])
ids = {(s.id, s.epoch) for s in log.samples}
assert len(ids) == 22
scored = [s for s in log.samples if s.scores]
assert len(scored) == 22
names = sorted(sc.name for sc in log.results.scores)
print(f"inspect_ai {inspect_ai.__version__}: read_eval_log loaded {len(log.samples)} samples, "
      f"task={log.eval.task!r}, model={log.eval.model!r}, scorers={names}, "
      f"accuracy={[round(sc.metrics['accuracy'].value, 3) for sc in log.results.scores]}")
PY
