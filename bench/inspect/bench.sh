#!/usr/bin/env bash
# `spi eval run` beside Inspect, measured in one run.
#   bench/inspect/bench.sh          speed: the same 1,000-sample multiple-choice dataset against the
#                                   same local zero-latency mock OpenAI server, at concurrency 1 and
#                                   64 (bench.py; BENCH_SAMPLES=n changes the size; needs GNU time)
#   bench/inspect/bench.sh faults   behaviour against one scripted faulty server, then finishing
#                                   the run once it heals (faults.py)
# INSPECT_VENV=dir reuses a venv, SPI=path uses a built binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export INSPECT_VENV=${INSPECT_VENV:-$here/.venv}
if [ ! -x "$INSPECT_VENV/bin/inspect" ]; then
  python3 -m venv "$INSPECT_VENV"
  "$INSPECT_VENV/bin/pip" install -q inspect_ai openai
fi
if [ -z "${SPI:-}" ]; then
  cargo build -q --release -p spi-cli --manifest-path "$root/Cargo.toml"
  export SPI="${CARGO_TARGET_DIR:-$root/target}/release/spi"
fi
case "${1:-speed}" in
  speed) exec "$INSPECT_VENV/bin/python" "$here/bench.py" ;;
  faults) exec "$INSPECT_VENV/bin/python" "$here/faults.py" ;;
  *) echo "usage: bench/inspect/bench.sh [speed|faults]" >&2; exit 2 ;;
esac
