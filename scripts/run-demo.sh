#!/usr/bin/env bash
# Sets up everything, builds MRV Desk and opens it on the demo workspace, with a local audit-log
# server (mrv-auditlog on 127.0.0.1) the workspace anchors its stamps to.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: no display (DISPLAY/WAYLAND_DISPLAY unset): MRV Desk is a desktop app and needs one." >&2
  echo "run-demo: on a headless machine try: xvfb-run -a bash scripts/run-demo.sh   (or use the mrv CLI)" >&2
  exit 2
fi
(cd ui && npm run build --silent)
cargo build --release --bin mrv-desk && cargo build --release -p mrv-cli -p mrv-auditlog
BIN=./target/release
DATA="${MRV_DEMO_HOME:-$HOME/.local/share/mrv-desk}"
WORKSPACE="${MRV_WORKSPACE:-$DATA/demo-workspace}"
LOG="$DATA/demo-auditlog"
mkdir -p "$LOG"
chmod 700 "$LOG"

# The demo log: its key and one writer token for the demo workspace, made on the first run.
ORIGIN=demo.mrv-desk.local/auditlog
[ -f "$LOG/log.key" ] || "$BIN/mrv-auditlog" keygen --origin "$ORIGIN" --key "$LOG/log.key" > /dev/null
[ -f "$LOG/demo.token" ] || (umask 077; "$BIN/mrv-auditlog" token add demo-workspace --token-file "$LOG/tokens" > "$LOG/demo.token")
VKEY=$("$BIN/mrv-auditlog" vkey --key "$LOG/log.key")
"$BIN/mrv-auditlog" serve --listen 127.0.0.1:0 --store "$LOG/log.db" --key "$LOG/log.key" \
  --origin "$ORIGIN" --token-file "$LOG/tokens" > "$LOG/serve.out" 2> "$LOG/serve.err" &
LOG_PID=$!
trap 'kill "$LOG_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" "$LOG/serve.out" 2>/dev/null && break; sleep 0.05; done
URL=$(grep -o 'http://[0-9.:]*' "$LOG/serve.out") || { cat "$LOG/serve.err" >&2; exit 1; }
echo "run-demo: audit log $ORIGIN at $URL (vkey $VKEY)"

# The demo workspace (created on first use) pins that log; the demo ops admin connects it.
"$BIN/mrv" -w "$WORKSPACE" init --demo > /dev/null
MRV_PASSWORD=demo-password "$BIN/mrv" -w "$WORKSPACE" --as oscar auditlog connect "$URL" \
  --vkey "$VKEY" --token "$(cat "$LOG/demo.token")" > /dev/null \
  || echo "run-demo: the audit log was not connected; MRV Desk's log-health panel says why" >&2
"$BIN/mrv-desk" --workspace "$WORKSPACE"
