#!/usr/bin/env bash
# Issue 13: loss barrier of data-free weight matching next to avg, activation permute and zip, for
# two encoders of ONE task (the barrier's protocol: the same task, different seeds), 3 seed pairs:
#   text  4×64, 4 heads, WordNet animal/plant/food/body/substance, 3 epochs AdamW
#   vit   4×64, 4 heads, patch 7, Fashion-MNIST 0-4, 3 epochs on 15,000 images
# Writes runs/wb/FAMILY-sS/barrier.json; experiments/barrier_table.py prints mean ± std.
# Usage: experiments/barrier_weights.sh [FAMILIES] [SEEDS]   (defaults "text vit" "1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
families=${1:-text vit}
seeds=${2:-1 2 3}
out=runs/wb
mkdir -p "$out"
A=noun.animal,noun.plant,noun.food,noun.body,noun.substance
train() { local dir=$1; shift; [[ -f $dir/model.json ]] || $H train "$@" --out "$dir" --force -q >/dev/null; }
for f in $families; do
  for s in $seeds; do
    a=$out/$f-a-s$s b=$out/$f-b-s$s
    case $f in
      text) for m in "$a:$((40 + s))" "$b:$((50 + s))"; do
              train "${m%%:*}" --arch text --depth 4 --width 64 --heads 4 --dataset wordnet --classes "$A" --epochs 3 --seed "${m##*:}"
            done ;;
      vit)  for m in "$a:$((40 + s))" "$b:$((50 + s))"; do
              train "${m%%:*}" --arch vit --depth 4 --width 64 --heads 4 --patch 7 --classes 0-4 --epochs 3 --limit 15000 --seed "${m##*:}"
            done ;;
    esac
    [[ -f $out/$f-s$s/barrier.json ]] || $H barrier "$a" "$b" --methods avg,weights,permute,zip --calib 1000 --out "$out/$f-s$s" --force -q >/dev/null
  done
done
/usr/bin/python3 experiments/barrier_table.py "$out"
