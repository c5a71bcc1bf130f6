#!/usr/bin/env bash
# Redraws docs/figures (each SVG with the CSV of what it draws) from the runs committed in docs/runs, with the
# commands the README gives: `nanodemon analyze RUN --friction-kg-per-s 3.434e-12 --plots`, run on copies so
# that docs/runs keeps only heat.csv and run.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NANODEMON:-target/release/nanodemon}
friction=3.434e-12
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/figures
copy() { # run-directory name under docs/runs, destination
    mkdir -p "$work/$1"
    for d in docs/runs/"$1"/ docs/runs/"$1"/*/; do
        [ -f "$d/heat.csv" ] || continue
        rel=${d#docs/runs/}
        mkdir -p "$work/$rel"
        cp "$d/heat.csv" "$d/run.json" "$work/$rel"
    done
}
place() { # figure directory, figure stem, name in docs/figures
    for ext in svg csv; do cp "$1/$2.$ext" "docs/figures/$3.$ext"; done
}
for run in refrigerator heater; do
    copy "paper-$run"
    "$bin" analyze "$work/paper-$run" --friction-kg-per-s "$friction" --plots > /dev/null
    place "$work/paper-$run/figures" fig2_heat_work "fig2_${run}_paper_2ns"
done
place "$work/paper-refrigerator/figures" fig5_power_cop fig5_refrigerator_paper_2ns
copy sweep-small
"$bin" analyze "$work/sweep-small" --friction-kg-per-s "$friction" --plots > /dev/null
for f in fig3_rates_entropy_power fig4_cop fig6_uncertainty_tur; do
    place "$work/sweep-small/figures" "$f" "${f}_small_sweep"
done
ls docs/figures
