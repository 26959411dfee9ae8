#!/usr/bin/env bash
# What `spi eval run` and Inspect do against the same scripted faulty server, and how each
# finishes the run once the server heals (see faults.py). Usage: bench/inspect/faults.sh
# (INSPECT_VENV=dir to reuse a venv, SPI=path to a built binary).
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
exec "$INSPECT_VENV/bin/python" "$here/faults.py"
