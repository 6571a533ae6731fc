"""After a restart, clean (SIGTERM) or not (kill -9), everything written is still there:
topics, ids, partition counts, configs, offsets and record contents."""
import os
import signal

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from broker_clients import consume_partition


def produce(bootstrap, topic, start, n, partitions):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                  "compression.codec": "lz4"})
    reports = []
    for i in range(start, start + n):
        p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode() * (1 + i % 7),
                  partition=i % partitions,
                  on_delivery=lambda err, msg: reports.append((err, msg)))
    assert p.flush(30) == 0
    assert all(err is None for err, _ in reports)
    return {(m.partition(), m.offset()) for _, m in reports}


def expected_records(n, partitions):
    """(partition -> [(offset, key, value)]) for records 0..n-1 produced with produce()."""
    out = {p: [] for p in range(partitions)}
    for i in range(n):
        part = i % partitions
        out[part].append((len(out[part]), f"k{i}".encode(), f"v{i}".encode() * (1 + i % 7)))
    return out


def check_contents(bootstrap, topic, n, partitions):
    for part, records in expected_records(n, partitions).items():
        got = consume_partition(bootstrap, topic, part, len(records))
        assert [(m.offset(), m.key(), m.value()) for m in got] == records


def topic_state(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    md = admin.list_topics(timeout=30)
    res = ConfigResource("TOPIC", "durable")
    configs = admin.describe_configs([res])[res].result(timeout=30)
    return ({name: len(t.partitions) for name, t in md.topics.items() if not name.startswith("__")},
            configs["retention.ms"].value)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill9"])
def test_everything_survives_restart(broker_factory, sig):
    broker = broker_factory()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("durable", 3, 1, config={"retention.ms": "86400000"})])[
        "durable"].result(timeout=30)
    assert produce(broker.bootstrap, "durable", 0, 90, 3) == {
        (p, o) for p in range(3) for o in range(30)}
    before = topic_state(broker.bootstrap)
    assert before == ({"durable": 3}, "86400000")
    topic_dir = os.path.join(broker.log_dir, "durable-0")
    with open(os.path.join(topic_dir, "partition.metadata")) as f:
        metadata_before = f.read()

    code = broker.stop(sig)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    clean_marker = os.path.join(broker.log_dir, ".kafka_cleanshutdown")
    assert os.path.exists(clean_marker) == (sig == signal.SIGTERM)
    broker.start()

    assert topic_state(broker.bootstrap) == before
    with open(os.path.join(topic_dir, "partition.metadata")) as f:
        assert f.read() == metadata_before
    check_contents(broker.bootstrap, "durable", 90, 3)

    # Writing continues at the next offsets, and survives a second restart of the same kind.
    assert produce(broker.bootstrap, "durable", 90, 30, 3) == {
        (p, o) for p in range(3) for o in range(30, 40)}
    broker.stop(sig)
    broker.start()
    check_contents(broker.bootstrap, "durable", 120, 3)
