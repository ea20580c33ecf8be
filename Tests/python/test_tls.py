"""TLS on the tls-port (tls.c, Redis 7.0): redis-cli and redis-py over TLS, client certificate
policies, big values and pipelines through SSL_read/SSL_write, idle handshakes and `timeout`,
CONFIG SET of the tls-* directives, and replication over TLS with redis-server both ways."""

import os
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import redis

from support.servers import ServerProcess, apus_binary, free_port, redis_binary
from support.tls_certs import cli_args, make_test_certs, server_args


@pytest.fixture(scope="module")
def certs():
    with tempfile.TemporaryDirectory(prefix="apus-tls-") as directory:
        yield make_test_certs(directory)


def start(binary, certs, extra=(), name="apus"):
    tls_port = free_port()
    srv = ServerProcess(binary, extra_args=server_args(certs, tls_port) + list(extra), name=name).start()
    srv.tls_port = tls_port
    return srv


@pytest.fixture
def servers():
    started = []
    yield started
    for srv in started:
        srv.stop()


def tls_client(certs, port, with_cert=True, **kwargs):
    options = dict(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=certs["ca"], ssl_check_hostname=False,
                   socket_timeout=10)
    if with_cert:
        options.update(ssl_certfile=certs["client_crt"], ssl_keyfile=certs["client_key"])
    options.update(kwargs)
    return redis.Redis(**options)


