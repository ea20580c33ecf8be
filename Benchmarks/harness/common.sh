# Shared preamble of profile.sh and callgrind.sh (sourced, not run).  Set TOOL (the message
# prefix) first.  Defines REPO, BIN (APUS_BIN), die, apt_install, free_port and DEMANGLE, and
# checks for the Apus binary, redis-benchmark and redis-cli.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${APUS_BIN:-$REPO/.build/release/apus-server}"

die() { echo "$TOOL: $*" >&2; exit 2; }

[ -x "$BIN" ] || die "Apus binary not found: $BIN (build it with \`make release\`)"
command -v redis-benchmark >/dev/null || die "redis-benchmark not found (make deps-apt)"
command -v redis-cli >/dev/null || die "redis-cli not found (make deps-apt)"

apt_install() {   # $1 = Debian package, $2 = message if it cannot be installed
    echo "$TOOL: installing $1" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null \
        || die "$2"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

DEMANGLE=cat
for d in "$(command -v swift-demangle || true)" /opt/swift/usr/bin/swift-demangle /usr/bin/swift-demangle; do
    if [ -n "$d" ] && [ -x "$d" ]; then DEMANGLE="$d --simplified --compact"; break; fi
done
