#!/usr/bin/env bash
# The Python package's tests: builds the `safepareto` wheel (crates/spi-py via maturin, dev profile
# so it reuses the workspace's compiled dependencies), installs it into python/.venv with Inspect,
# NumPy and pandas from PyPI, then runs pytest (parity with `spi --json`, the Inspect replay, the
# API) and the docstring examples. scripts/test.sh calls this near its end.
#
# Environment: SPI (the `spi` binary the parity tests compare with; default target/debug/spi,
# built when missing), PYTHON (default python3), CARGO_TARGET_DIR.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$root/python/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
# Pinned to what the tests were written against; pip skips what is already installed.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  "maturin==1.16.0" "inspect-ai==0.3.285" "openai>=1.60,<4" "pytest>=8,<9" numpy pandas

target="${CARGO_TARGET_DIR:-$root/target}"
spi="${SPI:-$target/debug/spi}"
if [ ! -x "$spi" ]; then
  cargo build --quiet --locked -p spi-cli
fi

echo "== maturin build (dev profile) and install the wheel"
rm -rf "$root/python/dist"
# The wheel carries the suites and the research benchmark (the Inspect tasks' data), copied fresh so that it holds exactly
# the committed content; python/safepareto/data is build output (gitignored).
rm -rf "$root/python/safepareto/data"
mkdir -p "$root/python/safepareto/data"
cp -R "$root/suites" "$root/python/safepareto/data/suites"
cp -R "$root/research" "$root/python/safepareto/data/research"
# From python/, where pyproject.toml names the crate; --locked: the committed Cargo.lock, as in CI.
(cd "$root/python" && VIRTUAL_ENV="$venv" "$venv/bin/maturin" build --quiet --profile dev --locked \
  -o "$root/python/dist" -i "$venv/bin/python")
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
  "$root"/python/dist/safepareto-*.whl

echo "== pytest (parity with spi --json, Inspect replay, API, docstring examples)"
# Run from tests/ with the venv's pytest (not `python -m pytest`), so the installed wheel is what
# is imported, not the source folder python/safepareto (which has no compiled extension).
cd "$root/python/tests"
SPI="$spi" "$venv/bin/pytest" -q -p no:cacheprovider -W ignore::DeprecationWarning .
