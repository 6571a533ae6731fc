"""Old protocol versions, as clients from before Kafka 0.11 speak them: Produce v0-v2 with
message formats v0/v1 (up-converted to v2 batches), Fetch v0-v3 (the log down-converted to
v0/v1), ListOffsets v0 with max_num_offsets. Raw frames built by hand (legacy_messages.py),
then kafka-python pinned to old API versions as a real old client.
"""
import time

import pytest
from confluent_kafka import Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import legacy_messages as lm
from broker_clients import consume_partition

NONE_ERR, CORRUPT_MESSAGE, UNSUPPORTED_VERSION, INVALID_RECORD = 0, 2, 35, 87
UNSUPPORTED_COMPRESSION_TYPE, INVALID_TIMESTAMP = 76, 32
TS = 1700000000000
CODECS = {"gzip": lm.GZIP, "snappy": lm.SNAPPY, "lz4": lm.LZ4}


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    from conftest import Broker
    root = tmp_path_factory.mktemp("oldproto")
    (root / "logs").mkdir()
    b = Broker(str(root / "logs"), overrides={"num.partitions": "1"}).start()
    yield b
    assert b.stop() == 0


def create(broker, name, partitions=1, **configs):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    fs = admin.create_topics([NewTopic(name, partitions, 1, config={k.replace("_", "."): v for k, v in configs.items()})])
    fs[name].result(30)


@pytest.fixture
def conn(broker):
    c = lm.Conn(broker.bootstrap)
    yield c
    c.close()


def consumed(broker, topic, count):
    """(offset, key, value, timestamp) of the first `count` records, read by librdkafka."""
    return [(m.offset(), m.key(), m.value(), m.timestamp()) for m in consume_partition(broker.bootstrap, topic, 0, count)]


# --- produce v0-v2 ---------------------------------------------------------------------------

@pytest.mark.parametrize("version,magic", [(0, 0), (1, 0), (2, 1), (2, 0)])
def test_produce_old_uncompressed(broker, conn, version, magic):
    topic = f"old-produce-{version}-{magic}"
    create(broker, topic)
    records = [(b"k0", b"v0", TS), (None, b"v1", TS + 1), (b"k2", None, TS + 2)]
    for rnd in range(2):
        data = b"".join(lm.message(0, magic, k, v, timestamp=ts) for k, v, ts in records)
        err, base = conn.produce(version, topic, 0, data)
        assert (err, base) == (0, 3 * rnd)
    got = consumed(broker, topic, 6)
    assert [g[0] for g in got] == list(range(6))
    assert [(g[1], g[2]) for g in got[:3]] == [(k, v) for k, v, _ in records]
    if magic == 1:
        assert [g[3][1] for g in got[:3]] == [TS, TS + 1, TS + 2]
    else:
        assert all(g[3][1] == -1 or g[3][0] == 0 for g in got)  # magic 0: no timestamp


@pytest.mark.parametrize("codec", sorted(CODECS))
@pytest.mark.parametrize("version,magic", [(0, 0), (2, 1)])
def test_produce_old_compressed(broker, conn, codec, version, magic):
    topic = f"old-compressed-{codec}-{version}"
    create(broker, topic)
    records = [(f"k{i}".encode(), (f"value-{i}-" * (i % 50)).encode(), TS + i) for i in range(200)]
    records[3] = (None, b"null key", TS + 3)
    for rnd in range(2):
        err, base = conn.produce(version, topic, 0, lm.wrapper(magic, CODECS[codec], records, timestamp=TS + 199))
        assert (err, base) == (0, 200 * rnd)
    got = consumed(broker, topic, 400)
    assert [g[0] for g in got] == list(range(400))
    assert [(g[1], g[2]) for g in got[200:]] == [(k, v) for k, v, _ in records]
    if magic == 1:
        assert [g[3][1] for g in got[:200]] == [ts for _, _, ts in records]
    # The stored batch keeps the producer's codec: down-converted to magic 1, it comes back as one
    # wrapper of that codec.
    err, _, data = conn.fetch(2, topic, 0, 0)
    assert err == 0
    shallow = lm.parse_messages(data, deep=False)
    assert shallow[0][2] & 7 == CODECS[codec]


