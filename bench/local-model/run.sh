#!/usr/bin/env bash
# Decode speed of spi-local (candle) against llama.cpp on the same GGUF, same prompt, same
# number of greedy steps, measured in one run; prints a table with ratios.
#
#   bench/local-model/run.sh [MODEL.gguf] [STEPS] [RUNS]
#
# MODEL defaults to the cached SmolLM2 (`spi model path smollm2`, or $SPI_CACHE_DIR/models/...).
# llama.cpp comes from PyPI's llama-cpp-python, built from source for this CPU in
# bench/local-model/.venv (first run: several minutes). Set SKIP_LLAMA_CPP=1 to measure only ours.
# Ours is built for the host CPU (.cargo/config.toml sets -C target-cpu=native): candle picks its
# AVX kernels at compile time.
# Threads: candle sizes its pool once per process from CANDLE_NUM_THREADS, so each thread count
# is a separate process. Run it on an otherwise idle machine: two-thread figures collapse when
# the other core is busy.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SPI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/safepareto}"
model="${1:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
steps="${2:-128}"
runs="${3:-3}"
[ -f "$model" ] || { echo "no model at $model: run \`spi model fetch smollm2\` first" >&2; exit 2; }
out="$here/out"
mkdir -p "$out"
log="$out/results.jsonl"
: > "$log"

cargo build --release --quiet -p spi-local --example local_bench --manifest-path "$root/Cargo.toml"
bench="${CARGO_TARGET_DIR:-$root/target}/release/examples/local_bench"

if [ -z "${SKIP_LLAMA_CPP:-}" ]; then
  if [ ! -x "$here/.venv/bin/python" ] || ! "$here/.venv/bin/python" -c 'import llama_cpp' 2>/dev/null; then
    python3 -m venv "$here/.venv"
    CMAKE_ARGS="-DGGML_NATIVE=ON" "$here/.venv/bin/pip" install --quiet llama-cpp-python==0.3.36
  fi
fi

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/env.txt"
for t in 1 2; do
  for w in as-stored q8; do
    CANDLE_NUM_THREADS=$t RAYON_NUM_THREADS=$t "$bench" "$model" "$steps" "$runs" "$w" | tee -a "$log"
  done
  if [ -z "${SKIP_LLAMA_CPP:-}" ]; then
    "$here/.venv/bin/python" "$here/llama_cpp_bench.py" "$model" "$t" "$steps" "$runs" | tee -a "$log"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"
echo
python3 "$here/table.py" "$log" | tee "$out/table.txt"
