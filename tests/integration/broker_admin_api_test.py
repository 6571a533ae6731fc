"""Admin APIs that the installed client libraries do not expose, spoken on the wire:
IncrementalAlterConfigs, DeleteRecords, DescribeLogDirs, DescribeCluster,
OffsetForLeaderEpoch, DeleteTopics by topic id, DescribeConfigs v0 (is_default)."""
import base64
import os

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from broker_clients import Buf, Wire, consume_partition

TOPIC, BROKER = 2, 4


def setup_topic(broker, name, partitions=1, records=0, config=None):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])[name].result(30)
    if records:
        p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
        for i in range(records):
            p.produce(name, value=b"r%d" % i, partition=0)
        assert p.flush(30) == 0
    return admin


def topic_configs(admin, name):
    res = ConfigResource("TOPIC", name)
    return admin.describe_configs([res])[res].result(timeout=30)


def incremental_alter(wire, resources, validate_only=False):
    b = Buf().array(len(resources))
    for rtype, rname, ops in resources:
        b.i8(rtype).string(rname).array(len(ops))
        for name, op, value in ops:
            b.string(name).i8(op).string(value)
    b.boolean(validate_only)
    r = wire.request(44, 0, b, flexible=False)
    r.i32()
    return [(r.i16(), r.string(), r.i8(), r.string()) for _ in range(r.array())]


def test_incremental_alter_configs(broker):
    admin = setup_topic(broker, "inc", config={"retention.ms": "100000"})
    SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
    with Wire(broker.bootstrap) as w:
        assert incremental_alter(w, [(TOPIC, "inc", [("segment.ms", SET, "70000"),
                                                     ("retention.ms", DELETE, None),
                                                     ("cleanup.policy", APPEND, "compact")])]) == [
            (0, None, TOPIC, "inc")]
        c = topic_configs(admin, "inc")
        assert (c["segment.ms"].value, c["segment.ms"].source) == ("70000", 1)
        assert (c["retention.ms"].value, c["retention.ms"].source) == ("604800000", 5)
        assert (c["cleanup.policy"].value, c["cleanup.policy"].source) == ("delete,compact", 1)

        assert incremental_alter(w, [(TOPIC, "inc", [("cleanup.policy", SUBTRACT, "delete")])]) == [
            (0, None, TOPIC, "inc")]
        assert topic_configs(admin, "inc")["cleanup.policy"].value == "compact"

        # Errors, each for its own resource, with Kafka's messages.
        assert incremental_alter(w, [
            (TOPIC, "inc", [("segment.ms", APPEND, "1")]),
            (TOPIC, "missing", [("segment.ms", SET, "1000")]),
            (BROKER, "1", [("log.retention.hours", SET, "1")]),
            (BROKER, "9", []),
        ]) == [
            (40, "Can't APPEND to key segment.ms because its type is not LIST.", TOPIC, "inc"),
            (3, "The topic 'missing' does not exist.", TOPIC, "missing"),
            (42, "Cannot update these configs dynamically: [log.retention.hours]", BROKER, "1"),
            (42, "Unexpected broker id, expected 1, but received 9", BROKER, "9"),
        ]
        assert incremental_alter(w, [(TOPIC, "inc", [("segment.ms", SET, None)])]) == [
            (42, "Null value not supported for : segment.ms", TOPIC, "inc")]
        assert incremental_alter(w, [(TOPIC, "inc", [("segment.ms", SET, "-5")])]) == [
            (40, "Invalid value -5 for configuration segment.ms: Value must be at least 1",
             TOPIC, "inc")]
        # validate_only changes nothing.
        assert incremental_alter(w, [(TOPIC, "inc", [("segment.ms", SET, "90000")])],
                                 validate_only=True) == [(0, None, TOPIC, "inc")]
    assert topic_configs(admin, "inc")["segment.ms"].value == "70000"


def delete_records(wire, topic, offsets):
    b = Buf().array(1).string(topic).array(len(offsets))
    for part, offset in offsets:
        b.i32(part).i64(offset)
    b.i32(30000)
    r = wire.request(21, 1, b, flexible=False)
    r.i32()
    out = []
    for _ in range(r.array()):
        r.string()
        out += [(r.i32(), r.i64(), r.i16()) for _ in range(r.array())]
    return out