def test_produce_magic1_wrapper_offsets_as_old_librdkafka_sends_them(broker, conn):
    create(broker, "old-wrapper-offsets")
    recs = [(b"a", b"1", TS), (b"b", b"2", TS)]
    # Wrapper offset 0 (old librdkafka) and the right one are fine; one below the last inner is not.
    assert conn.produce(2, "old-wrapper-offsets", 0, lm.wrapper(1, lm.GZIP, recs, wrapper_offset=0))[0] == 0
    assert conn.produce(2, "old-wrapper-offsets", 0, lm.wrapper(1, lm.GZIP, recs))[0] == 0
    bad = lm.wrapper(1, lm.GZIP, recs, wrapper_offset=3, inner_offsets=[0, 9])
    assert conn.produce(2, "old-wrapper-offsets", 0, bad)[0] == INVALID_RECORD
    assert len(consumed(broker, "old-wrapper-offsets", 4)) == 4


def test_produce_old_refusals(broker, conn):
    topic = "old-refused"
    create(broker, topic)
    good = lm.message(0, 1, b"k", b"v", timestamp=TS)
    cases = {
        "shallow crc": (lm.message(0, 1, b"k", b"v", timestamp=TS, crc=1), CORRUPT_MESSAGE),
        "inner crc": (lm.message(0, 1, None, lm.compress(lm.GZIP, lm.message(0, 1, b"k", b"v", crc=5), 1),
                                 attributes=lm.GZIP), CORRUPT_MESSAGE),
        "two wrappers": (lm.wrapper(1, lm.GZIP, [(b"k", b"v", TS)]) * 2, INVALID_RECORD),
        "mixed magics": (good + lm.message(1, 0, b"k", b"v"), INVALID_RECORD),
        "nested compression": (lm.message(0, 1, None, lm.compress(lm.GZIP, lm.wrapper(1, lm.GZIP, [(b"k", b"v", TS)]), 1),
                                          attributes=lm.GZIP), INVALID_RECORD),
        "magic 1 lz4 with the old checksum": (lm.message(0, 1, None, lm.kafka_lz4(good, 0), attributes=lm.LZ4),
                                              CORRUPT_MESSAGE),
        "torn": (good + good[:20], CORRUPT_MESSAGE),
    }
    for name, (data, want) in cases.items():
        err, base = conn.produce(2, topic, 0, data)
        assert (name, err, base) == (name, want, -1)
    assert conn.produce(2, topic, 0, good) == (0, 0)  # nothing refused was stored


def test_log_append_time_from_old_producer(broker, conn):
    create(broker, "old-lat", message_timestamp_type="LogAppendTime")
    lat = lm.message(0, 1, b"k", b"v", timestamp=TS, attributes=lm.LOG_APPEND_TIME)
    assert conn.produce(2, "old-lat", 0, lat)[0] == INVALID_TIMESTAMP
    before = int(time.time() * 1000)
    assert conn.produce(2, "old-lat", 0, lm.message(0, 1, b"k", b"v", timestamp=TS)) == (0, 0)
    ((_, _, _, (_, ts)),) = consumed(broker, "old-lat", 1)
    assert ts >= before


# --- fetch v0-v3 -----------------------------------------------------------------------------

def produce_new(broker, topic, values, compression="none", headers=None):
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": compression,
                  "linger.ms": 50})
    for i, v in enumerate(values):
        p.produce(topic, key=f"key-{i}".encode() if i % 3 else None, value=v, timestamp=TS + i,
                  headers=headers)
    assert p.flush(30) == 0


