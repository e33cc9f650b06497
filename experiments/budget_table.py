"""Spearman's ρ of the --budget proxies vs test joint accuracy, and the choice at a median budget: budget_table.py REPORT.json …
Two proxies per configuration: agreement with the task models on their own tasks' samples (hetmerge's
chooser, `proxy`) and agreement with the ensemble (`ensemble_agreement`; reports before session 11 have
only this one, as `agreement`)."""
import json
import statistics
import sys


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    num = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    den = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return num / den if den else float("nan")


PROXIES = [("task models", "proxy"), ("ensemble", "ensemble_agreement")]
def gap(tried, key, limit):
    fitting = [t for t in tried if t["params"] <= limit]
    chosen = max(fitting, key=lambda t: t[key])  # first of equal proxies, as hetmerge does
    return max(100 * t["joint"] for t in fitting) - 100 * chosen["joint"]


print("| pair | configurations | proxy | ρ(proxy, joint) | ρ(proxy, task avg) | median budget (params) | chosen joint | best joint that fits | gap | gap at the 25th / 75th percentile budget |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for path in sys.argv[1:]:
    r = json.load(open(path))
    tried = [t for t in r["budget"]["tried"] if t["fits"]]
    for t in tried:
        if "agreement" in t:
            t["ensemble_agreement"] = t["agreement"]
    joint = [100 * t["joint"] for t in tried]
    avg = [100 * t["task_avg"] for t in tried]
    limit = statistics.median(t["params"] for t in tried)
    q25, _, q75 = statistics.quantiles([t["params"] for t in tried], n=4, method="inclusive")
    fitting = [t for t in tried if t["params"] <= limit]
    best = max(100 * t["joint"] for t in fitting)
    name = path.split("/")[-2]
    for label, key in PROXIES:
        if key not in tried[0]:
            continue
        proxy = [t[key] for t in tried]
        chosen = max(fitting, key=lambda t: t[key])  # first of equal proxies, as hetmerge does
        print(f"| {name} | {len(tried)} | {label} | {spearman(proxy, joint):.2f} | {spearman(proxy, avg):.2f} | {int(limit):,} | {100 * chosen['joint']:.2f} | {best:.2f} | {best - 100 * chosen['joint']:.2f} | {gap(tried, key, q25):.2f} / {gap(tried, key, q75):.2f} |")
