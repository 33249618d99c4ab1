#!/usr/bin/env bash
# Import benchmark: our validated import (mrv import --no-enrich) of a 1,000,000-row tree-plot
# CSV, and of a 12-column one with quoted text holding commas, against, in the same run,
# sqlite3's `.import` of the same file into a table with typed columns. Reports the median wall
# time of ROUNDS runs and the peak RSS of each (GNU time). Usage: bash bench/import.sh [ROWS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
ROUNDS="${2:-3}"
OUT=bench/out; rm -rf "$OUT"; mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cargo build --release -p mrv-cli -q
python3 bench/gen_plots.py "$ROWS" "$OUT/plots.csv"
python3 bench/gen_plots.py "$ROWS" "$OUT/wide.csv" --wide
for f in plots wide; do
  ls -l "$OUT/$f.csv" | awk '{printf "input '"$f"': %s rows, %.1f MB\n", '"$ROWS"', $5/1e6}'
done

# A project whose boundary covers the generated plots, no layers: the import itself is measured
# (--no-enrich), the enrichment that normally follows is timed after it, without a peer.
# Every data command acts as a signed-in user: `bench`, the workspace's first user (tenant admin,
# and analyst to add the project and import). Each timed run includes that sign-in (two
# Argon2id derivations: the password check and opening the signing key).
export MRV_PASSWORD=bench-password MRV_NEW_PASSWORD=bench-password
cat > "$OUT/boundary.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48.01,-25.01],[-46.99,-25.01],[-46.99,-23.99],[-48.01,-23.99],[-48.01,-25.01]]]}}]}
JSON
prepare() {  # a fresh workspace with the project, outside the timing
  rm -rf "$OUT/ws"
  ./target/release/mrv -w "$OUT/ws" init >/dev/null
  ./target/release/mrv -w "$OUT/ws" user add bench --role tenant_admin --role analyst >/dev/null
  ./target/release/mrv -w "$OUT/ws" --as bench project add --name Bench --methodology arr-tree-plots \
    --boundary "$OUT/boundary.geojson" --baseline 2020-12-31 >/dev/null
}
# The peer: the same file into a table with typed columns, one transaction, and the same storage
# settings as a workspace (16 KiB pages, WAL, synchronous=FULL).
peer_sql() {  # $1: file, $2: extra typed columns
  cat <<SQL
PRAGMA page_size=16384;
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE plots (plot_id TEXT, date TEXT, species TEXT, dbh_cm REAL, height_m REAL, claimed_tco2e REAL, lon REAL, lat REAL$2);
.import --csv --skip 1 $1 plots
SELECT count(*) FROM plots;
SQL
}
t() { /usr/bin/time -f "%e %M" -o "$OUT/$1.time" "${@:2}"; cat "$OUT/$1.time" >> "$OUT/$1.all"; }
rm -f "$OUT"/*.all
for round in $(seq "$ROUNDS"); do
  for f in plots wide; do
    prepare
    cat "$OUT/$f.csv" > /dev/null; sync
    t "ours-$f" ./target/release/mrv -w "$OUT/ws" --as bench import "$OUT/$f.csv" \
      --project 1 --period 2025-01-01..2025-12-31 --no-enrich >/dev/null
    if [ "$f" = plots ]; then
      t enrich ./target/release/mrv -w "$OUT/ws" --as bench enrich 1 >/dev/null
    fi
    extra=""; [ "$f" = wide ] && extra=", notes TEXT, crew TEXT, stems INTEGER, checked TEXT"
    peer_sql "$OUT/$f.csv" "$extra" > "$OUT/peer.sql"
    rm -f "$OUT"/peer.sqlite*; sync
    t "peer-$f" sqlite3 "$OUT/peer.sqlite" < "$OUT/peer.sql" >/dev/null
  done
done
python3 - "$OUT" <<'PY'
import statistics, sys
out = sys.argv[1]
def runs(name):
    rows = [l.split() for l in open(f"{out}/{name}.all") if l.strip()]
    return [float(r[0]) for r in rows], max(int(r[1]) for r in rows)
def show(label, name):
    secs, kb = runs(name)
    print(f"{label:<40} median {statistics.median(secs):6.2f} s  runs {' '.join(f'{s:.2f}' for s in secs)}  peak RSS {kb/1024:6.1f} MB")
    return statistics.median(secs)
for f, what in (("plots", "8 columns"), ("wide", "12 columns, quoted text with commas")):
    print(f"\n{what}:")
    o = show("mrv import --no-enrich (validated)", f"ours-{f}")
    p = show("sqlite3 .import (typed columns)", f"peer-{f}")
    print(f"ratio {o/p:.2f}x (target <= 1.2x, peak RSS < 200 MB)")
print()
show("then mrv enrich (no layers: boundary, outlier and duplicate checks)", "enrich")
PY
