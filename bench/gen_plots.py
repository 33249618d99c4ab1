#!/usr/bin/env python3
"""Writes a tree-plot CSV (arr-tree-plots profile) with N rows: bench/gen_plots.py N OUT."""
import random, sys

n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
species = ["Inga edulis", "Cedrela fissilis", "Schinus terebinthifolia", "Euterpe edulis"]
with open(out, "w") as f:
    f.write("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n")
    for i in range(n):
        f.write(f"P{i:08d},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{species[i % 4]},"
                f"{rnd.uniform(2, 80):.1f},{rnd.uniform(1, 40):.1f},{rnd.uniform(0, 20):.3f},"
                f"{rnd.uniform(-48, -47):.6f},{rnd.uniform(-25, -24):.6f}\n")
