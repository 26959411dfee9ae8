#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (the default model), then
# runs formatting, lints and every test of the workspace. `.ci/run` calls exactly this.
# Live tests on the real local model run with SPI_LIVE_LOCAL_MODEL=1 (off by default: in the dev
# profile they take minutes; the run says so loudly).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== setup (dev build, default model)"
scripts/setup.sh dev
echo "== cargo test"
if [ "${SPI_LIVE_LOCAL_MODEL:-0}" != 1 ]; then
  echo "== NOTE: live tests on the real local model are OFF (set SPI_LIVE_LOCAL_MODEL=1 to run them)"
fi
cargo test --workspace --locked --no-fail-fast
