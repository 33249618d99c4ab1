#!/usr/bin/env bash
# Fuzzes MRV Desk's parsers with cargo-fuzz (libFuzzer + AddressSanitizer) for a fixed budget and
# prints, per target, the executions and crashes; exits 1 naming the crash inputs if any target
# crashed. docs/fuzzing.md says what each target checks and how to keep a crash as a regression.
#
# Installs what it needs, idempotently: the nightly toolchain and cargo-fuzz (from crates.io).
# Each run starts from a fresh corpus made of fuzz/seeds/<target>/ (fuzz/corpus/, not in git).
#
#   bash scripts/fuzz.sh                               # CI: 20 s per target
#   MRV_FUZZ_SECONDS=3600 bash scripts/fuzz.sh         # long run: an hour per target
#   MRV_FUZZ_TARGETS=csv_import,checkpoint bash scripts/fuzz.sh
#   MRV_FUZZ_KEEP_CORPUS=1 …                           # start from the last run's corpus too
#   MRV_FUZZ_BUILD=dev …                               # unoptimised build (what CI uses: it builds
#                                                      # in about half the time; fewer executions)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${MRV_FUZZ_SECONDS:-20}
TOOLCHAIN=${MRV_FUZZ_TOOLCHAIN:-nightly}
RSS_LIMIT_MB=${MRV_FUZZ_RSS_MB:-2048}
BUILD=${MRV_FUZZ_BUILD:-release}
case "$BUILD" in
  release) build_flags=(); profile_dir=release; build_words="release, debug assertions" ;;
  dev) build_flags=(--dev); profile_dir=debug; build_words="unoptimised, debug assertions" ;;
  *) echo "fuzz: MRV_FUZZ_BUILD must be release or dev, not '$BUILD'" >&2; exit 2 ;;
esac
ALL_TARGETS=(csv_import geojson_import methodology_profile signed_note checkpoint tlog_proof anchor_entry stamp_document)
if [ -n "${MRV_FUZZ_TARGETS:-}" ]; then
  IFS=',' read -r -a TARGETS <<<"$MRV_FUZZ_TARGETS"
else
  TARGETS=("${ALL_TARGETS[@]}")
fi

# The largest input each target is given (bytes): room for what the seeds hold and more, while
# keeping every execution fast.
max_len() {
  case "$1" in
    csv_import | geojson_import) echo 16384 ;;
    stamp_document) echo 8192 ;;
    anchor_entry) echo 1024 ;;
    *) echo 4096 ;;
  esac
}

# Tokens the target's format is made of (libFuzzer -dict), so mutations reach deeper sooner.
dict_of() {
  case "$1" in
    signed_note | checkpoint | tlog_proof) echo fuzz/dicts/tlog.dict ;;
    *) echo "fuzz/dicts/$1.dict" ;;
  esac
}

if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
  echo "fuzz: installing the $TOOLCHAIN toolchain"
  rustup toolchain install "$TOOLCHAIN" --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

echo "fuzz: building ${TARGETS[*]} ($build_words, AddressSanitizer)"
build_started=$(date +%s)
if [ -n "${MRV_FUZZ_TARGETS:-}" ]; then
  for t in "${TARGETS[@]}"; do (cd fuzz && cargo "+$TOOLCHAIN" fuzz build "${build_flags[@]}" "$t"); done
else
  (cd fuzz && cargo "+$TOOLCHAIN" fuzz build "${build_flags[@]}")
fi
echo "fuzz: built in $(($(date +%s) - build_started)) s"

bin_dir=fuzz/target/x86_64-unknown-linux-gnu/$profile_dir
mkdir -p fuzz/target/logs
failed=()
rows=()
for t in "${TARGETS[@]}"; do
  corpus=fuzz/corpus/$t
  artifacts=fuzz/artifacts/$t
  if [ -z "${MRV_FUZZ_KEEP_CORPUS:-}" ]; then
    rm -rf "$corpus"
  fi
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/seeds/"$t"/* "$corpus"/
  log=fuzz/target/logs/$t.log
  before=$(find "$artifacts" -type f | sort)
  echo "fuzz: $t for ${SECONDS_EACH} s"
  dict=()
  [ -f "$(dict_of "$t")" ] && dict=(-dict="$(dict_of "$t")")
  status=0
  "$bin_dir/$t" "$corpus" "${dict[@]}" \
    -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -rss_limit_mb="$RSS_LIMIT_MB" \
    -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  rss=$(awk '/stat::peak_rss_mb:/ {print $2}' "$log" | tail -1)
  new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | sed '/^$/d')
  crashes=$(printf '%s' "$new" | grep -c . || true)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # stopped without writing an input (e.g. the binary could not start)
  fi
  rows+=("$(printf '%-20s %8s %12s %8s %8s' "$t" "$SECONDS_EACH" "${execs:-?}" "$crashes" "${rss:-?}")")
  if [ "$crashes" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t CRASHED (exit $status); its log: $log"
    grep -E -m 20 "panicked at|ERROR: |SUMMARY: |Test unit written to" "$log" || tail -20 "$log"
    for a in $new; do echo "fuzz: crash input: $a"; done
  fi
done

echo
printf '%-20s %8s %12s %8s %8s\n' target seconds executions crashes "rss MB"
printf '%s\n' "${rows[@]}"
if ((${#failed[@]})); then
  echo "fuzz: crashes in ${failed[*]}; reproduce with $bin_dir/<target> <input>, keep the input in fuzz/regressions/<target>/ (docs/fuzzing.md)"
  exit 1
fi
echo "fuzz: no crashes"
