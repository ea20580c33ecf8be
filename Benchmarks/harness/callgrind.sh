#!/usr/bin/env bash
# Instructions per request of Apus under callgrind: `make callgrind`.
#
# Starts Apus under `valgrind --tool=callgrind --instr-atstart=no` on a free port (--bind 127.0.0.1
# --save "" --appendonly no), waits for it (valgrind slows it ~50x), switches instrumentation on
# (callgrind_control -i on), then runs a fixed, deterministic workload: CALLGRIND_N SETs, then
# CALLGRIND_N GETs (redis-benchmark -n N -c 1 -P 16, no -r: every request uses the same key), with
# a dump after each phase.  Prints instructions (Ir) per request for SET, GET and both, and the
# top functions by self cost of each phase (callgrind_annotate), Swift names demangled when
# swift-demangle is available.  Start-up and shutdown are not counted; the two CONFIG GETs
# redis-benchmark sends per run are (2 in 20,000).
#
# Output files: CALLGRIND_DIR (default <repo>, git-ignored) callgrind.out.set / callgrind.out.get,
# for `callgrind_annotate` or kcachegrind.
# Environment: APUS_BIN, CALLGRIND_N (20000), CALLGRIND_TOP (25), CALLGRIND_DIR.
set -euo pipefail

TOOL=callgrind
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
N="${CALLGRIND_N:-20000}"
TOP="${CALLGRIND_TOP:-25}"
OUTDIR="${CALLGRIND_DIR:-$REPO}"

if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
    apt_install valgrind "valgrind is missing and could not be installed"
fi

TMP="$(mktemp -d /tmp/apus-callgrind.XXXXXX)"
VPID=""
cleanup() {
    set +e
    if [ -n "$VPID" ] && kill -0 "$VPID" 2>/dev/null; then
        kill -TERM "$VPID" 2>/dev/null
        for _ in $(seq 1 300); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$VPID" 2>/dev/null
        wait "$VPID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(free_port)"
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/callgrind.out.%p" \
    "$BIN" --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" >"$TMP/server.log" 2>&1 &
VPID=$!
ready=0
for _ in $(seq 1 600); do   # up to 120 s: valgrind start-up is slow
    if [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = "PONG" ]; then ready=1; break; fi
    kill -0 "$VPID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "Apus under valgrind exited during start-up"; }
    sleep 0.2
done
[ "$ready" = 1 ] || { tail -20 "$TMP/server.log" >&2; die "Apus under valgrind did not answer PING on port $PORT within 120 s"; }

control() { callgrind_control "$@" "$VPID" >"$TMP/control.log" 2>&1 || { cat "$TMP/control.log" >&2; die "callgrind_control $* failed"; }; }

run_phase() {   # $1 = redis-benchmark test name
    redis-benchmark -h 127.0.0.1 -p "$PORT" -t "$1" -n "$N" -c 1 -P 16 --csv >"$TMP/bench-$1.csv" 2>"$TMP/bench-$1.err" \
        || { cat "$TMP/bench-$1.err" >&2; die "redis-benchmark -t $1 failed"; }
    if grep -qi "error" "$TMP/bench-$1.err" "$TMP/bench-$1.csv"; then cat "$TMP/bench-$1.err" >&2; die "redis-benchmark -t $1 reported errors"; fi
    kill -0 "$VPID" 2>/dev/null || { tail -20 "$TMP/server.log" >&2; die "Apus died during $1"; }
}

echo "callgrind: Apus under valgrind (pid $VPID) on port $PORT; $N SET then $N GET, -c 1 -P 16" >&2
control -i on
control -z
run_phase set
control -d
run_phase get
control -d
control -i off

# Dumps are numbered <out>.<pid>.1, .2 in order.
SET_OUT="$OUTDIR/callgrind.out.set"
GET_OUT="$OUTDIR/callgrind.out.get"
cp "$TMP/callgrind.out.$VPID.1" "$SET_OUT" 2>/dev/null || die "no callgrind dump for the SET phase"
cp "$TMP/callgrind.out.$VPID.2" "$GET_OUT" 2>/dev/null || die "no callgrind dump for the GET phase"

total() { sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$1" | head -1; }
IR_SET="$(total "$SET_OUT")"
IR_GET="$(total "$GET_OUT")"
[ -n "$IR_SET" ] && [ -n "$IR_GET" ] || die "could not read the totals from the callgrind dumps"

# Calls into Swift's reference counting per request: the keyspace path should make none.
rc_calls() {   # $1 = callgrind dump; prints the number of calls to swift_retain/swift_release*
    python3 - "$1" <<'PY'
import re, sys
names, counts, pending = {}, 0, None
for line in open(sys.argv[1], errors="replace"):
    if line.startswith(("cfn=", "cfni=")):
        m = re.match(r"cfni?=\((\d+)\)(?: (.*))?", line.strip())
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            pending = names.get(m.group(1), "")
        continue
    if line.startswith("calls=") and pending is not None:
        if re.match(r"swift_(nonatomic_)?(retain|release|bridgeObjectRetain|bridgeObjectRelease)(_n)?$", pending):
            counts += int(line.split("=")[1].split()[0])
        pending = None
print(counts)
PY
}
RC_SET="$(rc_calls "$SET_OUT")"
RC_GET="$(rc_calls "$GET_OUT")"

echo "Apus callgrind: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(valgrind --version)"
echo "workload: redis-benchmark -n $N -c 1 -P 16 (fixed key), instructions counted from the first SET to the last GET"
awk -v s="$IR_SET" -v g="$IR_GET" -v n="$N" 'BEGIN {
    printf "  SET   %14d Ir  %8.0f Ir/request\n", s, s / n
    printf "  GET   %14d Ir  %8.0f Ir/request\n", g, g / n
    printf "  both  %14d Ir  %8.0f Ir/request\n", s + g, (s + g) / (2 * n)
}'
awk -v s="$RC_SET" -v g="$RC_GET" -v n="$N" 'BEGIN {
    printf "  swift_retain/release calls: SET %d (%.2f/request), GET %d (%.2f/request)\n", s, s / n, g, g / n
}'
for phase in set get; do
    f="$OUTDIR/callgrind.out.$phase"
    echo
    echo "top $TOP functions by self Ir, $phase phase (callgrind_annotate $f):"
    callgrind_annotate --inclusive=no --threshold=100 "$f" 2>/dev/null >"$TMP/annotate-$phase.txt" \
        || die "callgrind_annotate failed on $f"
    # The function table follows the line naming the columns.  callgrind_annotate splits one
    # function over the source files its code came from (inlining) and names the object only
    # on some lines, so sum per demangled function name.
    python3 - "$TMP/annotate-$phase.txt" "$TOP" "$DEMANGLE" <<'PY' | cut -c1-200
