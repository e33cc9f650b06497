"""Mean ± std over seeds of experiments/depth_sweep.sh's results.tsv: sweep_table.py runs/sweep/results.tsv.

Two tables: the depth pairs (every alignment and correction against the homogeneous zip of the
shallow model's pair) and the homogeneous pairs against their ensemble."""
import collections
import statistics
import sys

# rows[(width, d, e or None)][method][seed] = (joint, task avg, joint without, task avg without, ensemble joint, ensemble task avg)
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, *values = line.rstrip("\n").split("\t")
    kind, rest = name.rsplit("-w", 1)
    width, seed = rest.split("-s")
    *method, d, e = kind.split("-")
    key = (float(width), int(d), None if method[0] == "homo" else int(e))
    rows.setdefault(key, {}).setdefault("-".join(method), {})[seed] = tuple(map(float, values))


def fmt(xs):
    xs = [x for x in xs if x == x]
    if not xs:
        return "—"
    return f"{statistics.mean(xs):.1f} ± {statistics.stdev(xs):.1f}" if len(xs) > 1 else f"{xs[0]:.1f}"


def both(runs, seeds, i=0, j=1):
    return f"{fmt([runs[s][i] for s in seeds if s in runs])} / {fmt([runs[s][j] for s in seeds if s in runs])}"


print("| width | pair | seeds | homogeneous zip (BN reset) | hetero SMA (BN reset) | hetero LMA (BN reset) "
      "| hetero uniform (BN reset) | hetero SMA (REPAIR) | hetero SMA (neither) | SMA − homogeneous | best hetero − homogeneous "
      "| homogeneous zip, separate head | hetero SMA, separate head | separate: hetero − homogeneous "
      "| homogeneous zip, separate head (REPAIR) | hetero SMA, separate head (REPAIR) | separate, REPAIR: hetero − homogeneous "
      "| homogeneous zip, routed head | hetero SMA, routed head |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for w, d, e in sorted(k for k in rows if k[2] is not None):
    homo = rows.get((w, d, None), {}).get("homo", {})
    het = rows[(w, d, e)]
    sma = het.get("hetero", {})
    homo_sep = rows.get((w, d, None), {}).get("homo-sep", {})
    sma_sep = het.get("hetero-sep", {})
    homo_sr = rows.get((w, d, None), {}).get("homo-seprepair", {})
    sma_sr = het.get("hetero-seprepair", {})
    seeds = sorted(set(homo) & set(sma))
    hetero_bn = [het.get(m, {}) for m in ("hetero", "hetero-lma", "hetero-uniform")]
    best = [max(r[s][0] for r in hetero_bn if s in r) - homo[s][0] for s in seeds]
    print(f"| ×{w:g} | {d}/{e} | {len(seeds)} | {both(homo, seeds)} | {both(sma, seeds)} | "
          f"{both(het.get('hetero-lma', {}), seeds)} | {both(het.get('hetero-uniform', {}), seeds)} | "
          f"{both(het.get('hetero-repair', {}), seeds)} | {both(sma, seeds, 2, 3)} | "
          f"{fmt([sma[s][0] - homo[s][0] for s in seeds])} | {fmt(best)} | "
          f"{both(homo_sep, seeds)} | {both(sma_sep, seeds)} | {fmt([sma_sep[s][0] - homo_sep[s][0] for s in seeds if s in sma_sep and s in homo_sep])} | "
          f"{both(homo_sr, seeds)} | {both(sma_sr, seeds)} | {fmt([sma_sr[s][0] - homo_sr[s][0] for s in seeds if s in sma_sr and s in homo_sr])} | "
          f"{both(rows.get((w, d, None), {}).get('homo-routed', {}), seeds)} | {both(het.get('hetero-routed', {}), seeds)} |")
print("\njoint / task avg accuracy in %, mean ± std over seeds; the last two columns are joint "
      "(best: the best of SMA, LMA, uniform per seed, BN reset)\n")

print("| width | depth | seeds | ensemble | zip (BN reset) | zip (REPAIR) | zip (neither) | zip, separate head (BN reset) "
      "| zip, separate head (REPAIR) | task avg / ensemble's: zip (better of BN reset, REPAIR) | task avg / ensemble's: zip, separate head (BN reset) "
      "| task avg / ensemble's: zip, separate head (REPAIR) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for w, d, _ in sorted(k for k in rows if k[2] is None):
    homo = rows[(w, d, None)].get("homo", {})
    rep = rows[(w, d, None)].get("homo-repair", {})
    seeds = sorted(homo)
    sep = rows[(w, d, None)].get("homo-sep", {})
    ratio = [max(homo[s][1], rep[s][1] if s in rep else 0) / homo[s][5] for s in seeds]
    ratio_sep = [sep[s][1] / sep[s][5] for s in seeds if s in sep]
    sr = rows[(w, d, None)].get("homo-seprepair", {})
    ratio_sr = [sr[s][1] / sr[s][5] for s in seeds if s in sr]
    print(f"| ×{w:g} | {d} | {len(seeds)} | {both(homo, seeds, 4, 5)} | {both(homo, seeds)} | {both(rep, seeds)} | "
          f"{both(homo, seeds, 2, 3)} | {both(sep, seeds)} | {both(sr, seeds)} | {fmt([100 * r for r in ratio])} % | {fmt([100 * r for r in ratio_sep])} % | "
          f"{fmt([100 * r for r in ratio_sr])} % |")
print("\njoint / task avg in %, mean ± std over seeds; the ratio per seed takes the better of BN reset and REPAIR")
