#!/usr/bin/env bash
# Reproduces the merge tables in the issue notes (Fashion-MNIST 0-4 / 5-9).
# Trains what is missing under runs/ (about 10-25 min per ResNet-20x2-size model on 2 cores),
# then merges. Usage: experiments/vision.sh [homogeneous|depth|depth1|depth56|width|depthwidth|vgg|all]
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
what=${1:-all}
CALIB=${CALIB:-6000}
train() { local out=$1; shift; [[ -f $out/model.json ]] || $H train "$@" --epochs 3 --out "$out" -q; }
merge() { local out=$1; shift; $H merge "$@" --calib "$CALIB" --out "$out" --force -q > /dev/null; echo "$out"; }

train runs/r20x2-a --arch resnet --depth 20 --width 2 --classes 0-4 --seed 1
train runs/r20x2-b --arch resnet --depth 20 --width 2 --classes 5-9 --seed 2
if [[ $what == homogeneous || $what == all ]]; then
  outs=()
  for m in avg permute zip; do outs+=("$(merge runs/exp/h-$m runs/r20x2-a runs/r20x2-b --method $m)"); done
  for s in stage1 stage2; do outs+=("$(merge runs/exp/h-zip-$s runs/r20x2-a runs/r20x2-b --method zip --stop-at $s)"); done
  $H report "${outs[@]}" --out runs/exp/homogeneous --force
fi
if [[ $what == depth || $what == all ]]; then
  train runs/r32x2-b --arch resnet --depth 32 --width 2 --classes 5-9 --seed 3
  outs=("$(merge runs/exp/d-permute runs/r20x2-a runs/r32x2-b --method permute --align sma)")
  for a in sma lma uniform none; do outs+=("$(merge runs/exp/d-hetero-$a runs/r20x2-a runs/r32x2-b --method hetero --align $a)"); done
  $H report "${outs[@]}" --out runs/exp/depth --force
fi
if [[ $what == depth1 || $what == all ]]; then
  # the same depth comparison at width x1 (cheaper to train): resnet-20 vs resnet-32
  train runs/r20a-noaug --arch resnet --depth 20 --width 1 --classes 0-4 --seed 1
  train runs/r20x1-b --arch resnet --depth 20 --width 1 --classes 5-9 --seed 2
  train runs/r32x1-b --arch resnet --depth 32 --width 1 --classes 5-9 --seed 3
  outs=("$(merge runs/exp/d1-zip-homogeneous runs/r20a-noaug runs/r20x1-b --method zip)")
  outs+=("$(merge runs/exp/d1-permute runs/r20a-noaug runs/r32x1-b --method permute --align sma)")
  for a in sma lma uniform; do outs+=("$(merge runs/exp/d1-hetero-$a runs/r20a-noaug runs/r32x1-b --method hetero --align $a)"); done
  $H report "${outs[@]}" --out runs/exp/depth-x1 --force
fi
if [[ $what == depth56 || $what == all ]]; then
  # resnet-20 vs resnet-56 (x1): the pair where SMA, LMA and uniform segmentations differ most
  train runs/r20a-noaug --arch resnet --depth 20 --width 1 --classes 0-4 --seed 1
  train runs/r56x1-b --arch resnet --depth 56 --width 1 --classes 5-9 --seed 4
  outs=("$(merge runs/exp/d56-permute runs/r20a-noaug runs/r56x1-b --method permute --align sma)")
  for a in sma lma uniform; do outs+=("$(merge runs/exp/d56-hetero-$a runs/r20a-noaug runs/r56x1-b --method hetero --align $a)"); done
  $H report "${outs[@]}" --out runs/exp/depth56 --force
fi
if [[ $what == width || $what == all ]]; then
  train runs/r20a-noaug --arch resnet --depth 20 --width 1 --classes 0-4 --seed 1
  outs=()
  for m in permute zip hetero; do outs+=("$(merge runs/exp/w-$m runs/r20a-noaug runs/r20x2-b --method $m)"); done
  $H report "${outs[@]}" --out runs/exp/width --force
fi
if [[ $what == depthwidth || $what == all ]]; then
  # depth and width at once: resnet-20x1 vs resnet-32x2
  train runs/r20a-noaug --arch resnet --depth 20 --width 1 --classes 0-4 --seed 1
  train runs/r32x2-b --arch resnet --depth 32 --width 2 --classes 5-9 --seed 3
  outs=("$(merge runs/exp/dw-permute runs/r20a-noaug runs/r32x2-b --method permute --align sma)")
  for a in sma lma uniform; do outs+=("$(merge runs/exp/dw-hetero-$a runs/r20a-noaug runs/r32x2-b --method hetero --align $a)"); done
  $H report "${outs[@]}" --out runs/exp/depth-width --force
fi
if [[ $what == vgg || $what == all ]]; then
  train runs/vgg11-a --arch vgg --depth 11 --width 0.25 --classes 0-4 --seed 1
  train runs/vgg11-b --arch vgg --depth 11 --width 0.25 --classes 5-9 --seed 3
  train runs/vgg16-b --arch vgg --depth 16 --width 0.25 --classes 5-9 --seed 2
  outs=("$(merge runs/exp/v-zip runs/vgg11-a runs/vgg11-b --method zip)")
  for a in sma lma uniform; do outs+=("$(merge runs/exp/v-hetero-$a runs/vgg11-a runs/vgg16-b --method hetero --align $a)"); done
  $H report "${outs[@]}" --out runs/exp/vgg --force
fi