@pytest.mark.parametrize("compression", ["none", "gzip", "snappy", "lz4"])
def test_fetch_old_versions_read_what_new_clients_wrote(broker, conn, compression):
    topic = f"new-writes-{compression}"
    create(broker, topic)
    values = [f"value-{i}".encode() * (1 + i % 7) for i in range(300)]
    produce_new(broker, topic, values, compression, headers=[("h", b"dropped")])
    for version in range(4):
        magic = 0 if version <= 1 else 1
        got, offset = [], 0
        while offset < 300:
            err, hw, data = conn.fetch(version, topic, 0, offset, max_bytes=4096)
            assert (err, hw) == (0, 300)
            msgs = [m for m in lm.parse_messages(data) if m[0] >= offset]
            assert msgs, f"v{version}: no progress at {offset}"
            got += msgs
            offset = msgs[-1][0] + 1
        assert [m[0] for m in got] == list(range(300)), f"v{version}"
        assert all(m[1] == magic for m in got)
        assert [m[5] for m in got] == values
        assert [m[4] for m in got] == [f"key-{i}".encode() if i % 3 else None for i in range(300)]
        if magic == 1:
            assert [m[3] for m in got] == [TS + i for i in range(300)]


def test_fetch_from_the_middle_of_an_uncompressed_batch(broker, conn):
    create(broker, "mid-batch")
    produce_new(broker, "mid-batch", [b"a", b"b", b"c", b"d"])
    err, _, data = conn.fetch(2, "mid-batch", 0, 2)
    assert err == 0
    assert [(m[0], m[5]) for m in lm.parse_messages(data)] == [(2, b"c"), (3, b"d")]


@pytest.mark.parametrize("codec", sorted(CODECS))
def test_fetch_old_versions_read_what_old_clients_wrote(broker, conn, codec):
    topic = f"old-writes-{codec}"
    create(broker, topic)
    recs = [(f"k{i}".encode(), f"v{i}".encode(), TS + i) for i in range(10)]
    assert conn.produce(0, topic, 0, lm.wrapper(0, CODECS[codec], recs)) == (0, 0)
    assert conn.produce(2, topic, 0, lm.wrapper(1, CODECS[codec], recs, timestamp=TS + 9)) == (0, 10)
    assert conn.produce(1, topic, 0, b"".join(lm.message(0, 0, k, v) for k, v, _ in recs)) == (0, 20)
    for version in range(4):
        err, hw, data = conn.fetch(version, topic, 0, 0)
        assert (err, hw) == (0, 30)
        msgs = lm.parse_messages(data)
        assert [m[0] for m in msgs] == list(range(30))
        assert [(m[4], m[5]) for m in msgs] == [(k, v) for k, v, _ in recs] * 3
        if version >= 2:
            assert [m[3] for m in msgs[10:20]] == [ts for _, _, ts in recs]
            assert [m[3] for m in msgs[:10]] == [-1] * 10


def test_fetch_old_respects_partition_max_bytes(broker, conn):
    create(broker, "old-max-bytes")
    produce_new(broker, "old-max-bytes", [b"x" * 1000 for _ in range(50)])
    err, _, data = conn.fetch(1, "old-max-bytes", 0, 0, max_bytes=5000)
    assert err == 0
    assert len(data) <= 5000
    assert 1 <= len(lm.parse_messages(data)) <= 5
    # The first message goes even when it alone is larger than the limit.
    err, _, data = conn.fetch(3, "old-max-bytes", 0, 7, max_bytes=10)
    assert err == 0
    assert [m[0] for m in lm.parse_messages(data)] == [7]


def test_fetch_old_drops_transaction_markers(broker, conn):
    create(broker, "old-txn")
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "old-txn-1"})
    p.init_transactions(30)
    for rnd in range(2):
        p.begin_transaction()
        for i in range(3):
            p.produce("old-txn", value=f"t{rnd}-{i}".encode())
        p.commit_transaction(30)
    err, hw, data = conn.fetch(2, "old-txn", 0, 0)
    assert (err, hw) == (0, 8)  # 6 records, 2 commit markers
    msgs = lm.parse_messages(data)
    assert [m[0] for m in msgs] == [0, 1, 2, 4, 5, 6]
    assert [m[5] for m in msgs] == [b"t0-0", b"t0-1", b"t0-2", b"t1-0", b"t1-1", b"t1-2"]
    # Reading from the last marker: nothing to convert, no error.
    assert conn.fetch(3, "old-txn", 0, 7) == (0, 8, b"")


