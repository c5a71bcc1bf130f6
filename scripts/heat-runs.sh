#!/usr/bin/env bash
# Runs the paper heater and refrigerator side by side on one GPU (each alone leaves the GPU mostly idle
# between dependent dispatches), resuming either from its checkpoint if an earlier call was cut short.
# Usage: scripts/heat-runs.sh BINARY RUNS_DIR PRODUCTION_PS
set -euo pipefail
bin=$1 runs=$2 ps=$3
mkdir -p "$runs"
for s in heater refrigerator; do
  resume=()
  [ -f "$runs/$s/checkpoint.ckpt" ] && resume=(--resume)
  "$bin" run "scenarios/paper-$s.json" --backend gpu --out "$runs/$s" --time-ps "$ps" "${resume[@]}" --json \
    >"$runs/$s.summary.json" 2>"$runs/$s.log" &
done
wait
