#!/usr/bin/env bash
# Issue 12's speed measurements on a lent GPU, as one prepared script (GPU-NOTES.md: carry the binary and the
# Vulkan loader packages in .gl/). The paper system single, then R = 4, 8, 16 replicas in the same dispatches,
# then the batched-vs-single byte-identity test on the real card.
#
# Here:  cargo build --release; cargo test --release --test gpu_batch --no-run   (prints tests/gpu_batch.rs's
#        binary, target/release/deps/gpu_batch-HASH); cp both into .carry/ (see .git/info/exclude)
# There: for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig;
#        scripts/gpu-batch-bench.sh .carry/nanodemon .carry/gpu_batch "$OUT"
# Writes gpus.json, bench-R*.json (per-replica and aggregate steps/s, ns/day, host recording and GPU time per
# step, memory per replica) and gpu_batch.log into the output folder. About 4 minutes on an H100.
set -euo pipefail
bin=$1
tests=$2
out=$3
mkdir -p "$out"
export WGPU_BACKEND=vulkan XDG_RUNTIME_DIR=/tmp NANODEMON_REQUIRE_GPU=1
"$bin" gpus --json | tee "$out/gpus.json"
"$bin" bench --backend gpu --scenario scenarios/paper-refrigerator.json --steps 20000 --warmup 2000 --json \
  | tee "$out/bench-R1.json"
for r in 4 8 16; do
  "$bin" bench --backend gpu --scenario scenarios/paper-refrigerator.json --replicas "$r" --steps 5000 \
    --warmup 500 --json | tee "$out/bench-R$r.json"
done
# The test binary finds scenarios/ through the checkout path it was built in (CARGO_MANIFEST_DIR).
built_in=${NANODEMON_BUILT_IN:-/work/main}
[ -e "$built_in" ] || { mkdir -p "$(dirname "$built_in")"; ln -s "$PWD" "$built_in"; }
"$tests" --test-threads 1 2>&1 | tee "$out/gpu_batch.log"