def test_delete_records(broker):
    setup_topic(broker, "dr", partitions=2, records=10)
    with Wire(broker.bootstrap) as w:
        assert delete_records(w, "dr", [(0, 4)]) == [(0, 4, 0)]
        assert delete_records(w, "dr", [(0, 11), (1, 0), (5, 0)]) == [
            (0, -1, 1),   # beyond the high watermark: OFFSET_OUT_OF_RANGE
            (1, 0, 0),
            (5, -1, 3),   # UNKNOWN_TOPIC_OR_PARTITION
        ]
        assert delete_records(w, "dr", [(0, 2)]) == [(0, 4, 0)]  # never moves back
    got = consume_partition(broker.bootstrap, "dr", 0, 6)
    assert [(m.offset(), m.value()) for m in got] == [(i, b"r%d" % i) for i in range(4, 10)]
    with Wire(broker.bootstrap) as w:
        assert delete_records(w, "dr", [(0, -1)]) == [(0, 10, 0)]  # -1: the high watermark
    setup_topic(broker, "dr-compact", config={"cleanup.policy": "compact"})
    with Wire(broker.bootstrap) as w:
        assert delete_records(w, "dr-compact", [(0, 0)]) == [(0, -1, 44)]  # POLICY_VIOLATION


def test_describe_log_dirs(broker):
    setup_topic(broker, "ld", partitions=2, records=5)
    with Wire(broker.bootstrap) as w:
        b = Buf().carray(1).cstring("ld").carray(2).i32(1).i32(0).tags().tags()
        r = w.request(35, 4, b, flexible=True)
        r.i32()
        assert r.i16() == 0
        results = []
        for _ in range(r.carray()):
            err, log_dir = r.i16(), r.cstring()
            topics = []
            for _ in range(r.carray()):
                name = r.cstring()
                parts = []
                for _ in range(r.carray()):
                    parts.append((r.i32(), r.i64(), r.i64(), r.boolean()))
                    r.tags()
                r.tags()
                topics.append((name, parts))
            total, usable = r.i64(), r.i64()
            r.tags()
            results.append((err, log_dir, topics, total, usable))
    [(err, log_dir, topics, total, usable)] = results
    assert err == 0
    assert log_dir == os.path.abspath(broker.log_dir)
    size0 = sum(os.path.getsize(os.path.join(broker.log_dir, "ld-0", f))
                for f in os.listdir(os.path.join(broker.log_dir, "ld-0")) if f.endswith(".log"))
    assert size0 > 0
    assert topics == [("ld", [(0, size0, 0, False), (1, 0, 0, False)])]
    st = os.statvfs(broker.log_dir)
    assert total == st.f_blocks * st.f_frsize
    assert 0 < usable <= total


def test_describe_cluster(broker):
    with Wire(broker.bootstrap) as w:
        for version in (0, 1):
            b = Buf().boolean(True)
            if version >= 1:
                b.i8(1)
            r = w.request(60, version, b.tags(), flexible=True)
            assert (r.i32(), r.i16(), r.cstring()) == (0, 0, None)
            if version >= 1:
                assert r.i8() == 1
            cluster_id, controller = r.cstring(), r.i32()
            brokers = []
            for _ in range(r.carray()):
                brokers.append((r.i32(), r.cstring(), r.i32(), r.cstring()))
                r.tags()
            assert len(cluster_id) == 22
            assert controller == 1
            assert brokers == [(1, "127.0.0.1", broker.port, None)]
            assert r.i32() == 8096  # CREATE ALTER DESCRIBE CLUSTER_ACTION *_CONFIGS IDEMPOTENT_WRITE
        # A controller endpoint is not what a broker is.
        r = w.request(60, 1, Buf().boolean(False).i8(2).tags(), flexible=True)
        assert (r.i32(), r.i16()) == (0, 114)  # MISMATCHED_ENDPOINT_TYPE


