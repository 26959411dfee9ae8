#!/usr/bin/env bash
# Speed of the Part I content machinery (issue 10): lint of everything, generation of 10,000 items,
# and every suite in every arm through the harness against `mock:`. Prints wall-clock seconds.
#
#   bench/suites/run.sh                 # uses target/release/spi (cargo build --release -p spi-cli)
#   SPI=target/debug/spi bench/suites/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SPI=${SPI:-target/release/spi}
[ -x "$SPI" ] || { echo "build $SPI first (cargo build --release -p spi-cli), or set SPI=" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(echo "$(date +%s.%N) - $s" | bc)"; }
echo "binary: $SPI"
echo "lint (every family, rendered and generated item, suite file): $(t "$SPI" suite lint) s"
echo "render (every family suite, --check):                         $(t "$SPI" suite render --check) s"
echo "generate 10,000 items:                                        $(t "$SPI" suite generate --seed 1 --count 10000 --out "$tmp/g.jsonl") s"
total=0
start=$(date +%s.%N)
for suite in suites/*/suite.toml; do
  arms=$(grep -A1 '^\[\[arm\]\]' "$suite" | sed -n 's/^name = "\(.*\)"/\1/p')
  for arm in baseline $arms; do
    flag=(); [ "$arm" = baseline ] || flag=(--arm "$arm")
    "$SPI" eval run "$suite" --model "mock:const:ANSWER: A" --log-dir "$tmp/logs" --no-cache "${flag[@]}" --json >/dev/null
    total=$((total + 1))
  done
done
echo "every suite in every arm against mock: ($total runs):            $(echo "$(date +%s.%N) - $start" | bc) s"
