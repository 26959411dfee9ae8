#!/usr/bin/env bash
# Runs the Gambit cross-check or a peer speed bench on a fresh machine: makes a Python venv with
# pygambit (and, for `enumeration`, QuantEcon) from PyPI (bench/.venv, reused when present),
# installs lrslib's lrsnash from Debian when it is missing and we are root, builds `spi` in
# release, then runs the script.
#
#   bench/gambit/run.sh crosscheck [--count N] [--seed S] [--max-size K]   # vs Gambit enummixed
#   bench/gambit/run.sh speed [--games N] [--quick]         # issue 2's table in RESULTS.md
#   bench/gambit/run.sh enumeration [--games N] [--sizes 8 10 ...]  # vs QuantEcon, lrsnash, Gambit
#
# Environment: SPI (a built binary to use instead of building a release one; scripts/test.sh passes
# its debug build), CARGO_TARGET_DIR (default target/), PYTHON (default python3),
# PYGAMBIT_VERSION (default 16.7.0) and QUANTECON_VERSION (default 0.11.4), the versions the
# results were measured with.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

what="${1:-}"
case "$what" in
  crosscheck|speed|enumeration) shift ;;
  *) echo "usage: $0 crosscheck|speed|enumeration [options]" >&2; exit 2 ;;
esac

venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import pygambit" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pygambit==${PYGAMBIT_VERSION:-16.7.0}"
fi

if [ "$what" = enumeration ] && ! "$venv/bin/python" -c "import quantecon" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "quantecon==${QUANTECON_VERSION:-0.11.4}"
fi

if [ "$what" != crosscheck ] && ! command -v lrsnash >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq lrslib >/dev/null
  else
    echo "lrsnash not found (Debian package lrslib); its rows will be skipped" >&2
  fi
fi
# enumeration.py reads peak RSS through GNU time (Debian package time).
if [ "$what" = enumeration ] && [ ! -x /usr/bin/time ]; then
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

target="${CARGO_TARGET_DIR:-$root/target}"
spi="${SPI:-$target/release/spi}"
if [ -z "${SPI:-}" ]; then
  cargo build --release --quiet -p spi-cli
fi
if [ "$what" != crosscheck ]; then
  # The in-library timer (crates/spi-games/benches/solve_files.rs), built with the bench profile.
  cargo bench --quiet -p spi-games --bench solve_files --no-run
fi

exec "$venv/bin/python" "$here/$what.py" --spi "$spi" "$@"
