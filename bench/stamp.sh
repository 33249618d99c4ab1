#!/usr/bin/env bash
# Stamping benchmark (issue 4): canonicalise + hash + Merkle root of a 1,000,000-row batch
# (mrv_stamp::rows, as approval does, pages of 50,000 rows, leaves on all cores) against, in the
# same run, `openssl dgst -sha256` over exactly the same canonical bytes (SHA-NI on this
# machine). Ours is timed inside the process from rows in memory (reading the CSV is not
# stamping); openssl is timed as a whole process over the bytes file (page cache warm).
# Usage: bash bench/stamp.sh [ROWS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
ROUNDS="${2:-5}"
OUT=bench/out-stamp; mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cargo build --release -q -p mrv-stamp --examples
if [ ! -s "$OUT/plots.csv" ] || [ "$(($(wc -l < "$OUT/plots.csv") - 1))" != "$ROWS" ]; then
  python3 bench/gen_plots.py "$ROWS" "$OUT/plots.csv"
fi
rm -f "$OUT"/ours.txt "$OUT"/peer.txt
for round in $(seq "$ROUNDS"); do
  ./target/release/examples/stamp_rows "$OUT/plots.csv" "$OUT/canonical.bin" 2>> "$OUT/ours.txt" > "$OUT/root.txt"
  cat "$OUT/canonical.bin" > /dev/null
  /usr/bin/time -f "%e" -a -o "$OUT/peer.txt" openssl dgst -sha256 "$OUT/canonical.bin" > /dev/null
done
python3 - "$OUT" "$ROWS" <<'PY'
import os, statistics, sys
out, rows = sys.argv[1], int(sys.argv[2])
ours = [float(l.split()[1]) for l in open(f"{out}/ours.txt") if l.startswith("stamp:")]
peer = [float(l) for l in open(f"{out}/peer.txt") if l.strip()]
size = os.path.getsize(f"{out}/canonical.bin")
o, p = statistics.median(ours), statistics.median(peer)
print(f"{rows:,} rows, {size/1e6:.1f} MB of canonical leaf bytes; rows_root {open(f'{out}/root.txt').read().strip()}")
print(f"mrv stamping (canonicalise + leaf hashes + RFC 6962 root)  median {o:.3f} s  runs {' '.join(f'{x:.3f}' for x in ours)}")
print(f"openssl dgst -sha256 over the same bytes                  median {p:.3f} s  runs {' '.join(f'{x:.3f}' for x in peer)}")
print(f"ratio {o/p:.2f}x openssl's time (target <= 3x)")
PY
