#!/usr/bin/env bash
# Issue 13: the WordNet text pair (4×64, 4 heads; animal/plant/food/body/substance vs
# artifact/person/location/communication/act), 3 seed pairs, every method with and without REPAIR.
# Writes runs/q/ab-[sN-]METHOD-REPAIR/report.json and prints the mean ± std table (joint, task avg).
# zipsep: zip with --head separate; ziprouted: zip with --head routed. METHODS and REPAIRS replace the lists; finished merges are kept.
# Usage: [METHODS=…] [REPAIRS=…] experiments/text_repair.sh      (about 12 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
A=noun.animal,noun.plant,noun.food,noun.body,noun.substance
B=noun.artifact,noun.person,noun.location,noun.communication,noun.act
train() { [[ -f runs/q/$1/model.json ]] || ./hetmerge train --arch text --depth 4 --width 64 --heads 4 --dataset wordnet --classes "$2" --epochs 3 --seed "$3" --out "runs/q/$1" --force; }
mkdir -p runs/q
train txtA "$A" 1; train txtB "$B" 2
for s in 2 3; do train "txtA-s$s" "$A" $((10 + s)); train "txtB-s$s" "$B" $((20 + s)); done
for pair in ":txtA:txtB" "s2-:txtA-s2:txtB-s2" "s3-:txtA-s3:txtB-s3"; do
  IFS=: read -r tag a b <<<"$pair"
  for m in ${METHODS:-zip permute weights avg zipsep}; do
    for r in ${REPAIRS:-none repair}; do
      args=(--method "$m"); [[ $m == *sep ]] && args=(--method "${m%sep}" --head separate)
      [[ $m == *routed ]] && args=(--method "${m%routed}" --head routed)
      [[ -f runs/q/ab-$tag$m-$r/report.json ]] || ./hetmerge merge "runs/q/$a" "runs/q/$b" "${args[@]}" --repair "$r" --out "runs/q/ab-$tag$m-$r" --force >/dev/null
    done
  done
done
/usr/bin/python3 experiments/table.py runs/q/ab-{,s2-,s3-}
