"""A client that closes its connection while a request of its waits (a parked Fetch) gets
nothing more served from that connection: the requests it sent behind the waiting one are
dropped, not run later against a world that moved on. Found in CI: a console consumer's
Metadata, sent while its Fetch was parked, re-created a topic deleted after the consumer had
exited, when the deletion woke the Fetch."""
import socket
import struct
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from conftest import tool

FETCH, METADATA = 1, 3


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def request(api_key, version, corr, body):
    payload = struct.pack(">hhi", api_key, version, corr) + string("pipelined") + body
    return struct.pack(">i", len(payload)) + payload


def fetch_v4(topic, max_wait_ms):
    """Fetch v4 of partition 0 from offset 0, waiting for at least one byte."""
    return (struct.pack(">iiiib", -1, max_wait_ms, 1, 1 << 20, 0) + struct.pack(">i", 1) + string(topic) +
            struct.pack(">i", 1) + struct.pack(">iqi", 0, 0, 1 << 20))


def metadata_v4(topic):
    """Metadata v4 for one topic, allowing its auto-creation."""
    return struct.pack(">i", 1) + string(topic) + struct.pack(">?", True)


def topics(bootstrap):
    return set(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics)


def test_requests_behind_a_parked_fetch_of_a_closed_connection_are_not_served(broker):
    bs = broker.bootstrap
    r = tool("kafka-topics", "--bootstrap-server", bs, "--create", "--topic", "parked")
    assert r.returncode == 0, r.stderr
    # The Fetch parks (the partition is empty); the Metadata behind it would auto-create "ghost".
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as s:
        s.sendall(request(FETCH, 4, 1, fetch_v4("parked", 60000)) + request(METADATA, 4, 2, metadata_v4("ghost")))
    # The client is gone. A record wakes the Fetch; the Metadata must not be served after it.
    p = Producer({"bootstrap.servers": bs})
    p.produce("parked", b"wake")
    assert p.flush(30) == 0
    deadline = time.monotonic() + 3  # served, it would create the topic within milliseconds
    while time.monotonic() < deadline:
        assert "ghost" not in topics(bs), broker.log()
        time.sleep(0.1)
    # A live connection still gets both answers: the Fetch once data is there, then the Metadata.
    with socket.create_connection(("127.0.0.1", broker.port), timeout=30) as s:
        s.sendall(request(FETCH, 4, 1, fetch_v4("parked", 60000)) + request(METADATA, 4, 2, metadata_v4("ghost")))
        got = []
        for _ in range(2):
            size = struct.unpack(">i", recv_exact(s, 4))[0]
            got.append(struct.unpack(">i", recv_exact(s, size)[:4])[0])
    assert got == [1, 2]
    assert "ghost" in topics(bs)


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        assert chunk, "connection closed"
        out += chunk
    return out