def cli(certs, port, *args, with_cert=True):
    tls = cli_args(certs) if with_cert else ["--tls", "--cacert", certs["ca"]]
    return subprocess.run(["redis-cli", "-p", str(port)] + tls + list(args), capture_output=True, text=True, timeout=20)


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_redis_cli_over_tls(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    assert cli(certs, srv.tls_port, "PING").stdout == "PONG\n"
    assert cli(certs, srv.tls_port, "SET", "k", "v").stdout == "OK\n"
    assert cli(certs, srv.tls_port, "GET", "k").stdout == "v\n"
    # The same dataset on the plain port.
    assert srv.client().command("GET", "k") == b"$1\r\nv\r\n"


def test_tls_only_server_with_port_zero(certs, servers):
    tls_port = free_port()
    directory = tempfile.mkdtemp(prefix="apus-tls-only-")
    proc = subprocess.Popen([apus_binary(), "--port", "0", "--save", "", "--dir", directory] + server_args(certs, tls_port),
                            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: cli(certs, tls_port, "PING").stdout == "PONG\n")
        assert cli(certs, tls_port, "CONFIG", "GET", "port").stdout == "port\n0\n"
    finally:
        proc.terminate()
        proc.wait(10)


def test_redis_py_ssl_and_pipeline(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    r = tls_client(certs, srv.tls_port)
    assert r.ping() is True
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set("key:%d" % i, "value:%d" % i)
        pipe.incr("counter")
    replies = pipe.execute()
    assert replies[-1] == 2000 and replies[0] is True
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.get("key:%d" % i)
    assert pipe.execute() == [b"value:%d" % i for i in range(2000)]


def test_big_value_over_tls(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    r = tls_client(certs, srv.tls_port)
    value = os.urandom(10 * 1024 * 1024)
    assert r.set("big", value) is True
    assert r.get("big") == value
    assert r.strlen("big") == len(value)
    # Several big replies queued at once (many reply pieces, partial SSL writes).
    pipe = r.pipeline(transaction=False)
    for _ in range(3):
        pipe.get("big")
    assert pipe.execute() == [value] * 3


@pytest.mark.parametrize("mode,accepted", [("yes", False), ("optional", True), ("no", True)])
def test_tls_auth_clients(certs, servers, mode, accepted):
    srv = start(apus_binary(), certs, ["--tls-auth-clients", mode])
    servers.append(srv)
    # A client with a certificate is always accepted.
    assert tls_client(certs, srv.tls_port).ping() is True
    anonymous = tls_client(certs, srv.tls_port, with_cert=False)
    if accepted:
        assert anonymous.ping() is True
    else:
        with pytest.raises(redis.ConnectionError):
            anonymous.ping()
        assert cli(certs, srv.tls_port, "PING", with_cert=False).stdout != "PONG\n"
        # Logged as redis-server does (clientAcceptHandler).
        assert wait_for(lambda: "# Error accepting a client connection: error:0A0000C7:SSL routines::peer did not "
                                "return a certificate" in open(srv.log_path).read())


def test_tls_auth_clients_config_set(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    assert cli(certs, srv.tls_port, "PING", with_cert=False).stdout != "PONG\n"
    assert srv.client().command("CONFIG", "SET", "tls-auth-clients", "no") == b"+OK\r\n"
    assert cli(certs, srv.tls_port, "PING", with_cert=False).stdout == "PONG\n"


def closed_by_peer(sock):
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True


def test_silent_and_garbage_connections_are_closed(certs, servers):
    srv = start(apus_binary(), certs, ["--timeout", "1"])
    servers.append(srv)
    silent = socket.create_connection(("127.0.0.1", srv.tls_port))
    silent.settimeout(10)
    garbage = socket.create_connection(("127.0.0.1", srv.tls_port))
    garbage.settimeout(10)
    garbage.sendall(b"PING\r\n")
    # Garbage fails the handshake at once (an alert may come before the close).
    assert closed_by_peer(garbage)
    # Other TLS clients are served while the silent one hangs in its handshake.
    r = tls_client(certs, srv.tls_port)
    assert r.set("x", "1") is True
    assert srv.client().command("CLIENT", "LIST").count(b"id=") >= 2
    started = time.monotonic()
    assert closed_by_peer(silent)
    assert time.monotonic() - started < 9
    assert r.get("x") == b"1"
    silent.close()
    garbage.close()


def test_silent_connection_with_timeout_zero_does_not_block(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    silent = socket.create_connection(("127.0.0.1", srv.tls_port))
    try:
        r = tls_client(certs, srv.tls_port)
        for i in range(20):
            assert r.incr("n") == i + 1
        assert srv.client().command("PING") == b"+PONG\r\n"
    finally:
        silent.close()


def test_config_set_bad_cert_keeps_serving(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    reference = start(redis_binary(), certs, name="redis")
    servers.append(reference)
    for s in (srv, reference):
        reply = s.client().command("CONFIG", "SET", "tls-cert-file", "/nonexistent/cert.pem")
        assert reply == (b"-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                         b"Unable to update TLS configuration. Check server logs.\r\n")
        assert s.client().command("CONFIG", "GET", "tls-cert-file") == (
            b"*2\r\n$13\r\ntls-cert-file\r\n$%d\r\n%s\r\n" % (len(certs["server_crt"]), certs["server_crt"].encode()))
    assert tls_client(certs, srv.tls_port).ping() is True
    assert "Failed to load certificate: /nonexistent/cert.pem" in open(srv.log_path).read()
    # A good change is taken: new connections use the rebuilt context.
    assert srv.client().command("CONFIG", "SET", "tls-protocols", "TLSv1.2") == b"+OK\r\n"
    r = tls_client(certs, srv.tls_port)
    assert r.ping() is True
    assert r.connection_pool.get_connection()._sock.version() == "TLSv1.2"


def test_config_set_tls_port(certs, servers):
    srv = start(apus_binary(), certs)
    servers.append(srv)
    new_port = free_port()
    assert srv.client().command("CONFIG", "SET", "tls-port", str(new_port)) == b"+OK\r\n"
    assert tls_client(certs, new_port).ping() is True
    with pytest.raises(redis.ConnectionError):
        tls_client(certs, srv.tls_port).ping()


def test_startup_without_ca_fails_like_redis(certs):
    for binary in (apus_binary(), redis_binary()):
        directory = tempfile.mkdtemp(prefix="apus-tls-noca-")
        args = [binary, "--port", str(free_port()), "--tls-port", str(free_port()), "--save", "",
                "--tls-cert-file", certs["server_crt"], "--tls-key-file", certs["server_key"]]
        proc = subprocess.run(args, cwd=directory, capture_output=True, text=True, timeout=20)
        assert proc.returncode != 0, binary
        assert "Either tls-ca-cert-file or tls-ca-cert-dir must be specified" in proc.stdout, binary
        assert "Failed to configure TLS. Check logs for more info." in proc.stdout, binary


def replicate(certs, servers, master_binary, replica_binary, master_extra=()):
    master = start(master_binary, certs, ["--tls-replication", "yes"] + list(master_extra), name="master")
    servers.append(master)
    m = tls_client(certs, master.tls_port)
    for i in range(500):
        m.set("before:%d" % i, "x" * (i % 50))
    m.set("blob", os.urandom(300000))
    replica = start(replica_binary, certs, ["--tls-replication", "yes", "--tls-client-cert-file", certs["client_crt"],
                                            "--tls-client-key-file", certs["client_key"]], name="replica")
    servers.append(replica)
    r = tls_client(certs, replica.tls_port)
    assert r.replicaof("127.0.0.1", master.tls_port)
    assert wait_for(lambda: r.info("replication")["master_link_status"] == "up", timeout=30)
    for i in range(200):
        m.set("after:%d" % i, i)
    assert m.execute_command("WAIT", 1, 10000) == 1
    assert r.dbsize() == m.dbsize() == 701
    assert r.get("blob") == m.get("blob")
    assert r.get("after:199") == b"199"
    # The master sees the replica on its tls-port.
    replicas = m.info("replication")
    assert replicas["slave0"]["port"] == replica.tls_port


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_replication_apus_to_apus(certs, servers, diskless):
    replicate(certs, servers, apus_binary(), apus_binary(),
              ["--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"])


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_replication_apus_master_redis_replica(certs, servers, diskless):
    replicate(certs, servers, apus_binary(), redis_binary(),
              ["--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"])


def test_replication_redis_master_apus_replica(certs, servers):
    replicate(certs, servers, redis_binary(), apus_binary(), ["--repl-diskless-sync-delay", "0"])


@pytest.mark.parametrize("source_binary,target_binary", [(apus_binary(), apus_binary()), (apus_binary(), redis_binary()),
                                                         (redis_binary(), apus_binary())])
def test_migrate_over_tls_with_tls_cluster(certs, servers, source_binary, target_binary):
    source = start(source_binary, certs, ["--tls-cluster", "yes", "--tls-client-cert-file", certs["client_crt"],
                                          "--tls-client-key-file", certs["client_key"]], name="source")
    target = start(target_binary, certs, name="target")
    servers.extend([source, target])
    s = tls_client(certs, source.tls_port)
    s.set("moved", "value")
    s.rpush("list", *range(100))
    assert s.execute_command("MIGRATE", "127.0.0.1", target.tls_port, "", 0, 5000, "KEYS", "moved", "list") == b"OK"
    t = tls_client(certs, target.tls_port)
    assert t.get("moved") == b"value" and t.llen("list") == 100
    assert s.exists("moved", "list") == 0
    # The cached connection is reused.
    s.set("again", "1")
    assert s.execute_command("MIGRATE", "127.0.0.1", target.tls_port, "again", 0, 5000) == b"OK"
    assert t.get("again") == b"1"


@pytest.mark.parametrize("name,value,logged", [
    ("tls-protocols", "TLSv1.2 SSLv3", "Invalid tls-protocols specified."),
    ("tls-ciphers", "NO-SUCH-CIPHER", "Failed to configure ciphers: NO-SUCH-CIPHER"),
    ("tls-ciphersuites", "NO_SUCH_SUITE", "Failed to configure ciphersuites: NO_SUCH_SUITE"),
    ("tls-dh-params-file", "/nonexistent/dh.pem", "Failed to load /nonexistent/dh.pem: No such file or directory"),
    ("tls-key-file", "@ca", "Failed to load private key: "),
    ("tls-ca-cert-file", "/nonexistent/ca.pem", "Failed to configure CA certificate(s) file/directory: "),
])
def test_config_set_rejected_like_redis(certs, servers, name, value, logged):
    value = certs["ca"] if value == "@ca" else value
    replies = []
    for binary in (apus_binary(), redis_binary()):
        srv = start(binary, certs)
        servers.append(srv)
        replies.append(srv.client().command("CONFIG", "SET", name, value))
        assert logged in open(srv.log_path).read(), binary
        assert tls_client(certs, srv.tls_port).ping() is True
    assert replies[0] == replies[1]
    assert b"Unable to update TLS configuration" in replies[0]


def test_config_set_tls_port_without_certificates_like_redis(servers):
    replies = []
    for binary in (apus_binary(), redis_binary()):
        srv = ServerProcess(binary, name="plain").start()
        servers.append(srv)
        replies.append(srv.client().command("CONFIG", "SET", "tls-port", str(free_port())))
        assert "No tls-cert-file configured!" in open(srv.log_path).read(), binary
    assert replies[0] == replies[1] == (b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - "
                                        b"Unable to update TLS configuration. Check server logs.\r\n")
