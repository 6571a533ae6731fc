"""Batch timestamps are derived from the records, never trusted from the header, and segments
are bounded by descriptors, not the other way round.

The data-loss repro: older Sarama releases send every v2 batch with maxTimestamp = -1. Trusting
that field rolled a segment per batch and let the next time-retention check delete all of them
whatever retention.ms said. Here: raw Produce requests with maxTimestamp = -1 on a topic at the
default retention, a retention check every 2 s; everything must stay, and lookups by timestamp
must find the records.
"""
import glob
import os
import struct
import time
import zlib

from kafka import KafkaConsumer, TopicPartition

from conftest import tool, wait_until
from raw_batches import GZIP, ProduceConnection, batch, record

RETENTION_CHECK = {"log.retention.check.interval.ms": "2000"}


def create_topic(bootstrap, name, *configs, partitions=1):
    args = ["--bootstrap-server", bootstrap, "--create", "--topic", name, "--partitions", str(partitions),
            "--replication-factor", "1"]
    for c in configs:
        args += ["--config", c]
    r = tool("kafka-topics", *args)
    assert r.returncode == 0, r.stderr


def consumer(bootstrap):
    return KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=10000,
                         api_version_auto_timeout_ms=30000)


def read_all(bootstrap, topic, expected):
    c = consumer(bootstrap)
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        got = []
        deadline = time.monotonic() + 60
        while len(got) < expected and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=1000).values():
                got.extend(recs)
        return got
    finally:
        c.close()


def earliest_offset(bootstrap, topic):
    c = consumer(bootstrap)
    try:
        tp = TopicPartition(topic, 0)
        return c.beginning_offsets([tp])[tp]
    finally:
        c.close()


def retention_has_run(bootstrap, conn, sentinel):
    """Waits for two whole retention passes after this call: each batch on the sentinel topic
    (retention.bytes=1, one batch per segment) makes the segments before it deletable, and the
    log start reaching that batch means a pass ran."""
    for _ in range(2):
        err, offset = conn.produce(sentinel, 0, batch([b"tick"]))
        assert err == 0
        if offset == 0:
            err, offset = conn.produce(sentinel, 0, batch([b"tick"]))
            assert err == 0
        wait_until(lambda: earliest_offset(bootstrap, sentinel) == offset, timeout=60,
                   message=f"a retention pass over the sentinel topic up to offset {offset}")


def test_max_timestamp_minus_one_keeps_every_record(broker_factory):
    b = broker_factory(RETENTION_CHECK)
    create_topic(b.bootstrap, "sarama")
    create_topic(b.bootstrap, "sentinel", "retention.bytes=1", "segment.bytes=100")
    base = int(time.time() * 1000) - 60_000  # a minute ago: well within the 7-day retention
    batches = 30
    with ProduceConnection(b.bootstrap) as conn:
        for i in range(batches):
            ts = base + i * 1000
            values = [f"v{i}-{k}".encode() for k in range(3)]
            err, offset = conn.produce("sarama", 0, batch(values, timestamp=ts, ts_deltas=[0, 10, 20],
                                                          max_timestamp=-1))
            assert (err, offset) == (0, 3 * i)
        # The same through a compressed batch.
        area = b"".join(record(k, f"z{k}".encode(), ts_delta=k) for k in range(3))
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        err, offset = conn.produce("sarama", 0, batch([b"z0", b"z1", b"z2"], attributes=GZIP,
                                                      records_area=gz.compress(area) + gz.flush(),
                                                      timestamp=base + batches * 1000, max_timestamp=-1))
        assert (err, offset) == (0, 3 * batches)
        retention_has_run(b.bootstrap, conn, "sentinel")

    total = 3 * batches + 3
    assert earliest_offset(b.bootstrap, "sarama") == 0
    got = read_all(b.bootstrap, "sarama", total)
    assert [r.offset for r in got] == list(range(total))
    assert got[4].value == b"v1-1" and got[4].timestamp == base + 1000 + 10
    assert got[-1].value == b"z2" and got[-1].timestamp == base + batches * 1000 + 2

    # One segment: batches without a header timestamp no longer roll one each.
    logs = glob.glob(os.path.join(b.log_dir, "sarama-0", "*.log"))
    assert len(logs) == 1, logs
    # The stored batches carry the records' max timestamp (what retention and lookups read).
    with open(logs[0], "rb") as f:
        data = f.read()
    first_max_ts = struct.unpack_from(">q", data, 35)[0]
    assert first_max_ts == base + 20

    # Lookups by timestamp find the records (they answered -1 before).
    c = consumer(b.bootstrap)
    try:
        tp = TopicPartition("sarama", 0)
        found = c.offsets_for_times({tp: base + 5 * 1000 + 15})[tp]
        assert (found.offset, found.timestamp) == (5 * 3 + 2, base + 5 * 1000 + 20)
    finally:
        c.close()

    # Retention deletions are logged with their reason.
    assert "due to log retention size 1 breach" in b.log() or "due to log retention size 1 breach" in open(
        b.log_path, errors="replace").read()


