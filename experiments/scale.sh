#!/usr/bin/env bash
# Scale benchmark of the bring-your-own issue: two torchvision ViT-B/16 (86M parameters each) and two
# ResNet-50s, merged on 2 cores with 256 calibration images at 224×224; wall time per stage
# (report.json "seconds") and the peak resident memory of the merge (GNU time).
# Usage: experiments/scale.sh [vit|resnet50|all]   (CALIB, default 256; METHOD, default zip)
# The models are random-init torchvision models written by PyTorch (speed and memory do not depend
# on training); the images are random noise PNGs in an ImageFolder of 2 × 10 classes.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
CALIB=${CALIB:-256}
METHOD=${METHOD:-zip}
PY=${PYTHON:-/usr/bin/python3}
W=runs/scale
mkdir -p $W
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
"$PY" - "$W" <<'PY'
import os, sys, torch, torchvision, numpy as np
sys.path.insert(0, "python")
from hetmerge_torch import save_safetensors
from PIL import Image
w = sys.argv[1]
torch.manual_seed(0)
for name, make in [("vitb16", lambda: torchvision.models.vit_b_16(num_classes=10)),
                   ("resnet50", lambda: torchvision.models.resnet50(num_classes=10))]:
    for seed in (1, 2):
        out = f"{w}/{name}-s{seed}.safetensors"
        if os.path.exists(out): continue
        torch.manual_seed(seed)
        m = make()
        with torch.no_grad():
            for p in m.parameters():
                if p.dim() > 0 and float(p.std() if p.numel() > 1 else 1) == 0: p.normal_(0, 0.02)
        save_safetensors(out, m.state_dict())
rng = np.random.default_rng(0)
for c in range(20):
    d = f"{w}/images/c{c:02d}"
    os.makedirs(d, exist_ok=True)
    for i in range(13):
        f = f"{d}/{i}.png"
        if not os.path.exists(f):
            Image.fromarray(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)).save(f)
PY
A=$(printf 'c%02d,' 0 1 2 3 4 5 6 7 8 9); A=${A%,}
B=$(printf 'c%02d,' 10 11 12 13 14 15 16 17 18 19); B=${B%,}
run() {
  local fam=$1 name=$2; shift 2
  for s in 1 2; do
    cls=$([[ $s == 1 ]] && echo "$A" || echo "$B")
    [[ -f $W/$name-s$s/model.json ]] || ./hetmerge import --family "$fam" "$W/$name-s$s.safetensors" --classes "$cls" "$@" --out "$W/$name-s$s" -q
  done
  /usr/bin/time -v -o "$W/$name-$METHOD.time" ./hetmerge merge "$W/$name-s1" "$W/$name-s2" --method "$METHOD" --data "$W/images" \
    --calib "$CALIB" --batch-size "${BATCH:-16}" --out "$W/$name-$METHOD" --force -q > /dev/null
  echo "$name $METHOD: seconds $(python3 -c "import json; print(json.load(open('$W/$name-$METHOD/report.json'))['seconds'])")"
  grep -E "Maximum resident|Elapsed" "$W/$name-$METHOD.time"
}
if [[ $what == vit || $what == all ]]; then run torchvision-vit vitb16; fi
if [[ $what == resnet50 || $what == all ]]; then run torchvision-resnet resnet50; fi
