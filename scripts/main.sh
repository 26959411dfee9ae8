#!/usr/bin/env bash
# The main job: sets up on a fresh machine (offline but for the package registries), then analyses
# the agenda's example games with the exact engine and writes the results under out/main/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
spi=./target/release/spi
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
echo "JSON results written to $out/"
