"""client-output-buffer-limit: a client whose unsent output reaches its class's
hard limit, or stays over its soft limit for longer than the soft seconds, is
closed, logged as Redis logs it, and forgotten (CLIENT LIST, PUBSUB NUMSUB);
the server goes on serving.  Every scenario runs against Apus and, as the
reference, against redis-server 7.0 (fresh servers, so the limits set here do
not leak into other tests), asserting the same observable outcome.

A subscriber that stops reading is a raw socket with a small receive buffer
that never calls recv() after its SUBSCRIBE confirmation; the publisher sends
64 KiB messages until the server drops it (polled, with a cap on the volume).
"""

import re
import socket
import threading
import time

import pytest

from support.netfixtures import wait_until
from support.resp import RespClient, encode_command

MESSAGE = b"m" * (64 * 1024)


@pytest.fixture(params=["apus", "redis"])
def fresh(request, apus_factory, redis_factory):
    return (apus_factory if request.param == "apus" else redis_factory)()


def stalled_subscriber(server, channel=b"slow"):
    """A subscribed connection that will never read again; returns (socket, client id)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((server.host, server.port))
    s.settimeout(10)
    s.sendall(encode_command("CLIENT", "ID") + encode_command("SUBSCRIBE", channel))
    data = b""
    while not data.endswith(b":1\r\n") or b"subscribe" not in data:
        chunk = s.recv(4096)
        assert chunk, "closed while subscribing"
        data += chunk
    client_id = int(re.match(rb":(\d+)\r\n", data).group(1))
    return s, client_id


def listed(ctl, client_id):
    return (b"id=%d " % client_id) in ctl.command("CLIENT", "LIST")


def omem(ctl, client_id):
    line = re.search(rb"id=%d .*" % client_id, ctl.command("CLIENT", "LIST"))
    return int(re.search(rb" omem=(\d+)", line.group(0)).group(1)) if line else None


def publish_until_dropped(ctl, channel=b"slow", cap_bytes=256 << 20):
    """Publishes MESSAGE until nobody receives it; returns how many reached a subscriber."""
    delivered = 0
    for _ in range(cap_bytes // len(MESSAGE)):
        if ctl.command("PUBLISH", channel, MESSAGE) == b":0\r\n":
            return delivered
        delivered += 1
    raise AssertionError("subscriber still connected after %d MiB" % (cap_bytes >> 20))


def log_text(server):
    with open(server.log_path, "rb") as f:
        return f.read().decode("utf-8", "replace")


# Over a limit when output is appended: closed asynchronously. Found by the clients cron (a soft
# limit outlasting its seconds with no new output): closed at once. Redis logs the two differently.
LOG_LINE = re.compile(r"Client id=(\d+) addr=\S+ .*flags=P .* scheduled to be closed ASAP "
                      r"for overcoming of output buffer limits\.")
LOG_LINE_EITHER = re.compile(r"Client id=(\d+) addr=\S+ .*flags=P .* (scheduled to be closed ASAP|closed) "
                             r"for overcoming of output buffer limits\.")


def test_pubsub_hard_limit_disconnects_stalled_subscriber(fresh):
    ctl = fresh.client()
    assert ctl.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0") == b"+OK\r\n"
    sock, client_id = stalled_subscriber(fresh)
    reader = RespClient(port=fresh.port)                  # a subscriber that keeps reading stays
    reader.send_command("SUBSCRIBE", "slow")
    reader.read_reply()
    try:
        delivered = publish_until_dropped_but_reader(ctl, reader)
        assert delivered > 0
        assert wait_until(lambda: not listed(ctl, client_id))
        assert ctl.command("PUBSUB", "NUMSUB", "slow") == b"*2\r\n$4\r\nslow\r\n:1\r\n"
        assert ctl.command("PING") == b"+PONG\r\n"
        assert wait_until(lambda: any(int(m.group(1)) == client_id for m in LOG_LINE.finditer(log_text(fresh))))
        assert "# Client id=%d" % client_id in log_text(fresh)   # logged at WARNING
    finally:
        sock.close()
        reader.close()


def publish_until_dropped_but_reader(ctl, reader):
    """Publishes until only `reader` receives (the stalled one was dropped); `reader` drains."""
    delivered = 0
    for _ in range((256 << 20) // len(MESSAGE)):
        receivers = ctl.command("PUBLISH", "slow", MESSAGE)
        reader.read_reply()
        if receivers == b":1\r\n":
            return delivered
        assert receivers == b":2\r\n", receivers
        delivered += 1
    raise AssertionError("stalled subscriber still connected after 256 MiB")


def test_pubsub_soft_limit_needs_its_seconds(fresh):
    ctl = fresh.client()
    assert ctl.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 2") == b"+OK\r\n"
    sock, client_id = stalled_subscriber(fresh)
    try:
        # Fill until the output queued in the server is over the soft limit...
        for _ in range(4096):
            ctl.command("PUBLISH", "slow", MESSAGE)
            used = omem(ctl, client_id)
            if used is None or used >= 512 * 1024:
                break
        assert used is not None and used >= 512 * 1024, "never got over the soft limit"
        # ...one more append sees it over the limit for 0 s: not closed yet.
        assert ctl.command("PUBLISH", "slow", b"x") == b":1\r\n"
        assert listed(ctl, client_id)
        # Kept over it for more than 2 s, it is closed without any further output (the cron).
        assert wait_until(lambda: not listed(ctl, client_id), timeout=15)
        assert ctl.command("PUBSUB", "NUMSUB", "slow") == b"*2\r\n$4\r\nslow\r\n:0\r\n"
        assert any(int(m.group(1)) == client_id for m in LOG_LINE_EITHER.finditer(log_text(fresh)))
    finally:
        sock.close()


def test_normal_client_hard_limit(fresh):
    ctl = fresh.client()
    ctl.command("SET", "big", b"v" * (200 * 1024))
    ctl.command("SET", "small", b"v" * 100)
    c = RespClient(port=fresh.port)
    assert len(c.command("GET", "big")) > 200 * 1024        # default normal limits: 0 0 0
    assert ctl.command("CONFIG", "SET", "client-output-buffer-limit", "normal 100kb 0 0") == b"+OK\r\n"
    assert c.command("GET", "small") == b"$100\r\n" + b"v" * 100 + b"\r\n"
    client_id = int(c.command("CLIENT", "ID")[1:-2])
    c.send_command("GET", "big")
    assert c.is_closed(), "client over the normal hard limit was not closed"
    assert not listed(ctl, client_id)
    assert ctl.command("PING") == b"+PONG\r\n"
    log = log_text(fresh)
    assert re.search(r"Client id=%d .*flags=N .*cmd=get .* scheduled to be closed ASAP for overcoming of "
                     r"output buffer limits\." % client_id, log), log[-2000:]
    c.close()


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_rss_stays_bounded_with_a_stalled_subscriber(apus_factory):
    """A bounded version of Benchmarks/harness/pubsub_slow_subscriber.py: 64 MiB published to
    stalled subscribers (a new one each time the last is dropped), limit 8 MiB; the server's
    RSS grows by at most the limit + 20%."""
    limit = 8 << 20
    server = apus_factory(extra_args=["--client-output-buffer-limit", "pubsub %d 0 0" % limit])
    ctl = server.client()
    pid = server.proc.pid
    ctl.command("PUBLISH", "slow", MESSAGE)                 # warm the query buffer
    baseline = vm_rss(pid)
    peak = [baseline]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], vm_rss(pid))
            time.sleep(0.002)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    socks = []
    drops = 0
    try:
        socks.append(stalled_subscriber(server)[0])
        for _ in range((64 << 20) // len(MESSAGE)):
            if ctl.command("PUBLISH", "slow", MESSAGE) == b":0\r\n":
                drops += 1
                socks[-1].close()
                socks.append(stalled_subscriber(server)[0])
    finally:
        stop.set()
        sampler.join()
        for s in socks:
            s.close()
    assert drops >= 1
    assert peak[0] - baseline <= limit * 1.2, "RSS grew by %.1f MiB (limit %d MiB)" % (
        (peak[0] - baseline) / 2**20, limit >> 20)
