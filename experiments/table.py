"""Mean ± std over seed runs of merge reports: table.py PREFIX1 PREFIX2 … (each PREFIX + 'METHOD-REPAIR/report.json')."""
import glob
import json
import os
import statistics
import sys

prefixes = sys.argv[1:]
rows = {}
ens = []
for p in prefixes:
    for path in sorted(glob.glob(p + "*/report.json")):
        name = os.path.basename(os.path.dirname(path))[len(os.path.basename(p)):]
        if "-" not in name or name.startswith("s2-") or name.startswith("s3-"):
            continue
        r = json.load(open(path))
        rows.setdefault(name, []).append((100 * r["joint"], 100 * r["task_avg"]))
        if len(ens) < prefixes.index(p) + 1:  # the ensemble is the same in every run of one seed pair
            ens.append((100 * r["ensemble"]["joint"], 100 * r["ensemble"]["task_avg"]))


def fmt(xs):
    return f"{statistics.mean(xs):.2f} ± {statistics.stdev(xs):.2f}" if len(xs) > 1 else f"{xs[0]:.2f}"


print(f"| method | repair | seeds | joint | task avg |\n|---|---|---:|---:|---:|")
print(f"| ensemble | — | {len(ens)} | {fmt([e[0] for e in ens])} | {fmt([e[1] for e in ens])} |")
for name in sorted(rows, key=lambda n: (n.split('-')[0], n.split('-')[1])):
    m, r = name.split("-", 1)
    v = rows[name]
    print(f"| {m} | {r} | {len(v)} | {fmt([x[0] for x in v])} | {fmt([x[1] for x in v])} |")
