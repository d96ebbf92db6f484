#!/usr/bin/env bash
# bench/device.sh: the GPU checks of issue #17 in one go, under 8 minutes, results as JSON in $OUT (bench/README.md).
#   JAVA=... CP=... OUT=/tmp/out bench/device.sh
# JAVA and CP come from the workplace's device kit (DEVICE_KIT): a jlinked JRE, thin jars and TensorFlow's GPU natives.
# On a CPU: JAVA=java CP="recipes/target/classes:...:$(mvn dependency:build-classpath ...)" LIQUID_BENCH_SHAPE=tiny-llama.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${JAVA:?JAVA must name a java binary (the device kit, DEVICE_KIT, sets JAVA and CP)}"
: "${CP:?CP must be the classpath of liquidj and TensorFlow (the device kit sets it)}"
out="${OUT:-$root/bench-out}"
shape="${LIQUID_BENCH_SHAPE:-llama3.2-1b}"
image_codes="${LIQUID_BENCH_IMAGE_CODES:-8192}"
batch="${LIQUID_BENCH_BATCH_SIZE:-4}"
seq_len="${LIQUID_BENCH_SEQ_LEN:-2048}"
grid="${LIQUID_BENCH_GRID:-16}" # grid × grid image codes: 16 → 256
warmup="${LIQUID_BENCH_WARMUP_STEPS:-2}"
steps="${LIQUID_BENCH_STEPS:-5}"
peak_flops="${LIQUID_PEAK_FLOPS:-989e12}" # H100/H200 SXM dense bf16
budget="${LIQUID_BENCH_BUDGET_S:-450}"    # every step stops by this many seconds after the start
fixtures="${LIQUID_FIXTURES:-$root/testdata/hf}"
mkdir -p "$out"
log="$out/device.log"
: >"$log"
deadline=$((SECONDS + budget))
# f32 stays f32 on Ampere and later (as ./liquid does); parallel processes share the GPU.
export NVIDIA_TF32_OVERRIDE=0 TF_FORCE_GPU_ALLOW_GROWTH=true TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"

# liquid HEAP SECONDS LOGFILE ARGS...: one CLI command, stopped at SECONDS or the deadline; prints its status.
liquid() {
  local heap="$1" limit="$2" file="$3"
  shift 3
  local left=$((deadline - SECONDS))
  ((left < limit)) && limit=$left
  if ((limit <= 5)); then
    echo "skipped: out of time" >"$file"
    echo skipped
    return
  fi
  timeout -k 10 "$limit" "$JAVA" "-Xmx$heap" -Duser.language=en -Duser.country=US -cp "$CP" \
    io.liquidj.recipes.Main "$@" >"$file" 2>&1
  local rc=$?
  case $rc in
    0) echo ok ;;
    124 | 137) echo "timeout after ${limit} s" ;;
    *) echo "failed (exit $rc)" ;;
  esac
}

# field FILE SED-REGEX: the first match's \1 as a JSON number, or null.
field() {
  local v
  v="$(sed -n -E "s/$2/\1/p" "$1" 2>/dev/null | head -n 1 | tr -d ,)"
  [[ "$v" =~ ^-?[0-9.]+([eE][-+]?[0-9]+)?$ ]] && echo "$v" || echo null
}

json_string() {
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\037')"
}

append_log() {
  { echo "===== $1"; cat "$2"; echo; } >>"$log"
}

gpu="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n 1)"
echo "GPU: ${gpu:-none (nvidia-smi not found)}"

# (1) Parity: logits of the four transformers fixtures, f32 (≤ 1e-4) and bf16 (reported), all eight at once.
declare -a parity=()
pids=()
for model in llama3 qwen2.5 gemma gemma2; do
  for precision in f32 bf16; do
    ( status="$(liquid 2g 120 "$out/parity-$model-$precision.txt" logits "$fixtures/$model" \
        "$fixtures/$model/io.safetensors" "$out/parity-$model-$precision.safetensors" \
        --precision "$precision" --compare "$fixtures/$model/io.safetensors")"
      echo "$status" >"$out/parity-$model-$precision.status" ) &
    pids+=($!)
  done