def test_out_of_range_timestamps_are_refused(broker_factory):
    b = broker_factory({"log.message.timestamp.before.max.ms": "86400000"})
    create_topic(b.bootstrap, "bounded")
    now = int(time.time() * 1000)
    with ProduceConnection(b.bootstrap) as conn:
        # Kafka 4's default: at most an hour into the future.
        assert conn.produce("bounded", 0, batch([b"future"], timestamp=now + 2 * 3600 * 1000))[0] == 32
        assert conn.produce("bounded", 0, batch([b"old"], timestamp=now - 2 * 86400 * 1000))[0] == 32
        # No timestamp at all is fine, as in Kafka.
        assert conn.produce("bounded", 0, batch([b"none"], timestamp=-1)) == (0, 0)
        # A producer may not stamp LogAppendTime (attributes bit 3) on a CreateTime topic.
        assert conn.produce("bounded", 0, batch([b"lat"], attributes=0x08))[0] == 32
        assert conn.produce("bounded", 0, batch([b"now"], timestamp=now)) == (0, 1)


def test_compacted_topic_refuses_records_without_keys(broker):
    create_topic(broker.bootstrap, "compacted", "cleanup.policy=compact")
    with ProduceConnection(broker.bootstrap) as conn:
        assert conn.produce("compacted", 0, batch([b"v"]))[0] == 87  # INVALID_RECORD
        assert conn.produce("compacted", 0, batch([b"v"], keys=[b"k"])) == (0, 0)


def test_thousands_of_segments_under_a_descriptor_limit(broker_factory):
    """A partition of 3000 one-batch segments takes writes and is read whole under ulimit -n 256:
    segments are opened on use through a bounded cache, not held open each."""
    b = broker_factory(nofile=256)
    create_topic(b.bootstrap, "many", "segment.bytes=100", "retention.ms=-1")
    n = 3000
    with ProduceConnection(b.bootstrap) as conn:
        for i in range(n):
            assert conn.produce("many", 0, batch([f"r{i}".encode()])) == (0, i)
    assert len(glob.glob(os.path.join(b.log_dir, "many-0", "*.log"))) >= n - 1
    assert "file descriptors open of a limit of 256" in open(b.log_path, errors="replace").read()

    # Restarted under the same limit, it opens every segment and goes on.
    b.restart()
    with ProduceConnection(b.bootstrap) as conn:
        assert conn.produce("many", 0, batch([b"after restart"])) == (0, n)
    got = read_all(b.bootstrap, "many", n + 1)
    assert len(got) == n + 1
    assert [r.offset for r in got] == list(range(n + 1))
    assert got[1234].value == b"r1234" and got[-1].value == b"after restart"
