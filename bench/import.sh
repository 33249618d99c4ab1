#!/usr/bin/env bash
# Import benchmark (issue 2): our validated import (mrv import --no-enrich) of a 1,000,000-row tree-plot CSV against, in
# the same run, sqlite3's `.import` of the same file into an equivalent table. Reports wall time
# and peak RSS of each (GNU time). Usage: bash bench/import.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
OUT=bench/out; rm -rf "$OUT"; mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
cargo build --release -p mrv-cli -q
python3 bench/gen_plots.py "$ROWS" "$OUT/plots.csv"
ls -l "$OUT/plots.csv" | awk '{printf "input: %s rows, %.1f MB\n", '"$ROWS"', $5/1e6}'

# A project whose boundary covers the generated plots, no layers: the import itself is measured
# (--no-enrich), the enrichment that normally follows is timed after it, without a peer.
# Every data command acts as a signed-in user: `bench`, the workspace's first user (tenant admin,
# and analyst to add the project and import). Each timed run includes that sign-in (two
# Argon2id derivations: the password check and opening the signing key).
export MRV_PASSWORD=bench-password MRV_NEW_PASSWORD=bench-password
./target/release/mrv -w "$OUT/ws" init >/dev/null
./target/release/mrv -w "$OUT/ws" user add bench --role tenant_admin --role analyst >/dev/null
cat > "$OUT/boundary.geojson" <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48.01,-25.01],[-46.99,-25.01],[-46.99,-23.99],[-48.01,-23.99],[-48.01,-25.01]]]}}]}
JSON
./target/release/mrv -w "$OUT/ws" --as bench project add --name Bench --methodology arr-tree-plots \
  --boundary "$OUT/boundary.geojson" --baseline 2020-12-31 >/dev/null
sync
/usr/bin/time -f "%e %M" -o "$OUT/ours.time" ./target/release/mrv -w "$OUT/ws" --as bench import "$OUT/plots.csv" \
  --project 1 --period 2025-01-01..2025-12-31 --no-enrich >/dev/null
/usr/bin/time -f "%e %M" -o "$OUT/enrich.time" ./target/release/mrv -w "$OUT/ws" --as bench enrich 1 >/dev/null
# The peer: same columns, same file, one transaction, and the same storage settings as a
# workspace (16 KiB pages, WAL, synchronous=FULL).
cat > "$OUT/peer.sql" <<SQL
PRAGMA page_size=16384;
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE plots (plot_id TEXT, date TEXT, species TEXT, dbh_cm TEXT, height_m TEXT, claimed_tco2e TEXT, lon TEXT, lat TEXT);
.import --csv --skip 1 $OUT/plots.csv plots
SELECT count(*) FROM plots;
SQL
sync
/usr/bin/time -f "%e %M" -o "$OUT/peer.time" sqlite3 "$OUT/peer.sqlite" < "$OUT/peer.sql" >/dev/null
read -r ours_s ours_kb < "$OUT/ours.time"
read -r enrich_s enrich_kb < "$OUT/enrich.time"
read -r peer_s peer_kb < "$OUT/peer.time"
python3 - "$ours_s" "$ours_kb" "$peer_s" "$peer_kb" "$enrich_s" "$enrich_kb" <<'PY'
import sys
o, om, p, pm = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
e, em = float(sys.argv[5]), int(sys.argv[6])
print(f"mrv import (validated)  {o:6.2f} s   peak RSS {om/1024:6.1f} MB")
print(f"sqlite3 .import         {p:6.2f} s   peak RSS {pm/1024:6.1f} MB")
print(f"ratio                   {o/p:6.2f}x  (target <= 1.5x, peak RSS < 200 MB)")
print(f"then mrv enrich (no layers: boundary, outlier and duplicate checks)  {e:.2f} s   peak RSS {em/1024:.1f} MB")
PY
