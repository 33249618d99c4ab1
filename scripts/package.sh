#!/usr/bin/env bash
# Builds MRV Desk's installable packages with `tauri build` (release profile):
#   target/release/bundle/deb/mrv-desk_<version>_amd64.deb   the desktop app, `mrv` and
#                                                           `mrv-auditlog` on the PATH, a menu
#                                                           entry and its icon
#   target/release/bundle/appimage/…AppImage                when its tools can be fetched (below)
# With --test it then installs the .deb with apt, checks what it put on the PATH and in the menu,
# starts the installed app under Xvfb on a fresh account (it must create its demo workspace and
# show the sign-in screen, where a demo user signs in: tests/e2e/tests/first_start.rs), and
# uninstalls it again, checking nothing of it is left.
# Usage: bash scripts/package.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TERM_COLOR=never
echo "package: release build of mrv-desk, mrv and mrv-auditlog (about 15 minutes the first time on 2 cores)"
cargo build --release -p mrv-cli -p mrv-auditlog --quiet
TAURI=ui/node_modules/.bin/tauri
# The AppImage bundler downloads linuxdeploy and its GTK plugin from GitHub while it runs; a
# machine that reaches only package registries cannot make one, so it is attempted only when
# github.com answers, and otherwise skipped with that reason.
bundles=deb
if curl -sfI --max-time 5 https://github.com >/dev/null 2>&1; then
  bundles=deb,appimage
else
  echo "package: AppImage skipped: its bundler fetches linuxdeploy from github.com, which this machine cannot reach"
fi
# The UI is built here; tauri's own beforeBuildCommand would run from ui/ (where its CLI is
# installed) and so miss the path the config gives relative to the repository.
(cd ui && npm run build --silent)
"$TAURI" build --bundles "$bundles" --ci --config '{"build":{"beforeBuildCommand":""}}'
# Tauri names the file after the product ("MRV Desk_…"); it is renamed after the Debian package
# it holds, as `apt install ./mrv-desk_*.deb` expects.
built=$(ls -t target/release/bundle/deb/*.deb | head -1)
DEB="target/release/bundle/deb/$(dpkg-deb -f "$built" Package)_$(dpkg-deb -f "$built" Version)_$(dpkg-deb -f "$built" Architecture).deb"
[ "$built" = "$DEB" ] || mv -f "$built" "$DEB"
echo "package: $DEB ($(du -h "$DEB" | cut -f1))"
ls target/release/bundle/appimage/*.AppImage 2>/dev/null || true

[ "${1:-}" = "--test" ] || exit 0

echo "package: installing $DEB"
apt-get install -y -qq "./$DEB" >/dev/null
trap 'apt-get remove -y -qq mrv-desk >/dev/null 2>&1 || true' EXIT
for tool in mrv mrv-auditlog mrv-desk; do
  command -v "$tool" >/dev/null || { echo "package: $tool is not on the PATH" >&2; exit 1; }
done
mrv --version
mrv-auditlog --version
desktop=$(dpkg -L mrv-desk | grep -E '/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$desktop" ] || { echo "package: no menu entry" >&2; exit 1; }
grep -q '^Exec=mrv-desk' "$desktop" || { echo "package: $desktop does not start mrv-desk" >&2; exit 1; }
icon=$(grep '^Icon=' "$desktop" | cut -d= -f2)
dpkg -L mrv-desk | grep -q "/icons/.*/$icon\.png$" || { echo "package: icon $icon not installed" >&2; exit 1; }
echo "package: menu entry $desktop, icon $icon"
MRV_DESK_APP=$(command -v mrv-desk) xvfb-run -a --server-args="-screen 0 1400x900x24" \
  cargo test -q -p mrv-e2e --test first_start -- --nocapture
apt-get remove -y -qq mrv-desk >/dev/null
trap - EXIT
hash -r   # forget where bash found the tools before
left=$(dpkg -L mrv-desk 2>/dev/null | grep -c . || true)
for tool in mrv mrv-auditlog mrv-desk; do
  if command -v "$tool" >/dev/null; then echo "package: $tool still on the PATH after removal" >&2; exit 1; fi
done
echo "package: installed, started on its sign-in screen, removed cleanly (dpkg lists $left files)"
