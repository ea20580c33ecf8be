#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with ASan and coverage instrumentation over the Apus
# modules they drive, runs each target in turn for FUZZ_RUNS executions (libFuzzer's -runs,
# counted by libFuzzer itself; default 10,000,000), stopping a target early only if FUZZ_SECONDS
# is set, and fails on any crash, sanitizer report, leak, time-out or oversized allocation. New inputs libFuzzer finds go to .build-fuzz/corpus/
# (kept between runs); the committed seeds in Fuzz/corpus/ are only read. A crashing input is
# saved under .build-fuzz/artifacts/<target>/ and its report printed.
#
#   scripts/fuzz.sh                                  every target, 10M executions each
#   FUZZ_RUNS=1000000 scripts/fuzz.sh                every target, 1M executions each
#   FUZZ_SECONDS=10 scripts/fuzz.sh                  every target, at most 10 s each
#   FUZZ_TARGETS="rdb restore" scripts/fuzz.sh      some of them
#   scripts/fuzz.sh build                            only build
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${FUZZ_RUNS:-10000000}
SECONDS_EACH=${FUZZ_SECONDS:-}
TARGETS=${FUZZ_TARGETS:-"request-parser inline-splitter rdb restore config"}
BUILD=.build-fuzz

# --sanitize fuzzer tells SwiftPM the executables get libFuzzer's main; the compiler flag
# must name both sanitizers at once (a second -sanitize= replaces the first). lld links without
# gold's "Cannot export local symbol" warnings; dead stripping would drop the coverage sections.
swift build --package-path Fuzz --build-path "$BUILD" -c release --disable-dead-strip \
    --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld
[ "${1:-}" = build ] && exit 0

max_len() {
    case $1 in
        request-parser) echo 4096 ;;
        inline-splitter) echo 1024 ;;
        rdb) echo 16384 ;;
        restore) echo 8192 ;;
        config) echo 4096 ;;
    esac
}

dictionary() {
    case $1 in
        request-parser|inline-splitter) echo Fuzz/dict/resp.dict ;;
        rdb|restore) echo Fuzz/dict/rdb.dict ;;
        config) echo Fuzz/dict/config.dict ;;
    esac
}

failed=0
time_cap=()
[ -n "$SECONDS_EACH" ] && time_cap=(-max_total_time="$SECONDS_EACH")
printf '%-16s %8s %12s %10s %8s %8s %7s\n' target seconds executions exec/s cov ft corpus
for target in $TARGETS; do
    work="$BUILD/corpus/$target"
    artifacts="$BUILD/artifacts/$target/"
    log="$BUILD/logs/$target.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    status=0
    started=$(date +%s)
    # -malloc_limit_mb: no input of max_len bytes may make one allocation this big (a length
    # field claiming terabytes must be refused, not allocated). -timeout catches endless loops: it is
    # wall-clock time, so it is generous (30 s) for a machine whose other work starves the fuzzer.
    "$BUILD/release/fuzz-$target" -runs="$RUNS" "${time_cap[@]}" -max_len="$(max_len "$target")" \
        -dict="$(dictionary "$target")" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -artifact_prefix="$artifacts" -print_final_stats=1 \
        "$work" "Fuzz/corpus/$target" >"$log" 2>&1 </dev/null || status=$?
    elapsed=$(( $(date +%s) - started ))
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    executions=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
    rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
    corpus=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$done_line")
    printf '%-16s %8s %12s %10s %8s %8s %7s\n' "$target" "$elapsed" "${executions:-?}" "${rate:-?}" \
        "${cov:-?}" "${ft:-?}" "${corpus:-?}"
    if [ "$status" -ne 0 ] || [ -z "$done_line" ]; then
        failed=1
        echo "fuzz-$target FAILED (exit $status); report from $log:"
        grep -E -A40 'ERROR: |fuzz invariant|Fatal error|deadly signal|out-of-memory|timeout' "$log" | head -80 || tail -40 "$log"
        ls "$artifacts"
    fi
done
exit $failed
