#!/usr/bin/env bash
# The kernel-level GPU conformance suite and `compare` on a real card, as one prepared script for a lent
# device (GPU-NOTES.md: carry the binaries, they load libvulkan at run time).
#
# Here:  cargo test --release --lib --no-run   (prints the lib test binary, target/release/deps/nanodemon-HASH)
#        cp that binary .carry/nanodemon-lib-tests; cp target/release/nanodemon .carry/
# There: scripts/gpu-conformance.sh .carry/nanodemon-lib-tests .carry/nanodemon "$OUT"
# Writes gpus.json, conformance.log (worst |Δ|/tolerance per quantity) and compare.json into the output folder.
set -euo pipefail
tests=$1
bin=$2
out=$3
mkdir -p "$out"
export WGPU_BACKEND=vulkan XDG_RUNTIME_DIR=/tmp NANODEMON_REQUIRE_GPU=1
"$bin" gpus --json | tee "$out/gpus.json"
"$tests" engine::gpu::conformance:: --test-threads 1 --nocapture 2>&1 | tee "$out/conformance.log"
"$bin" compare scenarios/small-heater.json --steps 500 --every 100 --json | tee "$out/compare.json"
