"""Running one scenario against Apus and against redis-server and comparing what each side
observed (lists of raw frames), with a readable report of where they differ."""


def assert_same(apus_log, redis_log, label=""):
    if apus_log == redis_log:
        return
    lines = ["apus and redis differ" + (" (%s)" % label if label else "")]
    for i, (x, y) in enumerate(zip(apus_log, redis_log)):
        mark = "  " if x == y else "!!"
        lines.append("%s %2d apus %r\n      redis %r" % (mark, i, x, y))
    if len(apus_log) != len(redis_log):
        lines.append("lengths %d vs %d" % (len(apus_log), len(redis_log)))
    raise AssertionError("\n".join(lines))


def run_both(apus, redis, scenario, make_scene, label=""):
    """scenario(scene) -> observations, run on a fresh scene of each server; returns Redis's."""
    results = []
    for server in (apus, redis):
        scene = make_scene(server)
        try:
            results.append(scenario(scene))
        finally:
            scene.close()
    assert_same(results[0], results[1], label)
    return results[1]


NOTHING = b"<nothing>"


class Scene:
    """Connections to one server, all speaking `proto`; `ctl` is the first."""

    def __init__(self, server, proto):
        self.server = server
        self.proto = proto
        self.clients = []
        self.ctl = self.connect()

    def connect(self):
        from support.resp import RespClient
        c = RespClient(port=self.server.port, timeout=10)
        if self.proto == 3:
            c.command("HELLO", "3")
        self.clients.append(c)
        return c

    def close(self):
        for c in self.clients:
            c.close()


def nothing_yet(c, wait=0.15):
    """NOTHING when no reply arrives within `wait` seconds, else the reply."""
    import socket
    c.sock.settimeout(wait)
    try:
        return c.read_reply()
    except (socket.timeout, TimeoutError):
        return NOTHING
    finally:
        c.sock.settimeout(10)