def test_fetch_old_zstd_and_disabled_down_conversion(broker, conn):
    create(broker, "old-zstd")
    produce_new(broker, "old-zstd", [b"z" * 1000] * 20, "zstd")  # compressible: librdkafka keeps it compressed
    err, _, data = conn.fetch(2, "old-zstd", 0, 0)
    assert (err, data) == (UNSUPPORTED_COMPRESSION_TYPE, b"")
    create(broker, "old-zstd-config", compression_type="zstd")
    produce_new(broker, "old-zstd-config", [b"a"])
    assert conn.fetch(3, "old-zstd-config", 0, 0)[0] == UNSUPPORTED_COMPRESSION_TYPE
    create(broker, "old-no-conversion", message_downconversion_enable="false")
    produce_new(broker, "old-no-conversion", [b"a"])
    assert conn.fetch(1, "old-no-conversion", 0, 0)[0] == UNSUPPORTED_VERSION
    # Newer fetchers are not affected.
    got = consumed(broker, "old-no-conversion", 1)
    assert got[0][2] == b"a"


def test_fetch_v0_long_polls_until_data(broker, conn):
    create(broker, "old-long-poll")
    t0 = time.monotonic()
    err, hw, data = conn.fetch(0, "old-long-poll", 0, 0, max_wait_ms=300)
    assert (err, hw, data) == (0, 0, b"")
    assert time.monotonic() - t0 >= 0.25


# --- ListOffsets v0 --------------------------------------------------------------------------

def test_list_offsets_v0_max_num_offsets(broker, conn):
    create(broker, "old-offsets")
    produce_new(broker, "old-offsets", [b"a", b"b", b"c"])
    assert conn.list_offsets_v0("old-offsets", 0, -1, 1) == (0, [3])
    # One segment: its base offset and the log end, newest first.
    assert conn.list_offsets_v0("old-offsets", 0, -1, 10) == (0, [3, 0])
    assert conn.list_offsets_v0("old-offsets", 0, -2, 10) == (0, [0])
    future = int(time.time() * 1000) + 3600_000
    assert conn.list_offsets_v0("old-offsets", 0, future, 10) == (0, [3, 0])
    assert conn.list_offsets_v0("old-offsets", 0, 1, 10) == (0, [])  # before every segment
    assert conn.list_offsets_v0("old-offsets", 0, -3, 10)[0] == UNSUPPORTED_VERSION
    assert conn.list_offsets_v0("no-such-topic-old", 0, -1, 1)[0] == 3


def test_list_offsets_v0_empty_partition(broker, conn):
    create(broker, "old-offsets-empty")
    assert conn.list_offsets_v0("old-offsets-empty", 0, -1, 5) == (0, [0])
    assert conn.list_offsets_v0("old-offsets-empty", 0, -2, 5) == (0, [0])


# --- a real old client -----------------------------------------------------------------------

@pytest.mark.parametrize("api_version,compression", [
    ((0, 8, 2), None), ((0, 8, 2), "gzip"), ((0, 9), "snappy"), ((0, 9), "lz4"),
    ((0, 10, 0), "lz4"), ((0, 10, 1), "gzip")])
def test_kafka_python_at_old_api_versions(broker, api_version, compression):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTP
    topic = "kp-old-" + "-".join(map(str, api_version)) + f"-{compression}"
    create(broker, topic)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, api_version=api_version,
                             compression_type=compression, linger_ms=20)
    futures = [producer.send(topic, key=f"k{i}".encode() if i % 2 else None, value=f"v{i}".encode())
               for i in range(50)]
    producer.flush(30)
    offsets = sorted(f.get(30).offset for f in futures)
    producer.close()
    assert offsets == list(range(50))
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, api_version=api_version,
                             enable_auto_commit=False, consumer_timeout_ms=10000)
    try:
        consumer.assign([KTP(topic, 0)])
        consumer.seek_to_beginning()
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 50 and time.monotonic() < deadline:
            for recs in consumer.poll(500).values():
                got += recs
    finally:
        consumer.close()
    assert [r.offset for r in got] == list(range(50))
    assert [(r.key, r.value) for r in got] == [(f"k{i}".encode() if i % 2 else None, f"v{i}".encode())
                                               for i in range(50)]
    # And a current client reads what the old one wrote.
    assert [g[2] for g in consumed(broker, topic, 50)] == [f"v{i}".encode() for i in range(50)]
