#!/usr/bin/env bash
# Issue 13 target: VGG-11 + VGG-16 (hetero, layer alignment) against the homogeneous VGG-11 zip of
# the same seeds, 3 seed pairs; VGG-11 models and the homogeneous zips come from
# experiments/families.sh (runs/fam/vgg11-a-sS, runs/fam/vgg-sS-zip-bn), VGG-16 ×0.25 B models are
# trained here (1 epoch on 15,000 images); with --head separate too when families.sh made the
# homogeneous zipsep runs (with the BN reset and with REPAIR). Prints joint / task avg, mean ± std.
# Usage: experiments/vgg_depth.sh [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
seeds=${1:-1 2 3}
out=runs/fam
for s in $seeds; do
  a=$out/vgg11-a-s$s b16=$out/vgg16-b-s$s
  [[ -f $a/model.json ]] || { echo "missing $a: run experiments/families.sh vgg first" >&2; exit 2; }
  [[ -f $b16/model.json ]] || $H train --arch vgg --depth 16 --width 0.25 --classes 5-9 --seed $((100 + s)) --epochs 1 --limit 15000 --out "$b16" --force -q >/dev/null
  for al in sma lma; do
    d=$out/vggdepth-s$s-hetero-$al
    [[ -f $d/report.json ]] || $H merge "$a" "$b16" --method hetero --align "$al" --out "$d" --force -q >/dev/null
  done
  for r in bn repair; do # --head separate on both sides, when families.sh made the homogeneous one with this correction
    [[ -f $out/vgg-s$s-zipsep-$r/report.json ]] || continue
    d=$out/vggdepth-s$s-heterosep-sma; [[ $r == bn ]] || d=$d-$r
    [[ -f $d/report.json ]] || $H merge "$a" "$b16" --method hetero --head separate --repair "$r" --out "$d" --force -q >/dev/null
  done
done
/usr/bin/python3 - "$out" $seeds <<'PY'
import json, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
rows = {"homogeneous VGG-11 zip": "vgg-s{}-zip-bn", "hetero VGG-11 + VGG-16 (sma)": "vggdepth-s{}-hetero-sma", "hetero VGG-11 + VGG-16 (lma)": "vggdepth-s{}-hetero-lma",
        "homogeneous VGG-11 zip, --head separate": "vgg-s{}-zipsep-bn", "hetero VGG-11 + VGG-16 (sma), --head separate": "vggdepth-s{}-heterosep-sma",
        "homogeneous VGG-11 zip, --head separate, REPAIR": "vgg-s{}-zipsep-repair", "hetero VGG-11 + VGG-16 (sma), --head separate, REPAIR": "vggdepth-s{}-heterosep-sma-repair"}
import os
rows = {k: v for k, v in rows.items() if all(os.path.exists(f"{out}/{v.format(s)}/report.json") for s in seeds)}
f = lambda xs: f"{statistics.mean(xs):.1f} ± {statistics.stdev(xs):.1f}" if len(xs) > 1 else f"{xs[0]:.1f}"
print("| merge | seeds | joint | task avg | ensemble joint |\n|---|---:|---:|---:|---:|")
for label, pat in rows.items():
    rs = [json.load(open(f"{out}/{pat.format(s)}/report.json")) for s in seeds]
    print(f"| {label} | {len(rs)} | {f([100*r['joint'] for r in rs])} | {f([100*r['task_avg'] for r in rs])} | {f([100*r['ensemble']['joint'] for r in rs])} |")
PY
