"""Mean ± std of the loss barrier and of the accuracy at λ = 0.5 per family and method, from
runs/wb/FAMILY-sS/barrier.json (experiments/barrier_weights.sh)."""
import glob
import json
import os
import statistics
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "runs/wb"
cells = {}
for path in sorted(glob.glob(os.path.join(root, "*-s*/barrier.json"))):
    fam = os.path.basename(os.path.dirname(path)).rsplit("-s", 1)[0]
    for method, c in json.load(open(path))["methods"].items():
        acc = c["accuracy"]
        cells.setdefault((fam, method), []).append((c["barrier"], 100 * acc[len(acc) // 2], 100 * acc[0], 100 * acc[-1]))


def fmt(xs, digits):
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.mean(xs):.{digits}f} ± {statistics.stdev(xs):.{digits}f}"


order = {"avg": 0, "weights": 1, "permute": 2, "zip": 3}
print("| family | method | seed pairs | loss barrier | accuracy at λ = 0.5 | accuracy of B (λ = 0) / A (λ = 1) |")
print("|---|---|---:|---:|---:|---:|")
for fam, method in sorted(cells, key=lambda k: (k[0], order.get(k[1], 9))):
    v = cells[(fam, method)]
    print(f"| {fam} | {method} | {len(v)} | {fmt([x[0] for x in v], 3)} | {fmt([x[1] for x in v], 1)} | "
          f"{fmt([x[2] for x in v], 1)} / {fmt([x[3] for x in v], 1)} |")
