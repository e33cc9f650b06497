#!/usr/bin/env bash
# Issue 13: how well do the label-free proxies (agreement with the task models on their own tasks' samples,
# which chooses, and agreement with the ensemble, reported beside it)
# rank the configurations --budget tries? Every configuration is merged and scored (no limit), then
# experiments/budget_table.py reports Spearman's ρ of proxy vs test joint accuracy per pair, and for
# a budget at the median parameter count the chosen configuration against the best that fits.
# Usage: experiments/budget.sh A1 B1 [A2 B2 …]   (model directories, pairs)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/budget
outs=()
while [[ $# -ge 2 ]]; do
  a=$1 b=$2; shift 2
  out=runs/budget/$(basename "$a")+$(basename "$b")
  [[ -f $out/report.json ]] || ./hetmerge merge "$a" "$b" --budget params=1G --out "$out" --force -q >/dev/null
  outs+=("$out/report.json")
done
/usr/bin/python3 experiments/budget_table.py "${outs[@]}"
