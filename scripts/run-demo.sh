#!/usr/bin/env bash
# Sets up everything, builds MRV Desk and opens it on the demo workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: no display (DISPLAY/WAYLAND_DISPLAY unset): MRV Desk is a desktop app and needs one." >&2
  echo "run-demo: on a headless machine try: xvfb-run -a bash scripts/run-demo.sh   (or use the mrv CLI)" >&2
  exit 2
fi
(cd ui && npm run build --silent)
cargo build --release --bin mrv-desk && cargo build --release -p mrv-cli
WORKSPACE="${MRV_WORKSPACE:-$HOME/.local/share/mrv-desk/demo-workspace}"
exec ./target/release/mrv-desk --workspace "$WORKSPACE"
