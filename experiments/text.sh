#!/usr/bin/env bash
# Reproduces the transformer tables of the NLP issue: WordNet supersense tasks (text encoders) and
# Fashion-MNIST 0-4 / 5-9 (vit). Trains what is missing under runs/, then merges.
# Usage: experiments/text.sh [text|barrier|vit|all]   (CALIB: calibration samples, default 2000;
# STREAM_TAP=all: observe the encoder stream at every residual add, see `merge --stream-tap`)
set -euo pipefail
cd "$(dirname "$0")/.."
H=./hetmerge
what=${1:-all}
CALIB=${CALIB:-2000}
A=noun.animal,noun.plant,noun.food,noun.body,noun.substance
B=noun.artifact,noun.person,noun.location,noun.communication,noun.act
train() { local out=$1; shift; [[ -f $out/model.json ]] || $H train "$@" --out "$out" -q; }
ST=${STREAM_TAP:+--stream-tap $STREAM_TAP}
merge() { local out=$1; shift; $H merge "$@" $ST --calib "$CALIB" --out "$out" --force -q > /dev/null; echo "$out"; }
T="--arch text --dataset wordnet --epochs 3"
if [[ $what == text || $what == all ]]; then
  train runs/txtA-s1 $T --depth 4 --width 64 --heads 4 --classes $A --seed 1
  train runs/txtB-s2 $T --depth 4 --width 64 --heads 4 --classes $B --seed 2
  train runs/txtB6-s3 $T --depth 6 --width 64 --heads 4 --classes $B --seed 3
  train runs/txtB128-s4 $T --depth 4 --width 128 --heads 8 --classes $B --seed 4
  outs=()
  for m in avg permute zip; do outs+=("$(merge runs/exp/t-$m runs/txtA-s1 runs/txtB-s2 --method $m)"); done
  outs+=("$(merge runs/exp/t-depth-permute runs/txtA-s1 runs/txtB6-s3 --method permute --align sma)")
  for a in sma lma uniform; do outs+=("$(merge runs/exp/t-depth-hetero-$a runs/txtA-s1 runs/txtB6-s3 --method hetero --align $a)"); done
  outs+=("$(merge runs/exp/t-width-permute runs/txtA-s1 runs/txtB128-s4 --method permute)")
  outs+=("$(merge runs/exp/t-width-hetero runs/txtA-s1 runs/txtB128-s4 --method hetero)")
  $H report "${outs[@]}" --out runs/exp/text --force
fi
if [[ $what == barrier || $what == all ]]; then
  # same task, different seeds (the seed paper's NLP protocol); a depth pair (6 vs 4 layers) too
  train runs/txtA-s1 $T --depth 4 --width 64 --heads 4 --classes $A --seed 1
  train runs/txtA-s2 $T --depth 4 --width 64 --heads 4 --classes $A --seed 2
  train runs/txtA6-s3 $T --depth 6 --width 64 --heads 4 --classes $A --seed 3
  $H barrier runs/txtA-s1 runs/txtA-s2 $ST --calib 1000 --out runs/exp/barrier --force -q
  $H barrier runs/txtA6-s3 runs/txtA-s2 $ST --calib 1000 --out runs/exp/barrier-depth --force -q
  cat runs/exp/barrier/barrier.md runs/exp/barrier-depth/barrier.md
fi
V="--arch vit --patch 7 --epochs 10"
if [[ $what == vit || $what == all ]]; then
  train runs/vitA-s1 $V --depth 4 --width 64 --heads 4 --classes 0-4 --seed 1
  train runs/vitB-s2 $V --depth 4 --width 64 --heads 4 --classes 5-9 --seed 2
  outs=()
  for m in avg permute zip; do outs+=("$(merge runs/exp/vit-$m runs/vitA-s1 runs/vitB-s2 --method $m)"); done
  $H report "${outs[@]}" --out runs/exp/vit --force
fi
