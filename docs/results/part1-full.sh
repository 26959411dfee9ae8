#!/usr/bin/env bash
# The Part I report on the embedded default model (docs/results/part1-report.md).
# Suite by suite, so that a suite's figures are complete (baseline and every arm, paired on the same
# samples) before the next suite starts, and a stopped run leaves whole suites behind:
#   baseline: every item of the suite;
#   each other arm: a stratified sample, the same for every arm: every family, one variant per
#     family (v1, v2, v3 in turn), its main item and its matched control, first option order; every
#     22nd generated capability item; every interactive item. 340 items per arm over the six family
#     suites, 447 with the generated and interactive ones.
# Every run resumes (`--resume`), so the script can be stopped and started again; a finished run is
# not repeated. Usage:
#   SPI=target/debug/spi LOG_DIR=out/part1 [MODEL=local:smollm2] [MAX_CONNECTIONS=8] \
#     [ARMS="primer checklist"] docs/results/part1-full.sh [all|SUITE...]
# Then `spi suite report SUITE --log-dir LOG_DIR/SUITE` per suite gives the tables of the report.
set -euo pipefail
cd "$(dirname "$0")/../.."
spi=${SPI:-target/debug/spi}
logs=${LOG_DIR:-out/part1}
model=${MODEL:-local:smollm2}
conns=${MAX_CONNECTIONS:-8}

all_suites=(premature-commitment implementation-lockout missed-spis spi-reasoning undermining-incentives
  over-correction spi-interactive spi-capability)
if [ $# -eq 0 ] || [ "$1" = all ]; then
  suites=("${all_suites[@]}")
else
  suites=("$@")
fi

. "docs/results/part1-sample.sh"

# The arm sample of one suite, one id per line.
sample() {
  local suite=$1
  case $suite in
    spi-capability) ids_of "$suite" | awk 'NR % 22 == 1' ;;
    spi-interactive) ids_of "$suite" ;;
    *)
      family_sample "$suite" 1
      ;;
  esac
}

# The arms a suite declares, in file order, or only those named in $ARMS (space-separated, in
# that order). The default moves the arms with long prompts (context-pack, about 3,400 tokens;
# few-shot) to the end, so a session's time goes to the short arms of a suite first.
arms_of() {
  local declared
  declared=$(grep -A1 '^\[\[arm\]\]' "suites/$1/suite.toml" | sed -n 's/^name = "\(.*\)"/\1/p')
  if [ -n "${ARMS:-}" ]; then
    for a in $ARMS; do
      grep -qx "$a" <<<"$declared" || { echo "part1-full: suite $1 declares no arm $a" >&2; exit 2; }
      echo "$a"
    done
    return
  fi
  grep -vx -e context-pack -e few-shot <<<"$declared" || true
  grep -x -e few-shot -e context-pack <<<"$declared" | sort -r || true
}

run() {
  local suite=$1
  shift
  CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-2} "$spi" eval run "suites/$suite/suite.toml" --model "$model" \
    --log-dir "$logs/$suite" --max-connections "$conns" --resume "$@" || [ "${KEEP_GOING:-1}" = 1 ]
}

for suite in "${suites[@]}"; do
  [ -f "suites/$suite/suite.toml" ] || { echo "part1-full: no suite $suite" >&2; exit 2; }
  arms_of "$suite" >/dev/null # refuses an unknown name in $ARMS before anything runs
  echo "== $suite, baseline: every item" >&2
  run "$suite"
  args=()
  while read -r id; do args+=(--sample-id "$id"); done < <(sample "$suite")
  while read -r arm; do
    echo "== $suite, arm $arm: $((${#args[@]} / 2)) sampled items" >&2
    run "$suite" --arm "$arm" "${args[@]}"
  done < <(arms_of "$suite")
done
