"""Shared helpers of the txn_*_test.py files: topics, consuming with an isolation level."""
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TXN_OVERRIDES = {
    "transaction.state.log.num.partitions": "3",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms": "200",
}


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        f.result(30)


def consume(broker, topic, partitions, isolation, until, timeout=60.0):
    """Reads `topic` from the beginning with `isolation` ("read_committed" or
    "read_uncommitted") until until(records) holds; returns [(partition, offset, value)]."""
    c = Consumer({
        "bootstrap.servers": broker.bootstrap,
        "group.id": f"reader-{time.monotonic_ns()}",
        "enable.auto.commit": False,
        "isolation.level": isolation,
        "enable.partition.eof": False,
    })
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records = []
    deadline = time.monotonic() + timeout
    try:
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out consuming {topic} ({isolation}); got {len(records)} records")
            m = c.poll(0.2)
            if m is None or m.error():
                continue
            records.append((m.partition(), m.offset(), m.value().decode()))
    finally:
        c.close()
    return records


def high_watermark(broker, topic, partition):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "hw"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        c.close()