def test_offset_for_leader_epoch(broker):
    setup_topic(broker, "ep", records=7)
    setup_topic(broker, "ep-empty")
    with Wire(broker.bootstrap) as w:
        b = Buf().i32(-1).array(2)
        b.string("ep").array(4)
        b.i32(0).i32(-1).i32(0)   # the current epoch: ends at the log end
        b.i32(0).i32(0).i32(5)    # an epoch above every known one: unknown
        b.i32(0).i32(3).i32(0)    # current_leader_epoch 3 > 0: UNKNOWN_LEADER_EPOCH
        b.i32(9).i32(-1).i32(0)   # no such partition
        b.string("ep-empty").array(1).i32(0).i32(-1).i32(0)
        r = w.request(23, 3, b, flexible=False)
        r.i32()
        out = []
        for _ in range(r.array()):
            topic = r.string()
            out += [(topic, r.i16(), r.i32(), r.i32(), r.i64()) for _ in range(r.array())]
    assert out == [
        ("ep", 0, 0, 0, 7),
        ("ep", 0, 0, -1, -1),
        ("ep", 75, 0, -1, -1),
        ("ep", 3, 9, -1, -1),
        ("ep-empty", 0, 0, 0, 0),
    ]


def delete_topics_v6(wire, entries):
    b = Buf().carray(len(entries))
    for name, topic_id in entries:
        b.cstring(name).raw(topic_id).tags()
    b.i32(30000).tags()
    r = wire.request(20, 6, b, flexible=True)
    r.i32()
    out = []
    for _ in range(r.carray()):
        out.append((r.cstring(), r.uuid(), r.i16(), r.cstring()))
        r.tags()
    return out


def test_delete_topics_by_id(broker):
    admin = setup_topic(broker, "by-id", records=1)
    with open(os.path.join(broker.log_dir, "by-id-0", "partition.metadata")) as f:
        encoded = f.read().split("topic_id:")[1].strip()
    topic_id = base64.urlsafe_b64decode(encoded + "==")
    zero, unknown = bytes(16), b"\x01" * 16
    with Wire(broker.bootstrap) as w:
        assert delete_topics_v6(w, [(None, topic_id)]) == [("by-id", topic_id, 0, None)]
        assert delete_topics_v6(w, [(None, topic_id), (None, unknown), ("x", unknown),
                                    (None, zero)]) == [
            (None, topic_id, 100, "This server does not host this topic ID."),
            (None, unknown, 100, "This server does not host this topic ID."),
            ("x", unknown, 42, "You may not specify both topic name and topic id."),
            (None, zero, 42, "Neither topic name nor id were specified."),
        ]
    assert "by-id" not in admin.list_topics(timeout=30).topics


def test_describe_configs_v0_is_default(broker):
    setup_topic(broker, "v0", config={"retention.ms": "5000"})
    with Wire(broker.bootstrap) as w:
        b = Buf().array(1).i8(TOPIC).string("v0").array(2).string("retention.ms").string(
            "cleanup.policy")
        r = w.request(32, 0, b, flexible=False)
        r.i32()
        assert r.array() == 1
        assert (r.i16(), r.string(), r.i8(), r.string()) == (0, None, TOPIC, "v0")
        entries = sorted((r.string(), r.string(), r.boolean(), r.boolean(), r.boolean())
                         for _ in range(r.array()))
    # (name, value, read_only, is_default, is_sensitive)
    assert entries == [("cleanup.policy", "delete", False, True, False),
                       ("retention.ms", "5000", False, False, False)]


def test_describe_configs_errors(broker):
    with Wire(broker.bootstrap) as w:
        b = Buf().array(4)
        b.i8(BROKER).string("2").array(-1)
        b.i8(BROKER).string("one").array(-1)
        b.i8(TOPIC).string("missing").array(-1)
        b.i8(TOPIC).string("bad/name").array(-1)
        r = w.request(32, 1, b.boolean(False), flexible=False)
        r.i32()
        out = []
        for _ in range(r.array()):
            out.append((r.i16(), r.string(), r.i8(), r.string()))
            assert r.array() == 0
    assert out == [
        (42, "Unexpected broker id, expected 1 or empty string, but received 2", BROKER, "2"),
        (42, "Broker id must be an integer, but it is: one", BROKER, "one"),
        (3, None, TOPIC, "missing"),
        (17, 'Topic name "bad/name" is illegal, it contains a character other than ASCII '
             "alphanumerics, '.', '_' and '-'", TOPIC, "bad/name"),
    ]
