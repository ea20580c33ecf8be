#!/usr/bin/env bash
# CPU profile of Apus under a SET/GET load: `make profile`.
#
# Starts Apus on a free port (--bind 127.0.0.1 --save "" --appendonly no), fills 100,000 keys,
# drives it with two redis-benchmark processes (SET and GET, -P 16, 25 clients each = -c 50,
# -r 100000), attaches `perf record -g -e cpu-clock -p PID` for PROFILE_SECONDS, then prints
# the top PROFILE_TOP self-time symbols (`perf report --stdio --no-children`), Swift names
# demangled when swift-demangle is available.  perf.data stays at PERF_DATA for
# `perf report -i perf.data` afterwards (it is git-ignored).
#
# Environment: APUS_BIN, PROFILE_SECONDS (15), PROFILE_TOP (30), PERF_DATA (<repo>/perf.data),
#              PROFILE_TESTS (set,get: redis-benchmark -t names, one load process each).
set -euo pipefail

TOOL=profile
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECONDS_TO_RECORD="${PROFILE_SECONDS:-15}"
TOP="${PROFILE_TOP:-30}"
OUT="${PERF_DATA:-$REPO/perf.data}"
TESTS="${PROFILE_TESTS:-set,get}"

if ! perf version >/dev/null 2>&1; then
    apt_install linux-perf "perf is missing and linux-perf could not be installed"
    perf version >/dev/null 2>&1 || die "perf does not run (see \`perf version\`)"
fi

TMP="$(mktemp -d /tmp/apus-profile.XXXXXX)"
SPID=""
LOADPIDS=()
cleanup() {
    set +e
    for p in "${LOADPIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${LOADPIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
        kill -TERM "$SPID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SPID" 2>/dev/null
        wait "$SPID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(free_port)"
"$BIN" --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" >"$TMP/server.log" 2>&1 &
SPID=$!
for _ in $(seq 1 200); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = "PONG" ]; then break; fi
    kill -0 "$SPID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "Apus exited during start-up"; }
    sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = "PONG" ] || die "Apus did not answer PING on port $PORT"

commands() { redis-cli -h 127.0.0.1 -p "$PORT" info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'; }

# Fill the keyspace so GETs hit.
redis-benchmark -h 127.0.0.1 -p "$PORT" -t set -n 200000 -r 100000 -P 16 -c 50 -q >"$TMP/fill.log" 2>&1 \
    || { cat "$TMP/fill.log" >&2; die "the fill run failed"; }

IFS=',' read -r -a TESTLIST <<<"$TESTS"
CLIENTS=$(( 50 / ${#TESTLIST[@]} ))
for t in "${TESTLIST[@]}"; do
    redis-benchmark -h 127.0.0.1 -p "$PORT" -t "$t" -P 16 -c "$CLIENTS" -r 100000 -n 2000000000 -q \
        >"$TMP/load-$t.log" 2>&1 &
    LOADPIDS+=($!)
done
sleep 1
for p in "${LOADPIDS[@]}"; do kill -0 "$p" 2>/dev/null || { cat "$TMP"/load-*.log >&2; die "redis-benchmark stopped early"; }; done

echo "profile: perf record -g -e cpu-clock -p $SPID for ${SECONDS_TO_RECORD}s (load: $TESTS, -P 16 -c 50 -r 100000)" >&2
C0="$(commands)"
perf record -g -e cpu-clock -p "$SPID" -o "$OUT" -- sleep "$SECONDS_TO_RECORD" 2>"$TMP/perf-record.log" \
    || { cat "$TMP/perf-record.log" >&2; die "perf record failed"; }
C1="$(commands)"
for p in "${LOADPIDS[@]}"; do kill -0 "$p" 2>/dev/null || { cat "$TMP"/load-*.log >&2; die "redis-benchmark stopped during the profile"; }; done
kill -0 "$SPID" 2>/dev/null || { tail -30 "$TMP/server.log" >&2; die "Apus died during the profile"; }
if grep -qi "error" "$TMP"/load-*.log; then grep -i "error" "$TMP"/load-*.log | head -5 >&2; die "redis-benchmark reported errors"; fi

echo "Apus profile: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "load: redis-benchmark -t $TESTS -P 16 -c 50 -r 100000; $(( (C1 - C0) / SECONDS_TO_RECORD )) commands/s while recording"
echo "samples: $(grep -o '([0-9]* samples)' "$TMP/perf-record.log" | tr -d '()' || true); data: $OUT"
echo "top $TOP symbols by self time (perf report --stdio --no-children -F overhead,dso,sym):"
echo
perf report -i "$OUT" --stdio --no-children -F overhead,dso,sym -g none >"$TMP/report.txt" 2>"$TMP/report.err" \
    || { cat "$TMP/report.err" >&2; die "perf report failed"; }
grep -v '^#' "$TMP/report.txt" | grep -v '^[[:space:]]*$' | head -n "$TOP" | $DEMANGLE | sed "s/[[:space:]]*$//" | cut -c1-200 || true
