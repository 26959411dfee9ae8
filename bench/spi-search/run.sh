#!/usr/bin/env bash
# SPI search growth curve: the fast search against the naive enumeration of injections, measured in
# the same run on two seeded families of m x m games (an SPI planted by construction; the same
# dominated padding with no SPI), m = 4 ... 40, core k = max(2, m/4).
# Writes results/results.csv, results/results.md (median time per size, naive/fast ratio) and
# results/growth.svg (time against actions, log scale). The naive search is cut off after
# NAIVE_SECONDS (default 60) per instance; larger sizes of that family then skip it.
#
#   bench/spi-search/run.sh                      # full run (takes a few minutes)
#   INSTANCES=3 SIZES=4,8,12 bench/spi-search/run.sh   # quick look
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
cargo build --release -p spi-theory --example spi_search_growth
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/spi_search_growth"
"$bin" --out "$here/results" \
  --instances "${INSTANCES:-7}" \
  --naive-seconds "${NAIVE_SECONDS:-60}" \
  --sizes "${SIZES:-4,6,8,10,12,14,16,20,24,28,32,36,40}"
