#!/usr/bin/env bash
# Two measurements in one run, printed as two tables:
#
# 1. Prompt processing and decode speed of spi-local against llama.cpp on the same GGUF, same
#    prompt, same number of greedy steps (one sequence), with ratios.
# 2. Samples per second through `spi eval run --model local:smollm2` on a multiple-choice set
#    (the pd-basics suite's six `mc` items x 4 epochs = 24 samples, response cache off, model
#    load included: the whole process is timed) at --max-connections 1 and 8, for this checkout
#    ("after") and for BASE_REF ("before": default 8c9f482, the commit before batched decoding,
#    built from `git archive` into the same target directory, so only our crates rebuild).
#    SKIP_BEFORE=1 measures only this checkout; SPI_BEFORE=PATH uses a "before" binary built
#    earlier.
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

target="${CARGO_TARGET_DIR:-$root/target}"
# Two commands: with --example, cargo builds only example targets of every package named.
cargo build --release --quiet -p spi-local --example local_bench --manifest-path "$root/Cargo.toml"
cargo build --release --quiet -p spi-cli --manifest-path "$root/Cargo.toml"
bench="$target/release/examples/local_bench"
# Copies, because the BASE_REF build below writes the same target/release/spi.
cp "$target/release/spi" "$out/spi-after"
if [ -n "${SPI_BEFORE:-}" ]; then
  # A "before" binary built earlier (from BASE_REF) instead of building it again.
  cp "$SPI_BEFORE" "$out/spi-before"
elif [ -z "${SKIP_BEFORE:-}" ]; then
  base_ref="${BASE_REF:-8c9f482}"
  rm -rf "$out/base-src" && mkdir -p "$out/base-src"
  git -C "$root" archive "$base_ref" | tar -x -C "$out/base-src"
  CARGO_TARGET_DIR="$target" cargo build --release --quiet -p spi-cli --manifest-path "$out/base-src/Cargo.toml"
  cp "$target/release/spi" "$out/spi-before"
  rm -rf "$out/base-src"
fi

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

# samples/s: VERSION BINARY CONNECTIONS -> one JSON line
suite="$root/crates/spi-eval/test_data/pd_suite.toml"
ids=()
while read -r id; do ids+=(--sample-id "mc/$id"); done < <(grep -o '"id": "[^"]*"' "$root/crates/spi-eval/test_data/pd_mc.jsonl" | cut -d'"' -f4)
samples() {
  local version=$1 bin=$2 conns=$3 logs="$out/eval-$1-$3"
  rm -rf "$logs"
  local t0 t1
  t0=$(date +%s.%N)
  CANDLE_NUM_THREADS=2 "$bin" eval run "$suite" --model local:smollm2 --log-dir "$logs" \
    --max-connections "$conns" --epochs 4 --no-cache --json "${ids[@]}" > "$logs.json" 2> "$logs.err"
  t1=$(date +%s.%N)
  python3 - "$version" "$conns" "$t0" "$t1" "$logs.json" <<'PY'
import json, sys
version, conns, t0, t1, path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
summary = json.load(open(path))
n = summary["ok"]
print(json.dumps({"kind": "samples", "impl": f"spi eval local:smollm2 ({version})", "connections": conns,
                  "samples": n, "errors": summary["errors"], "prompt_tokens": summary["prompt_tokens"],
                  "completion_tokens": summary["completion_tokens"], "seconds": round(t1 - t0, 2),
                  "samples_per_second": round(n / (t1 - t0), 3)}))
PY
}
for conns in 1 8; do
  [ -z "${SKIP_BEFORE:-}" ] && samples before "$out/spi-before" "$conns" | tee -a "$log"
  samples after "$out/spi-after" "$conns" | tee -a "$log"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/env.txt"
echo
python3 "$here/table.py" "$log" | tee "$out/table.txt"
