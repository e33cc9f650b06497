#!/usr/bin/env bash
# Issue 13: the method × correction table per family, 3 seed pairs (Fashion-MNIST 0-4 / 5-9).
#   resnet  resnet-20×1 pairs of the depth sweep (1 epoch on 15,000 images; experiments/depth_sweep.sh trains them)
#   vgg     vgg-11×0.25 pairs (1 epoch on 15,000 images)
#   vit     vit 4×64, patch 7 (3 epochs on 15,000 images)
# (the WordNet text pair has its own script: experiments/text_repair.sh)
# Every pair is merged with avg, permute, zip and weights (vit also zip with --stream-tap all, as
# "zipall"); BatchNorm models with --repair bn (the report also holds the merge without any
# correction) and --repair repair; the others with --repair none and --repair repair.
# "zipsep" and "permutesep" are zip and permute with --head separate; "ziprouted" is zip with --head routed.
# Writes runs/fam/FAMILY-sS-METHOD-REPAIR/report.json; experiments/families_table.py prints mean ± std.
# Usage: [METHODS="…"] [REPAIRS="…"] experiments/families.sh [FAMILIES] [SEEDS]   (defaults "resnet vgg vit" "1 2 3";
#        METHODS and REPAIRS replace the family's lists)
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
families=${1:-resnet vgg vit}
seeds=${2:-1 2 3}
out=runs/fam
mkdir -p "$out" runs/sweep
train() { # DIR ARGS…
  local dir=$1; shift
  [[ -f $dir/model.json ]] || $H train "$@" --epochs "${EPOCHS:-1}" --limit 15000 --out "$dir" --force -q >/dev/null
}
for f in $families; do
  for s in $seeds; do
    case $f in
      resnet) a=runs/sweep/a20-w1-s$s b=runs/sweep/b20-w1-s$s
              train "$a" --arch resnet --depth 20 --width 1 --classes 0-4 --seed "$s"
              train "$b" --arch resnet --depth 20 --width 1 --classes 5-9 --seed $((100 + s))
              repairs="bn repair" methods="avg permute zip weights" ;;
      vgg)    a=$out/vgg11-a-s$s b=$out/vgg11-b-s$s
              train "$a" --arch vgg --depth 11 --width 0.25 --classes 0-4 --seed "$s"
              train "$b" --arch vgg --depth 11 --width 0.25 --classes 5-9 --seed $((100 + s))
              repairs="bn repair" methods="avg permute zip weights" ;;
      vit)    a=$out/vit-a-s$s b=$out/vit-b-s$s
              EPOCHS=3 train "$a" --arch vit --depth 4 --width 64 --heads 4 --patch 7 --classes 0-4 --seed "$s"
              EPOCHS=3 train "$b" --arch vit --depth 4 --width 64 --heads 4 --patch 7 --classes 5-9 --seed $((100 + s))
              repairs="none repair" methods="avg permute zip zipall weights" ;;
    esac
    methods=${METHODS:-$methods} repairs=${REPAIRS:-$repairs}
    for m in $methods; do
      case $m in
        zipall) args=(--method zip --stream-tap all) ;;
        *sep)   args=(--method "${m%sep}" --head separate) ;;
        *routed) args=(--method "${m%routed}" --head routed) ;;
        *)      args=(--method "$m") ;;
      esac
      for r in $repairs; do
        dir=$out/$f-s$s-$m-$r
        [[ -f $dir/report.json ]] || $H merge "$a" "$b" "${args[@]}" --repair "$r" --out "$dir" --force -q >/dev/null
      done
    done
  done
done
/usr/bin/python3 experiments/families_table.py "$out"
