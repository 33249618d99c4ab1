#!/usr/bin/env bash
# Sets up everything, builds MRV Desk and opens it on the demo workspace, with a local audit-log
# server (mrv-auditlog on 127.0.0.1) the workspace anchors its stamps to and a local stand-in CADT
# registry (mrv-registry on 127.0.0.1) its exports are pushed to.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: no display (DISPLAY/WAYLAND_DISPLAY unset): MRV Desk is a desktop app and needs one." >&2
  echo "run-demo: on a headless machine try: xvfb-run -a bash scripts/run-demo.sh   (or use the mrv CLI)" >&2
  exit 2
fi
(cd ui && npm run build --silent)
# The same build as the test command's (scripts/build.sh: one cargo invocation, one profile):
# whichever of the README's two commands runs second reuses what the first compiled.
bash scripts/build.sh --quiet
BIN=./target/debug
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
REG_PID=
trap 'kill "$LOG_PID" 2>/dev/null || true; [ -z "$REG_PID" ] || kill "$REG_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" "$LOG/serve.out" 2>/dev/null && break; sleep 0.05; done
URL=$(grep -o 'http://[0-9.:]*' "$LOG/serve.out") || { cat "$LOG/serve.err" >&2; exit 1; }
echo "run-demo: audit log $ORIGIN at $URL (vkey $VKEY)"

# The demo registry: a CADT-compatible stand-in with its API key, made on the first run. It
# publishes committed rows every 2 s (a real CADT: about 10 s).
REG="$DATA/demo-registry"
mkdir -p "$REG"
chmod 700 "$REG"
[ -f "$REG/api.key" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$REG/api.key"; echo >> "$REG/api.key")
"$BIN/mrv-registry" --listen 127.0.0.1:0 --store "$REG/registry.db" --api-key-file "$REG/api.key" \
  --move-interval-ms 2000 > "$REG/serve.out" 2> "$REG/serve.err" &
REG_PID=$!
for _ in $(seq 100); do grep -q "http://" "$REG/serve.out" 2>/dev/null && break; sleep 0.05; done
REG_URL=$(grep -o 'http://[0-9.:]*' "$REG/serve.out") || { cat "$REG/serve.err" >&2; exit 1; }
echo "run-demo: registry (CADT stand-in) at $REG_URL"

# The demo workspace (created on first use) pins that log; the demo ops admin connects it.
"$BIN/mrv" -w "$WORKSPACE" init --demo > /dev/null
MRV_PASSWORD=demo-password "$BIN/mrv" -w "$WORKSPACE" --as oscar auditlog connect "$URL" \
  --vkey "$VKEY" --token "$(cat "$LOG/demo.token")" > /dev/null \
  || echo "run-demo: the audit log was not connected; MRV Desk's log-health panel says why" >&2
MRV_PASSWORD=demo-password "$BIN/mrv" -w "$WORKSPACE" --as oscar registry connect "$REG_URL" \
  --api-key-file "$REG/api.key" > /dev/null \
  || echo "run-demo: the registry was not connected; \`mrv registry status\` says why" >&2
"$BIN/mrv-desk" --workspace "$WORKSPACE"
