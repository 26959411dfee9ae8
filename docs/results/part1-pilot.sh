#!/usr/bin/env bash
# The Part I pilot on the embedded default model (docs/results/part1-pilot.md): a stratified sample of
# each suite in the baseline and in one arm. Stratified: every EVERY-th family (in id order; default 6), one
# variant per family (v1, v2, v3 in turn, so domains vary), its main item and its matched control,
# first option order; and every (EVERY*22)-th generated capability item. Usage:
#   SPI=target/debug/spi LOG_DIR=/tmp/part1 [EVERY=6] [MODEL=local:smollm2] [KEEP_GOING=1] \
#     docs/results/part1-pilot.sh [ARM ...]
# KEEP_GOING=0 stops at the first run that does not end in success (the main job sets it).
set -euo pipefail
cd "$(dirname "$0")/../.."
spi=${SPI:-target/debug/spi}
logs=${LOG_DIR:-out/part1-pilot}
every=${EVERY:-6}
model=${MODEL:-local:smollm2}
arms=("$@")
[ ${#arms[@]} -gt 0 ] || arms=(baseline primer)

. "docs/results/part1-sample.sh"

sample() {
  local suite=$1
  if [ "$suite" = spi-capability ]; then
    ids_of "$suite" | awk -v n=$((every * 22)) 'NR % n == 1'
    return
  fi
  family_sample "$suite" "$every"
}

for arm in "${arms[@]}"; do
  for suite in premature-commitment implementation-lockout missed-spis spi-reasoning undermining-incentives over-correction spi-capability; do
    args=()
    while read -r id; do args+=(--sample-id "$id"); done < <(sample "$suite")
    armflag=()
    [ "$arm" = baseline ] || armflag=(--arm "$arm")
    echo "== $suite, arm $arm: ${#args[@]} / 2 samples" >&2
    CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-2} "$spi" eval run "suites/$suite/suite.toml" --model "$model" \
      --log-dir "$logs/$suite" --max-connections 1 "${armflag[@]}" "${args[@]}" --resume || [ "${KEEP_GOING:-1}" = 1 ]
  done
done
