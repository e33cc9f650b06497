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
    def both(rows, i, j):
        return f"{fmt([rows[s][i] for s in seeds if s in rows])} / {fmt([rows[s][j] for s in seeds if s in rows])}"
    print(f"| ×{w:g} | {d}/{e} | {len(seeds)} | {both(homo, 0, 1)} | {both(het, 0, 1)} | "
          f"{both(rep, 0, 1)} | {both(het, 2, 3)} | {fmt(diff)} |")
print("\njoint / task avg accuracy in %, mean ± std over seeds; the last column is joint")
