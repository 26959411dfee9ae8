#!/usr/bin/env bash
# The Part I pilot on the embedded default model (docs/results/part1-pilot.md): a stratified sample of
# each suite in the baseline and in one arm. Stratified: every third family (in id order), one
# variant per family (v1, v2, v3 in turn, so domains vary), its main item and its matched control,
# first option order; and every 65th generated capability item. Usage:
#   SPI=target/debug/spi LOG_DIR=/tmp/part1 docs/results/part1-pilot.sh [ARM ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
spi=${SPI:-target/debug/spi}
logs=${LOG_DIR:-out/part1-pilot}
arms=("$@")
[ ${#arms[@]} -gt 0 ] || arms=(baseline primer)

ids_of() { grep -o '"id":"[^"]*"' "suites/$1/items.jsonl" | sed 's/"id":"\(.*\)"/\1/'; }

sample() {
  local suite=$1
  if [ "$suite" = spi-capability ]; then
    ids_of "$suite" | awk 'NR % 65 == 1'
    return
  fi
  ids_of "$suite" | sed 's/--v[0-9]*--.*//' | uniq | awk 'NR % 3 == 1' | {
    k=0
    while read -r fam; do
      v=$(( k % 3 + 1 )); k=$((k + 1))
      echo "$fam--v$v--main--o0"
      echo "$fam--v$v--control--o0"
    done
  }
}

for arm in "${arms[@]}"; do
  for suite in premature-commitment implementation-lockout missed-spis spi-reasoning undermining-incentives over-correction spi-capability; do
    args=()
    while read -r id; do args+=(--sample-id "$id"); done < <(sample "$suite")
    armflag=()
    [ "$arm" = baseline ] || armflag=(--arm "$arm")
    echo "== $suite, arm $arm: ${#args[@]} / 2 samples" >&2
    CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-2} "$spi" eval run "suites/$suite/suite.toml" --model local:smollm2 \
      --log-dir "$logs/$suite" --max-connections 1 "${armflag[@]}" "${args[@]}" --resume || true
  done
done
