#!/usr/bin/env bash
# Instructions per sample per channel of the metering engine, counted by
# callgrind. Usage: scripts/bench-instructions.sh [BUILD_DIR] [RATE] [SECONDS]
set -euo pipefail
build=${1:-build/release}
rate=${2:-8000}
secs=${3:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cmake --build "$build" --target maic_dsp_instructions >/dev/null
line=$(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg.%p" \
  "$build/bench/maic_dsp_instructions" "$rate" "$secs" 2>/dev/null)
samples=$(awk '/channel_samples/ {print $2}' <<<"$line")
# The dump named "engine" holds exactly the instrumented region.
file=$(grep -l '^desc: Trigger: Client Request: engine' "$out"/cg.* | head -1)
instr=$(awk '/^totals:/ {print $2}' "$file")
awk -v i="$instr" -v s="$samples" -v r="$rate" \
  'BEGIN { printf "rate %d Hz: %d instructions for %d channel samples = %.2f instructions per sample per channel\n", r, i, s, i / s }'
