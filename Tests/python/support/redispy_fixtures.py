"""Shared by the redis-py test files: each test runs against Apus and redis-server, in RESP2 and
RESP3, through an unchanged redis-py client. Import the fixtures into the test module."""

import pytest
import redis as redispy


@pytest.fixture(params=["apus", "redis"])
def server_name(request):
    return request.param


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def protocol(request):
    return request.param


def connect(server, protocol):
    return redispy.Redis(host=server.host, port=server.port, protocol=protocol, socket_timeout=10)