done
wait "${pids[@]}"
for model in llama3 qwen2.5 gemma gemma2; do
  for precision in f32 bf16; do
    file="$out/parity-$model-$precision.txt"
    diff="$(field "$file" '^max_abs_diff ([^ ]+) .*')"
    pass=null
    if [[ "$precision" == f32 && "$diff" != null ]]; then
      pass="$(awk -v d="$diff" 'BEGIN { print (d <= 1e-4) ? "true" : "false" }')"
    fi
    parity+=("{\"model\": \"$model\", \"precision\": \"$precision\", \"status\": $(json_string "$(cat "$out/parity-$model-$precision.status")"), \"max_abs_diff\": $diff, \"within_1e-4\": $pass}")
    append_log "logits $model $precision" "$file"
    rm -f "$file" "$out/parity-$model-$precision.status" "$out/parity-$model-$precision.safetensors"
  done
done
echo "parity done at ${SECONDS} s"

# (2) bench-train, bf16, without and with XLA, on every GPU TensorFlow sees (distributed.devices = auto, #16).
declare -a train=()
for xla in false true; do
  file="$out/train-xla-$xla.txt"
  status="$(liquid 16g 170 "$file" bench-train "backbone=$shape" "trainer.image-codes=$image_codes" \
    "trainer.batch-size=$batch" "trainer.seq-len=$seq_len" trainer.precision=bf16 "trainer.xla=$xla" distributed.devices=auto \
    "trainer.peak-flops=$peak_flops" "bench-train.warmup-steps=$warmup" "bench-train.steps=$steps")"
  train+=("{\"xla\": $xla, \"status\": $(json_string "$status"), \"devices\": $(field "$file" '^memory estimate \(([0-9]+) device.*'), \"memory_estimate_gib_per_device\": $(field "$file" '^total +([0-9.]+) GiB per device.*'), \"step_ms_median\": $(field "$file" '^step time: mean [0-9.]+ ms, median ([0-9.]+) ms.*'), \"step_ms_mean\": $(field "$file" '^step time: mean ([0-9.]+) ms.*'), \"tokens_per_s\": $(field "$file" '^tokens\/s: ([0-9.]+).*'), \"mfu_percent\": $(field "$file" '^MFU: ([0-9.]+)%.*'), \"gpu_memory\": $(json_string "$(sed -n 's/^GPU memory used (nvidia-smi): //p' "$file" | head -n 1)")}")
  append_log "bench-train xla=$xla" "$file"
  rm -f "$file"
  echo "bench-train xla=$xla: $status at ${SECONDS} s"
done

# (3) bench-generate: one guided image (batch 2) of grid × grid codes, bf16.
file="$out/generate.txt"
status="$(liquid 16g 120 "$file" bench-generate "generate.bench-backbone=$shape" "generate.grid-height=$grid" \
  "generate.grid-width=$grid" generate.precision=bf16)"
generate="{\"status\": $(json_string "$status"), \"codes\": $((grid * grid)), \"seconds_per_image\": $(field "$file" '^best: ([0-9.]+) s per.*'), \"prefill_ms\": $(field "$file" '^best: .*prefill ([0-9.]+) ms, decode.*'), \"decode_ms_per_step\": $(field "$file" '^best: .*decode ([0-9.]+) ms\/step.*'), \"decode_tokens_per_s\": $(field "$file" '^best: .*ms\/step = ([0-9.]+) tokens\/s.*')}"
append_log "bench-generate" "$file"
rm -f "$file"
echo "bench-generate: $status at ${SECONDS} s"

# (4) bench-load: a synthetic bf16 checkpoint of the shape, loaded.
file="$out/load.txt"
status="$(liquid 16g 90 "$file" bench-load "$shape")"
load="{\"status\": $(json_string "$status"), \"load_seconds\": $(field "$file" '^loaded .* in ([0-9.]+) s wall.*'), \"gb_per_s\": $(field "$file" '^loaded .*\(([0-9.]+) GB\/s.*'), \"peak_rss_gb\": $(field "$file" '^RSS before load .*\) ([0-9.]+) GB, RSS after.*')}"
append_log "bench-load" "$file"
rm -f "$file"
echo "bench-load: $status at ${SECONDS} s"

join() { local IFS=,; echo "$*"; }
cat >"$out/results.json" <<JSON
{
  "gpu": $(json_string "$gpu"),
  "shape": $(json_string "$shape"),
  "image_codes": $image_codes,
  "batch_size": $batch,
  "seq_len": $seq_len,
  "seconds": $SECONDS,
  "parity": [$(join "${parity[@]}")],
  "bench_train_bf16": [$(join "${train[@]}")],
  "bench_generate_bf16": $generate,
  "bench_load": $load
}
JSON
cat "$out/results.json"
