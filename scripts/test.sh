#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (the default model), then
# runs formatting, lints and every test of the workspace. `.ci/run` calls exactly this.
# Live tests on the real local model run here (SPI_LIVE_LOCAL_MODEL=1); set it to 0 to skip them.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== setup (dev build, default model)"
scripts/setup.sh dev
echo "== cargo test"
SPI_LIVE_LOCAL_MODEL="${SPI_LIVE_LOCAL_MODEL:-1}" cargo test --workspace --locked
