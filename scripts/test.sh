#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (the default model), then
# runs formatting, lints, every test of the workspace, the Python package's tests and the Gambit
# cross-check. `.ci/run` calls exactly this.
# The live tests on the real local model (token ids and greedy replies against llama.cpp's, and
# `spi eval run` through `spi serve` on SmolLM2, the main script on the real model) run by default:
# setup fetched the model, and they take about a minute. SPI_LIVE_LOCAL_MODEL=0 turns them off (the
# run says so loudly).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== setup (dev build, default model)"
scripts/setup.sh dev
echo "== headless Chromium for the viewer's browser test (Debian's chromium package)"
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends chromium >/dev/null; } ||
    { echo "test.sh: could not install Debian's chromium (needed by the viewer's browser test; SPI_BROWSER_TESTS=0 skips it)" >&2; exit 1; }
fi
export SPI_BROWSER_TESTS="${SPI_BROWSER_TESTS:-1}"
echo "== cargo test"
export SPI_LIVE_LOCAL_MODEL="${SPI_LIVE_LOCAL_MODEL:-1}"
if [ "$SPI_LIVE_LOCAL_MODEL" != 1 ]; then
  echo "== NOTE: live tests on the real local model are OFF (SPI_LIVE_LOCAL_MODEL=$SPI_LIVE_LOCAL_MODEL)"
fi
cargo test --workspace --locked --no-fail-fast
# The Python package: the wheel built into python/.venv, pytest and the docstring examples
# (parity with `spi --json`, the Inspect tasks scored like `spi eval run`).
echo "== python package (scripts/python-test.sh)"
SPI=target/debug/spi scripts/python-test.sh
echo "== spi suite lint (every family's key from its model, every generated item re-verified)"
target/debug/spi suite lint
# A peer check on every run: our extreme equilibria must equal Gambit's exact enummixed, as sets of
# rationals, on 408 seeded games up to 6x6, many degenerate (pygambit from PyPI in bench/.venv;
# about 20 s plus the install). bench/gambit/RESULTS.md has the larger runs.
echo "== peer cross-check: exact equilibria against Gambit enummixed"
SPI=target/debug/spi bench/gambit/run.sh crosscheck --count 400 --max-size 6 --seed 11
