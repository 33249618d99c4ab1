#!/usr/bin/env python3
"""Writes a tree-plot CSV (arr-tree-plots profile) with N rows: bench/gen_plots.py N OUT [--wide].

--wide adds four more columns (12 in all): two free-text ones quoted because they hold commas
and quotes, an integer and a flag, as field notes exported from a spreadsheet look."""
import random, sys

n, out = int(sys.argv[1]), sys.argv[2]
wide = "--wide" in sys.argv[3:]
rnd = random.Random(42)
species = ["Inga edulis", "Cedrela fissilis", "Schinus terebinthifolia", "Euterpe edulis"]
notes = ["near the river, north side", "fenced, \"old\" pasture", "slope, rocky; some gaps",
         "replanted 2023, good cover", "shade, under canopy, wet"]
crews = ["Silva, J.", "Souza, M.", "Oliveira, A.", "Costa, R."]
with open(out, "w") as f:
    header = "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat"
    if wide:
        header += ",notes,crew,stems,checked"
    f.write(header + "\n")
    for i in range(n):
        line = (f"P{i:08d},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{species[i % 4]},"
                f"{rnd.uniform(2, 80):.1f},{rnd.uniform(1, 40):.1f},{rnd.uniform(0, 20):.3f},"
                f"{rnd.uniform(-48, -47):.6f},{rnd.uniform(-25, -24):.6f}")
        if wide:
            note = notes[i % 5].replace('"', '""')
            line += f',"{note}","{crews[i % 4]}",{1 + i % 7},{"yes" if i % 3 else "no"}'
        f.write(line + "\n")
