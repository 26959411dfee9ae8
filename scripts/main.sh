#!/usr/bin/env bash
# The main job: sets up on a fresh machine (offline but for the package registries), then analyses
# the agenda's example games with the exact engine (equilibria, PMM, bargaining, SPI search, program
# games), runs the harness's evaluation suite on the embedded default model, and writes results under out/main/.
# The test suite runs this script as it is (crates/spi-cli/tests/main_script.rs) with three
# overrides: SPI_BIN (a built binary; skips setup), SPI_MAIN_OUT (the output directory) and
# SPI_MAIN_MODEL (the evaluated model, default local:smollm2).
set -euo pipefail
cd "$(dirname "$0")/.."

spi=${SPI_BIN:-$(scripts/setup.sh release)}
model=${SPI_MAIN_MODEL:-local:smollm2}
out=${SPI_MAIN_OUT:-out/main}
mkdir -p "$out"

for g in demand-game prisoners-dilemma chicken scheduling; do
  echo "===== $g"
  $spi game show "$g"
  $spi game reduce "$g"
  $spi game equilibria "$g"
  $spi game threat "$g"
  $spi game pmm "$g"
  $spi game bargain "$g"
  for cmd in reduce equilibria threat pmm bargain; do
    $spi game "$cmd" "$g" --json > "$out/$g.$cmd.json"
  done
done
echo "===== SPI search (Oesterheld & Conitzer)"
$spi spi search demand-game
$spi spi search demand-game --json > "$out/demand-game.spi-search.json"
$spi spi search prisoners-dilemma

echo "===== program games (DiGiovanni et al.; open-source agents)"
$spi program run renegotiation-slot1 renegotiation-slot2 --game scheduling
$spi program tournament cooperatebot,defectbot,cliquebot,fairbot-eps,oc-program-equilibrium --game program-pd --export "$out/program-game.json"
$spi program tournament cooperatebot,defectbot,fairbot,prudentbot --game program-pd
$spi game equilibria "$out/program-game.json" --method pure

echo "===== SPI lock-out (Part II): the checklist, the library's witnesses, an audit of an example policy"
$spi lockout checklist
$spi lockout checklist --format markdown > "$out/lockout-checklist.md"
$spi lockout scenarios
$spi lockout witness lo-value-freeze-unreachable
$spi lockout check lockout/examples/agent-deployment-policy.md
$spi lockout check lockout/examples/agent-deployment-policy.md --format sarif > "$out/lockout-audit.sarif"
$spi lockout score

echo "===== Part I: a slice of every suite on the embedded default model (offline), baseline and the primer arm"
# One family per suite (its main item and matched control) and one generated capability item; the
# full pilot and its analysis are in docs/results/part1-pilot.md (same script, EVERY=6).
EVERY=1000 SPI="$spi" MODEL="$model" LOG_DIR="$out/part1" KEEP_GOING=0 docs/results/part1-pilot.sh baseline primer
$spi suite report missed-spis --log-dir "$out/part1/missed-spis"
echo "Part I pilot report: docs/results/part1-pilot.md"

echo "===== research benchmark (Part III): a small slice on the same model, two modes"
for mode in end_to_end engine_loop; do
  $spi research run --model "$model" --mode "$mode" --class exact-computation --tier 1 --limit 1 \
    --rounds 2 --max-tokens 128 --max-connections 1 --log-dir "$out/research-logs" --quiet
done
$spi research report "$out/research-logs" | tee "$out/research-report.md"
echo "results written to $out/"
