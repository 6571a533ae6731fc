"""Storage through the broker (issue 4): segments roll into Kafka-named files with both
indexes, garbage appended to the last segment while the broker is down is cut off on restart
with every record intact, and retention.bytes deletes old segments and moves the log start."""
import os
import re

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from broker_clients import consume_partition
from conftest import tool, wait_until

SEGMENT = 1024 * 1024


def create(bootstrap, topic, config):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config=config)])[topic].result(timeout=30)


def produce(bootstrap, topic, n, size, start=0):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "batch.size": 64 * 1024, "compression.codec": "none"})
    reports = []
    for i in range(start, start + n):
        p.produce(topic, key=f"k{i}".encode(), value=(f"{i:08d}".encode() * (size // 8)),
                  partition=0, on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        if i % 1000 == 0:
            p.poll(0)
    assert p.flush(60) == 0
    assert [e for e, _ in reports if e is not None] == []
    return sorted(o for _, o in reports)


def watermarks(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "wm"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
    finally:
        c.close()


def segment_files(log_dir, topic):
    d = os.path.join(log_dir, f"{topic}-0")
    return sorted(f for f in os.listdir(d) if re.fullmatch(r"\d{20}\.(log|index|timeindex)", f))


def test_segments_roll_with_kafka_names_and_both_indexes(broker):
    create(broker.bootstrap, "rolled", {"segment.bytes": str(SEGMENT)})
    offsets = produce(broker.bootstrap, "rolled", 20000, 1000)  # ~20 MB
    assert offsets == list(range(20000))
    files = segment_files(broker.log_dir, "rolled")
    logs = [f for f in files if f.endswith(".log")]
    assert len(logs) >= 18, logs
    for log in logs:
        base = log[:-4]
        assert base + ".index" in files and base + ".timeindex" in files
        assert os.path.getsize(os.path.join(broker.log_dir, "rolled-0", log)) <= SEGMENT
    assert logs[0] == "00000000000000000000.log"
    # Every segment's name is the offset of its first record.
    bases = [int(f[:-4]) for f in logs]
    assert bases == sorted(bases) and bases[-1] < 20000
    # The tool reads a rolled segment and its index as Kafka's DumpLogSegments does.
    seg = os.path.join(broker.log_dir, "rolled-0", logs[1])
    r = tool("kafka-dump-log", "--files", seg)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Dumping {seg}"
    assert lines[1] == f"Log starting offset: {bases[1]}"
    assert re.fullmatch(rf"baseOffset: {bases[1]} lastOffset: \d+ count: \d+ baseSequence: -?\d+ "
                        r"lastSequence: -?\d+ producerId: -?\d+ producerEpoch: -?\d+ "
                        r"partitionLeaderEpoch: 0 isTransactional: false isControl: false "
                        r"deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: \d+ "
                        r"size: \d+ magic: 2 compresscodec: none crc: \d+ isvalid: true", lines[2]), lines[2]
    idx = os.path.join(broker.log_dir, "rolled-0", logs[1][:-4] + ".index")
    r = tool("kafka-dump-log", "--files", idx)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"offset: \d+ position: \d+", r.stdout.splitlines()[1])


def test_garbage_after_the_last_batch_is_cut_on_restart(broker):
    create(broker.bootstrap, "torn", {})
    assert produce(broker.bootstrap, "torn", 500, 100) == list(range(500))
    broker.kill()
    log = os.path.join(broker.log_dir, "torn-0", "00000000000000000000.log")
    good_size = os.path.getsize(log)
    with open(log, "ab") as f:
        f.write(b"\x00\x00\x00\x00\x00\x00\x01\xf4\x00\x00\x10\x00garbage" + os.urandom(3000))
    broker.start()
    assert watermarks(broker.bootstrap, "torn") == (0, 500)
    assert os.path.getsize(log) == good_size
    got = consume_partition(broker.bootstrap, "torn", 0, 500)
    assert [(m.offset(), m.key()) for m in got] == [(i, f"k{i}".encode()) for i in range(500)]
    # Appends continue right after the recovered records.
    assert produce(broker.bootstrap, "torn", 10, 100, start=500) == list(range(500, 510))


def test_retention_bytes_deletes_old_segments_and_moves_log_start(broker_factory):
    broker = broker_factory({"log.retention.check.interval.ms": "200",
                             "log.segment.delete.delay.ms": "0"})
    create(broker.bootstrap, "bounded", {"segment.bytes": str(256 * 1024),
                                         "retention.bytes": str(512 * 1024)})
    assert produce(broker.bootstrap, "bounded", 4000, 1000) == list(range(4000))

    def log_files():
        return [f for f in segment_files(broker.log_dir, "bounded") if f.endswith(".log")]

    def log_bytes():
        return sum(os.path.getsize(os.path.join(broker.log_dir, "bounded-0", f)) for f in log_files())

    def trimmed():
        # Kafka's rule: whole old segments go while the rest still holds retention.bytes, so
        # what is left is at most retention.bytes plus one segment.
        low, high = watermarks(broker.bootstrap, "bounded")
        return low > 0 and high == 4000 and log_bytes() <= 512 * 1024 + 256 * 1024 and (low, high)

    low, high = wait_until(trimmed, timeout=60, message="retention to trim the log to retention.bytes")
    assert int(log_files()[0][:-4]) == low
    got = consume_partition(broker.bootstrap, "bounded", 0, high - low)
    assert got[0].offset() == low and got[-1].offset() == 3999
