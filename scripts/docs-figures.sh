#!/usr/bin/env bash
# Redraws docs/figures (each SVG with the CSV of what it draws) from the runs committed in docs/runs, with the
# commands the README gives: `nanodemon analyze RUN --friction-kg-per-s 3.434e-12 --plots`, run on copies so
# that docs/runs keeps only heat.csv and run.json. Where the system is paper-equilibrium's (the paper runs), the
# figures also draw the bath with memory fitted from it (`--bath-from`, issue 11): Fig. 5 of the refrigerator,
# Figs. 3, 4, 6 of the heater and refrigerator taken as a two-point κ sweep, and the equilibrium run's
# autocorrelations. The small sweep runs in 3.6-nm
# containers, another liquid, so its figures show the Markov theory only (`--bath-from` refuses it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NANODEMON:-target/release/nanodemon}
friction=3.434e-12
bath=docs/runs/paper-equilibrium
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
    "$bin" analyze "$work/paper-$run" --friction-kg-per-s "$friction" --plots --bath-from "$bath" > /dev/null
    place "$work/paper-$run/figures" fig2_heat_work "fig2_${run}_paper_2ns"
done
place "$work/paper-refrigerator/figures" fig5_power_cop fig5_refrigerator_paper_2ns
mkdir -p "$work/paper-pair"
for run in refrigerator heater; do cp -r "$work/paper-$run" "$work/paper-pair/$run"; rm -rf "$work/paper-pair/$run/figures"; done
"$bin" analyze "$work/paper-pair" --friction-kg-per-s "$friction" --plots --bath-from "$bath" > /dev/null
for f in fig3_rates_entropy_power fig4_cop fig6_uncertainty_tur; do
    place "$work/paper-pair/figures" "$f" "${f}_paper_pair"
done
copy paper-equilibrium
"$bin" analyze "$work/paper-equilibrium" --friction-kg-per-s "$friction" --plots --bath-from "$bath" > /dev/null
place "$work/paper-equilibrium/figures" friction_autocorrelation friction_autocorrelation_paper_equilibrium
copy sweep-small
"$bin" analyze "$work/sweep-small" --friction-kg-per-s "$friction" --plots > /dev/null
for f in fig3_rates_entropy_power fig4_cop fig6_uncertainty_tur; do
    place "$work/sweep-small/figures" "$f" "${f}_small_sweep"
done
ls docs/figures
