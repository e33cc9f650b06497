#!/usr/bin/env bash
# hetmerge + torchvision, end to end: train a ResNet-18 on Fashion-MNIST classes 0-4 and a ResNet-34 on
# classes 5-9 with PyTorch, import both into hetmerge, merge them (permute and hetero), export the hetero
# merge back to PyTorch and evaluate it there.  See README.md in this folder.
#
# Usage: examples/torchvision/run.sh            (from anywhere; runs in the repository root)
# Environment: WORK (default runs/example-torchvision, relative to the repository root),
#              PYTHON (default /usr/bin/python3, needs torch + torchvision + PIL), EPOCHS (default 2),
#              HETMERGE (default ./hetmerge).
# Steps whose outputs exist are skipped; delete $WORK (or a part of it) to redo them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../.."
WORK=${WORK:-runs/example-torchvision}
PYTHON=${PYTHON:-/usr/bin/python3}
EPOCHS=${EPOCHS:-2}
H=${HETMERGE:-./hetmerge}
A=T-shirt_top,Trouser,Pullover,Dress,Coat
B=Sandal,Shirt,Sneaker,Bag,Ankle_boot
mkdir -p "$WORK"
step() { echo; echo "== $*"; }

step "data: $WORK/data"
"$PYTHON" "$here/make_data.py" "$WORK/data"   # skips the splits that exist

# done_ FILE: true (and says so) when FILE exists, i.e. the step that writes it already ran
done_() { if [[ -e $1 ]]; then echo "$1 exists, skipped"; return 0; fi; return 1; }

for arch in resnet18 resnet34; do
  if [[ $arch == resnet18 ]]; then classes=$A seed=1 out=$WORK/r18.safetensors
  else classes=$B seed=2 out=$WORK/r34.safetensors; fi
  step "train $arch on $classes"
  if ! done_ "$out"; then
    "$PYTHON" "$here/train.py" --arch "$arch" --classes "$classes" --data "$WORK/data/train" --epochs "$EPOCHS" \
      --seed "$seed" --out "$out"
  fi
done

step "import into hetmerge"
if ! done_ "$WORK/r18/model.json"; then
  $H import --family torchvision-resnet "$WORK/r18.safetensors" --classes "$A" --input-size 32 --out "$WORK/r18"
fi
if ! done_ "$WORK/r34/model.json"; then
  $H import --family torchvision-resnet "$WORK/r34.safetensors" --classes "$B" --input-size 32 --out "$WORK/r34"
fi

for method in permute hetero; do
  step "merge --method $method"
  if ! done_ "$WORK/$method/model.json"; then
    $H merge "$WORK/r18" "$WORK/r34" --method "$method" --align sma --data "$WORK/data/train" \
      --eval-data "$WORK/data/test" --calib 1000 --out "$WORK/$method"
  fi
done

step "export the hetero merge to PyTorch"
if ! done_ "$WORK/hetero-torch/export.json"; then
  $H export "$WORK/hetero" --to torch --out "$WORK/hetero-torch"
fi

step "evaluate the export with PyTorch"
"$PYTHON" "$here/evaluate_export.py" "$WORK/hetero-torch" --data "$WORK/data/test"
