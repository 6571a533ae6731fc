"""Limits, each with Kafka's behaviour: socket.request.max.bytes (connection closed),
message.max.bytes and topic max.message.bytes (MESSAGE_TOO_LARGE), a batch larger than the
topic's segment.bytes (RECORD_LIST_TOO_LARGE), max.connections and max.connections.per.ip
(connection closed), queued.max.requests (answers written out in groups, in order), and
min.insync.replicas (acks=all refused with NOT_ENOUGH_REPLICAS when one node cannot satisfy it).

A compressed produced batch is read through a streaming window, never inflated whole, so a
decompression bomb costs its compressed size plus the window (hostile_input_test.py shows it).
"""
import socket
import struct

from confluent_kafka.admin import AdminClient, NewTopic

import raw_batches as rb
from conftest import wait_until

MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, NOT_ENOUGH_REPLICAS = 10, 18, 19


def create(broker, name, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(30)


def api_versions(sock, corr=1):
    sock.sendall(rb.frame(18, 0, corr, b""))
    resp = rb.read_response(sock)
    assert struct.unpack_from(">ih", resp) == (corr, 0)


def closed_by_broker(sock, timeout=10):
    """True when the broker closed `sock` (EOF or reset) without answering."""
    sock.settimeout(timeout)
    try:
        sock.sendall(rb.frame(18, 0, 9, b""))
        return sock.recv(65536) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def connect(broker, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", broker.port))
    return s


def batch_of_size(size):
    """An uncompressed batch of exactly `size` bytes."""
    overhead = len(rb.batch([b""]))
    b = rb.batch([bytes(size - overhead - 2)])
    if len(b) != size:  # the value's varint length grew by a byte or two
        b = rb.batch([bytes(size - overhead - 2 - (len(b) - size))])
    assert len(b) == size
    return b


def test_socket_request_max_bytes_closes(broker_factory):
    broker = broker_factory({"socket.request.max.bytes": "2000"})
    create(broker, "t")
    ok = rb.frame(0, 7, 77, rb.produce_body_v7("t", 0, batch_of_size(1900)))
    assert len(ok) - 4 <= 2000
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as s:
        s.sendall(ok)
        assert rb.parse_produce_v7(rb.read_response(s))[1] == [("t", 0, 0, 0)]
    too_big = rb.frame(0, 7, 78, rb.produce_body_v7("t", 0, batch_of_size(2000)))
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as s:
        s.sendall(too_big[:4])  # the size alone is enough to refuse it
        assert s.recv(100) == b""
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as s:
        api_versions(s)


def test_message_max_bytes_and_topic_override(broker_factory):
    broker = broker_factory({"message.max.bytes": "5000"})
    create(broker, "default")
    create(broker, "small", {"max.message.bytes": "3000"})
    create(broker, "large", {"max.message.bytes": "20000"})
    b = broker.bootstrap
    # message.max.bytes counts the whole batch, log overhead included, as Kafka does.
    assert rb.produce_raw(b, "default", 0, batch_of_size(5000)) == (0, 0)
    assert rb.produce_raw(b, "default", 0, batch_of_size(5001)) == (MESSAGE_TOO_LARGE, -1)
    assert rb.produce_raw(b, "small", 0, batch_of_size(3000)) == (0, 0)
    assert rb.produce_raw(b, "small", 0, batch_of_size(3001)) == (MESSAGE_TOO_LARGE, -1)
    assert rb.produce_raw(b, "large", 0, batch_of_size(19000)) == (0, 0)
    assert rb.produce_raw(b, "default", 0, batch_of_size(100)) == (0, 1)


def test_batch_larger_than_segment_is_record_list_too_large(broker_factory):
    broker = broker_factory()
    create(broker, "seg", {"segment.bytes": "2000", "max.message.bytes": "10000"})
    b = broker.bootstrap
    assert rb.produce_raw(b, "seg", 0, batch_of_size(2000)) == (0, 0)
    assert rb.produce_raw(b, "seg", 0, batch_of_size(2001)) == (RECORD_LIST_TOO_LARGE, -1)
    assert rb.produce_raw(b, "seg", 0, batch_of_size(500)) == (0, 1)


def test_max_connections(broker_factory):
    broker = broker_factory({"max.connections": "4"})
    socks = []
    try:
        for i in range(4):
            s = connect(broker)
            api_versions(s, i + 1)
            socks.append(s)
        extra = connect(broker)
        assert closed_by_broker(extra)
        extra.close()
        socks.pop().close()

        def fifth_accepted():
            s = connect(broker)
            try:
                api_versions(s)
            except (ConnectionError, OSError):
                s.close()
                return False
            socks.append(s)
            return True
        wait_until(fifth_accepted, 30, message="a connection accepted once one closed")
    finally:
        for s in socks:
            s.close()


def test_max_connections_per_ip(broker_factory):
    broker = broker_factory({"max.connections.per.ip": "2"})
    socks = []
    try:
        for i in range(2):
            s = connect(broker, "127.0.0.1")
            api_versions(s, i + 1)
            socks.append(s)
        extra = connect(broker, "127.0.0.1")
        assert closed_by_broker(extra)
        extra.close()
        # Another address is counted on its own.
        other = connect(broker, "127.0.0.2")
        api_versions(other)
        socks.append(other)
    finally:
        for s in socks:
            s.close()


def test_queued_max_requests_answers_pipelined_requests_in_order(broker_factory):
    # queued.max.requests (our reading, see README): a connection holds at most that many
    # answers before writing them out; a pipelining client gets every answer, in order.
    broker = broker_factory({"queued.max.requests": "3"})
    with socket.create_connection(("127.0.0.1", broker.port), timeout=30) as s:
        s.sendall(b"".join(rb.frame(18, 0, 1000 + i, b"") for i in range(200)))
        for i in range(200):
            resp = rb.read_response(s)
            assert struct.unpack_from(">ih", resp) == (1000 + i, 0)


def produce_with_acks(bootstrap, topic, acks):
    """One Produce v7 with the given acks; -> (error_code, base_offset)."""
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(rb.frame(0, 7, 5, rb.produce_body_v7(topic, 0, rb.batch([b"x"]), acks=acks)))
        corr, parts = rb.parse_produce_v7(rb.read_response(s))
    assert corr == 5
    return parts[0][2], parts[0][3]


def test_min_insync_replicas_refuses_acks_all(broker_factory):
    # Kafka's answer on one broker: acks=all needs min.insync.replicas in sync; acks=1 does not.
    b = broker_factory({"min.insync.replicas": "2"})
    create(b, "strict")                                     # the broker's default: 2
    create(b, "relaxed", {"min.insync.replicas": "1"})      # the topic's override wins
    assert produce_with_acks(b.bootstrap, "strict", -1) == (NOT_ENOUGH_REPLICAS, -1)
    assert produce_with_acks(b.bootstrap, "strict", 1) == (0, 0)
    assert produce_with_acks(b.bootstrap, "strict", -1) == (NOT_ENOUGH_REPLICAS, -1)
    assert produce_with_acks(b.bootstrap, "strict", 1) == (0, 1)   # nothing refused was appended
    assert produce_with_acks(b.bootstrap, "relaxed", -1) == (0, 0)
