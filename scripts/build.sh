#!/usr/bin/env bash
# The one debug build both README commands use: the workspace's libraries, binaries, tests and
# examples in a single cargo invocation. Building the tests here matters: cargo resolves the
# features of shared dependencies differently when dev-dependencies take part (resolver 2), so
# `cargo build --bins` followed by `cargo test` compiled about half the dependency tree twice
# (futures, glib/gio, GTK, WebKit, Tauri …). Built together, `cargo test` reuses every unit.
# Without incremental caches (a third of the target folder; a fresh build gains nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
if [ ! -x target/debug/mrv-desk ] || [ ! -d target/debug/deps ]; then
  echo "build: first build — compiling MRV Desk, its tools and its tests: about 20 minutes on a" \
    "2-core machine (later builds take seconds to a few minutes; both README commands share it)." >&2
fi
cargo build --workspace --lib --bins --tests --examples "$@"
