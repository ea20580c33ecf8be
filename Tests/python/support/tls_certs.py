"""Test certificates made with the openssl CLI, as Redis's utils/gen-test-certs.sh makes them:
a CA, a server certificate and a client certificate signed by it.

    certs = make_test_certs(directory)   # dict of paths: ca, server_crt, server_key, client_crt, client_key
"""

import os
import subprocess


def _run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_test_certs(directory: str) -> dict:
    os.makedirs(directory, exist_ok=True)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    _run("openssl", "genrsa", "-out", path("ca.key"), "2048")
    _run("openssl", "req", "-x509", "-new", "-nodes", "-sha256", "-key", path("ca.key"), "-days", "3650",
         "-subj", "/O=Apus Test/CN=Certificate Authority", "-out", path("ca.crt"))
    for name, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        ext = path(name + ".ext")
        with open(ext, "w") as f:
            f.write("keyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = %s\n" % usage)
        _run("openssl", "genrsa", "-out", path(name + ".key"), "2048")
        _run("openssl", "req", "-new", "-sha256", "-subj", "/O=Apus Test/CN=%s" % name,
             "-key", path(name + ".key"), "-out", path(name + ".csr"))
        _run("openssl", "x509", "-req", "-sha256", "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
             "-CAserial", path("ca.txt"), "-CAcreateserial", "-days", "365", "-extfile", ext,
             "-in", path(name + ".csr"), "-out", path(name + ".crt"))
    return {"ca": path("ca.crt"), "server_crt": path("server.crt"), "server_key": path("server.key"),
            "client_crt": path("client.crt"), "client_key": path("client.key"), "dir": directory}


def server_args(certs: dict, tls_port: int) -> list:
    """The directives that put a server on tls_port with these certificates."""
    return ["--tls-port", str(tls_port), "--tls-cert-file", certs["server_crt"],
            "--tls-key-file", certs["server_key"], "--tls-ca-cert-file", certs["ca"]]


def cli_args(certs: dict) -> list:
    """redis-cli / redis-benchmark's options for a client with its certificate."""
    return ["--tls", "--cacert", certs["ca"], "--cert", certs["client_crt"], "--key", certs["client_key"]]
