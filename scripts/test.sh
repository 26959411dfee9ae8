#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need, then runs formatting,
# lints and every test of the workspace. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
SPI_LIVE_LOCAL_MODEL="${SPI_LIVE_LOCAL_MODEL:-1}" cargo test --workspace --locked
