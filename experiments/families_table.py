"""Mean ± std per family, method and correction from runs/fam/FAMILY-sS-METHOD-REPAIR/report.json.
A BN-reset report also gives the row without any correction (its without_bn_reset part)."""
import glob
import json
import os
import statistics
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/fam"
cells, ens = {}, {}
for path in sorted(glob.glob(os.path.join(root, "*-s*-*-*/report.json"))):
    parts = os.path.basename(os.path.dirname(path)).split("-")
    if len(parts) != 4 or parts[3] not in ("bn", "repair", "none"):
        continue  # experiments/vgg_depth.sh writes vggdepth-sS-hetero-ALIGN[-REPAIR] beside the family runs
    fam, seed, method, repair = parts
    r = json.load(open(path))
    ens.setdefault(fam, {})[seed] = (100 * r["ensemble"]["joint"], 100 * r["ensemble"]["task_avg"])
    label = {"bn": "BN reset", "repair": "REPAIR", "none": "none"}[repair]
    cells.setdefault((fam, method, label), []).append((100 * r["joint"], 100 * r["task_avg"]))
    if repair == "bn" and r.get("without_bn_reset"):
        w = r["without_bn_reset"]
        cells.setdefault((fam, method, "none"), []).append((100 * w["joint"], 100 * w["task_avg"]))


def fmt(xs):
    return f"{statistics.mean(xs):.1f} ± {statistics.stdev(xs):.1f}" if len(xs) > 1 else f"{xs[0]:.1f}"


print("| family | method | correction | seeds | joint | task avg |\n|---|---|---|---:|---:|---:|")
order = {"avg": 0, "permute": 1, "permutesep": 1.5, "zip": 2, "zipsep": 2.5, "ziprouted": 2.7, "zipall": 3, "weights": 4}
name = {"zipall": "zip, --stream-tap all", "zipsep": "zip, --head separate", "ziprouted": "zip, --head routed", "permutesep": "permute, --head separate"}
for fam in sorted(ens):
    e = list(ens[fam].values())
    print(f"| {fam} | ensemble | — | {len(e)} | {fmt([x[0] for x in e])} | {fmt([x[1] for x in e])} |")
    for (f, m, c) in sorted((k for k in cells if k[0] == fam), key=lambda k: (order.get(k[1], 9), k[2])):
        v = cells[(f, m, c)]
        print(f"| {f} | {name.get(m, m)} | {c} | {len(v)} | {fmt([x[0] for x in v])} | {fmt([x[1] for x in v])} |")
