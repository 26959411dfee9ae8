#!/usr/bin/env bash
# Speed of `spi eval run` against Inspect on the same 1,000-sample multiple-choice dataset and
# the same local zero-latency mock OpenAI server, at concurrency 1 and 64 (see bench.py).
# Usage: bench/inspect/bench.sh   (INSPECT_VENV=dir to reuse a venv, SPI=path to a release binary,
# BENCH_SAMPLES=n to change the size). Needs GNU time (/usr/bin/time).
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
exec "$INSPECT_VENV/bin/python" "$here/bench.py"
