#!/usr/bin/env bash
# The main job: sets up on a fresh machine (offline but for the package registries), then analyses
# the agenda's example games with the exact engine (equilibria, PMM, bargaining, SPI search, program
# games), runs the harness's evaluation suite on the embedded default model, and writes results under out/main/.
set -euo pipefail
cd "$(dirname "$0")/.."

spi=$(scripts/setup.sh release)

out=out/main
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
$spi program tournament cooperatebot,defectbot,cliquebot,fairbot,prudentbot --game program-pd --export "$out/program-game.json"
$spi game equilibria "$out/program-game.json" --method pure

echo "===== evaluation on the embedded default model (offline)"
$spi eval run crates/spi-eval/test_data/pd_suite.toml --model local:smollm2 --log-dir "$out/logs" --max-connections 1
echo "results written to $out/"
