#!/usr/bin/env bash
# safepareto from Python against Nashpy and pygambit on the same games, all measured in this run:
# builds a release extension (engine only: `--no-default-features` leaves out the harness), puts
# it in bench/python/.out/site ahead of the venv's packages, installs the pinned peers into
# python/.venv, and prints the table of bench/python/RESULTS.md.
#
#   bench/python/run.sh [--games N] [--repeats R] [--quick]
#
# Environment: PYTHON (default python3), NASHPY_VERSION (0.0.43), PYGAMBIT_VERSION (16.7.0).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/python/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==1.16.0" \
  "nashpy==${NASHPY_VERSION:-0.0.43}" "pygambit==${PYGAMBIT_VERSION:-16.7.0}" numpy
out="$here/.out"
rm -rf "$out/dist" "$out/site"
(cd "$root/python" && VIRTUAL_ENV="$venv" "$venv/bin/maturin" build --quiet --release --locked \
  --no-default-features -o "$out/dist" -i "$venv/bin/python")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --target "$out/site" \
  "$out"/dist/safepareto-*.whl
PYTHONPATH="$out/site" exec "$venv/bin/python" "$here/bench.py" "$@"
