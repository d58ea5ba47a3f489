"""Summarise bench/run.sh results as a Markdown table with ratios.

usage: python bench/report.py RESULTS.tsv [RSS.txt]
A ratio > 1 means ours answered more requests per second than MapServer
(mean of the interleaved rounds)."""
import sys
from collections import defaultdict
from statistics import mean

rows = defaultdict(list)
lat = defaultdict(list)
bad = defaultdict(int)
order = []
with open(sys.argv[1]) as fh:
    for line in fh:
        case, n, side, _round, rps, median, non2xx = line.rstrip("\n").split("\t")
        key = (case, int(n))
        if key not in order:
            order.append(key)
        rows[key + (side,)].append(float(rps))
        lat[key + (side,)].append(median)
        bad[key + (side,)] += int(non2xx or 0)

print("| case | N | ours req/s | MapServer req/s | ratio ours/MapServer | median latency ours / MapServer |")
print("|---|---:|---:|---:|---:|---|")
for case, n in order:
    o, m = rows[(case, n, "ours")], rows[(case, n, "mapserver")]
    ro, rm = mean(o), mean(m)
    ratio = f"{ro / rm:.2f}" if rm else "n/a"
    flags = ""
    if bad[(case, n, "ours")] or bad[(case, n, "mapserver")]:
        flags = f" (non-2xx: {bad[(case, n, 'ours')]}/{bad[(case, n, 'mapserver')]})"
    print(f"| {case} | {n} | {ro:.1f} | {rm:.1f} | **{ratio}**{flags} | "
          f"{'/'.join(lat[(case, n, 'ours')])} / {'/'.join(lat[(case, n, 'mapserver')])} |")
if len(sys.argv) > 2:
    print()
    with open(sys.argv[2]) as fh:
        for line in fh:
            print(line.rstrip())