import collections, os, re, subprocess, sys
path, top, demangle = sys.argv[1], int(sys.argv[2]), sys.argv[3]
entries, total, on = [], 0, False
for line in open(path, errors="replace"):
    if "file:function" in line:
        on = True
        continue
    m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S.*)$", line)
    if not on:
        if m and m.group(2).strip() == "PROGRAM TOTALS":
            total = int(m.group(1).replace(",", ""))
        continue
    if not m:
        if entries and not line.strip():
            break
        continue
    ir, rest = int(m.group(1).replace(",", "")), m.group(2)
    obj = ""
    o = re.search(r"\s\[([^\]]*)\]$", rest)
    if o:
        obj, rest = os.path.basename(o.group(1)), rest[:o.start()]
    fn = rest.split(":", 1)[1] if ":" in rest else rest   # file:function
    entries.append((ir, fn.strip(), obj))
names = [fn for _, fn, _ in entries]
if demangle != "cat" and names:
    try:
        out = subprocess.run(demangle.split(), input="\n".join(names) + "\n", capture_output=True,
                             text=True, timeout=60).stdout.splitlines()
        if len(out) == len(names):
            names = out
    except (OSError, subprocess.TimeoutExpired):
        pass
cost, objs = collections.Counter(), {}
for (ir, _, obj), name in zip(entries, names):
    cost[name] += ir
    if obj:
        objs.setdefault(name, obj)
total = total or sum(cost.values()) or 1
for name, ir in cost.most_common(top):
    print("%12s %6.2f%%  %s%s" % (format(ir, ","), 100.0 * ir / total, name,
                                  "  [%s]" % objs[name] if name in objs else ""))
PY
done

# The same workload on redis-server, for the ratio (CALLGRIND_REDIS=0 skips it).
if [ "${CALLGRIND_REDIS:-1}" != 0 ] && command -v redis-server >/dev/null; then
    echo
    REDIS_OUT="$(APUS_BIN="$(command -v redis-server)" CALLGRIND_REDIS=0 CALLGRIND_TOP=0 CALLGRIND_DIR="$TMP" bash "$0" 2>/dev/null)" \
        || die "the redis-server callgrind run failed"
    R_SET="$(echo "$REDIS_OUT" | awk '$1 == "SET" {print $4; exit}')"
    R_GET="$(echo "$REDIS_OUT" | awk '$1 == "GET" {print $4; exit}')"
    echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on the same workload: SET $R_SET Ir/request, GET $R_GET Ir/request"
    awk -v as="$IR_SET" -v ag="$IR_GET" -v rs="$R_SET" -v rg="$R_GET" -v n="$N" 'BEGIN {
        printf "  Apus/Redis instructions per request: SET %.2f, GET %.2f\n", as / n / rs, ag / n / rg
    }'
fi
