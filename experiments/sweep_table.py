"""Mean ± std over seeds of experiments/depth_sweep.sh's results.tsv: sweep_table.py runs/sweep/results.tsv."""
import collections
import statistics
import sys

rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, joint, avg, joint0, avg0, ej, ea = line.rstrip("\n").split("\t")
    kind, rest = name.rsplit("-w", 1)
    width, seed = rest.split("-s")
    *method, d, e = kind.split("-")
    key = (float(width), int(d), int(e) if method != ["homo"] else None)
    rows.setdefault(key, {}).setdefault("-".join(method), {})[seed] = tuple(map(float, (joint, avg, joint0, avg0)))


def fmt(xs):
    xs = [x for x in xs if x == x]
    if not xs:
        return "—"
    return f"{statistics.mean(xs):.1f} ± {statistics.stdev(xs):.1f}" if len(xs) > 1 else f"{xs[0]:.1f}"


pairs = sorted({(w, d, e) for (w, d, e) in rows if e is not None})
print("| width | pair | seeds | homogeneous zip (BN reset) | hetero (BN reset) | hetero (REPAIR) | hetero (neither) | hetero BN − homogeneous |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for w, d, e in pairs:
    homo = rows.get((w, d, None), {}).get("homo", {})
    het = rows[(w, d, e)].get("hetero", {})
    rep = rows[(w, d, e)].get("hetero-repair", {})
    seeds = sorted(set(homo) & set(het))
    diff = [het[s][0] - homo[s][0] for s in seeds]
    print(f"| ×{w:g} | {d}/{e} | {len(seeds)} | {fmt([homo[s][0] for s in seeds])} | {fmt([het[s][0] for s in seeds])} | "
          f"{fmt([rep[s][0] for s in seeds if s in rep])} | {fmt([het[s][2] for s in seeds])} | {fmt(diff)} |")
print("\njoint accuracy in %, mean ± std over seeds")
