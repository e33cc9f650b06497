#!/usr/bin/env bash
# Issue 13: is a depth merge as good as the homogeneous zip of the shallow model's pair?
# ResNet depth pairs 8/14, 14/20, 20/32 at widths ×0.5, ×1, ×2, seeds 1-3, Fashion-MNIST 0-4 / 5-9.
# Per (width, seed) the models A8, A14, A20 (0-4) and B8, B14, B20, B32 (5-9) are trained once
# (1 epoch on 15,000 images: the comparison needs pairs, not state-of-the-art models); per pair:
#   homogeneous  zip of A_d + B_d (BN reset; the report also holds it without)
#   hetero       A_d + B_d' (SMA, BN reset; and without)
#   hetero-repair  the same with REPAIR instead of the BN reset
# and, as VARIANTS (default "sep align repair seprepair routed") asks:
#   sep     homo-sep, hetero-sep: the same zip / hetero merges with --head separate
#   align   hetero-lma, hetero-uniform: LMA / uniform alignment instead of SMA (BN reset)
#   repair  homo-repair: the homogeneous zip with REPAIR
#   seprepair  homo-seprepair, hetero-seprepair: --head separate with REPAIR instead of the BN reset
#   routed  homo-routed, hetero-routed: --head routed (BN reset)
# Results: one line per merge in runs/sweep/results.tsv; experiments/sweep_table.py prints mean ± std.
# Usage: [VARIANTS="sep align repair seprepair routed"] experiments/depth_sweep.sh [SEEDS] [WIDTHS]   (defaults "1 2 3" "0.5 1 2")
# Time, one thread per job: at ×2 one seed trains in ≈ 15 min and each merge takes ≈ 1.1 min; ×1 and ×0.5 are several times faster.
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
seeds=${1:-1 2 3}
widths=${2:-0.5 1 2}
variants=${VARIANTS:-sep align repair seprepair routed}
has() { [[ " $variants " == *" $1 "* ]]; }
out=runs/sweep
mkdir -p "$out"
train() { # NAME DEPTH WIDTH CLASSES SEED
  [[ -f $out/$1/model.json ]] || $H train --arch resnet --depth "$2" --width "$3" --classes "$4" --seed "$5" --epochs 1 --limit 15000 --out "$out/$1" --force -q >/dev/null
}
merge() { # NAME A B ARGS…
  local name=$1 a=$2 b=$3; shift 3
  [[ -f $out/m/$name/report.json ]] || $H merge "$out/$a" "$out/$b" "$@" --out "$out/m/$name" --force -q >/dev/null
  /usr/bin/python3 - "$out/m/$name/report.json" "$name" >>"$out/results.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); w = r.get("without_bn_reset") or {}
print("\t".join([sys.argv[2], f"{100*r['joint']:.2f}", f"{100*r['task_avg']:.2f}",
                 f"{100*w.get('joint', float('nan')):.2f}", f"{100*w.get('task_avg', float('nan')):.2f}",
                 f"{100*r['ensemble']['joint']:.2f}", f"{100*r['ensemble']['task_avg']:.2f}"]))
PY
}
for s in $seeds; do
  for w in $widths; do
    for d in 8 14 20; do train "a$d-w$w-s$s" "$d" "$w" 0-4 "$s"; done
    for d in 8 14 20 32; do train "b$d-w$w-s$s" "$d" "$w" 5-9 "$((100 + s))"; done
    for pair in 8:14 14:20 20:32; do
      IFS=: read -r d e <<<"$pair"
      merge "homo-$d-$d-w$w-s$s" "a$d-w$w-s$s" "b$d-w$w-s$s" --method zip
      merge "hetero-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero
      merge "hetero-repair-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --repair repair
      if has sep; then
        merge "homo-sep-$d-$d-w$w-s$s" "a$d-w$w-s$s" "b$d-w$w-s$s" --method zip --head separate
        merge "hetero-sep-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --head separate
      fi
      if has align; then
        merge "hetero-lma-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --align lma
        merge "hetero-uniform-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --align uniform
      fi
      if has repair; then
        merge "homo-repair-$d-$d-w$w-s$s" "a$d-w$w-s$s" "b$d-w$w-s$s" --method zip --repair repair
      fi
      if has routed; then
        merge "homo-routed-$d-$d-w$w-s$s" "a$d-w$w-s$s" "b$d-w$w-s$s" --method zip --head routed
        merge "hetero-routed-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --head routed
      fi
      if has seprepair; then
        merge "homo-seprepair-$d-$d-w$w-s$s" "a$d-w$w-s$s" "b$d-w$w-s$s" --method zip --head separate --repair repair
        merge "hetero-seprepair-$d-$e-w$w-s$s" "a$d-w$w-s$s" "b$e-w$w-s$s" --method hetero --head separate --repair repair
      fi
    done
  done
done
/usr/bin/python3 experiments/sweep_table.py "$out/results.tsv"
