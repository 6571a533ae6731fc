"""Compaction of compacted topics written by compressing clients (issue 14): the cleaner
decompresses each batch, keeps the latest record per key and recompresses with the batch's own
codec, as Kafka's LogCleaner does. Before, compressed batches were copied whole and every
superseded record survived (43 records where Kafka keeps 13).

Cleaning is forced by log.cleaner.backoff.ms=200, min.cleanable.dirty.ratio=0.01 and small
segments, laid out so that what must be cleanable is outside the active segment whatever the
batch sizes: in the codec test the records carry timestamps an hour old and segment.ms=100, so
every append after one of them rolls a new segment (Kafka's rule: a segment rolls once
segment.ms has passed since its first batch's timestamp); in the transactions test
segment.bytes=1024 and more than 1024 bytes of other records follow. What is read back is
exactly what Kafka keeps: the latest record per key in the cleaned segments, plus the active
segment as it is.

Producers: librdkafka compresses with zstd here; it compresses with gzip, snappy and lz4 only
when the broker advertises Produce v0-v2 ("Broker does not support compression type"), so those
three codecs are written by kafka-python. Every test checks on disk (kafka-dump-log) that the
cleaned batches carry the codec, so a client quietly sending uncompressed batches fails it.
"""
import os
import re
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaProducer

from conftest import tool, wait_until

CLEANER = {"log.cleaner.backoff.ms": "200", "log.segment.delete.delay.ms": "0"}
COMPACTED = {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "86400000"}
HOUR_AGO = int(time.time() * 1000) - 3600 * 1000


def create(bootstrap, topic, config):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config=config)])[topic].result(timeout=30)


class RoundProducer:
    """Sends rounds of records, each round as one compressed batch; returns their offsets."""

    def __init__(self, bootstrap, codec):
        self.codec = codec
        if codec == "zstd":
            self.p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 50,
                               "compression.type": codec, "enable.idempotence": True})
        else:
            self.p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, acks="all",
                                   linger_ms=50)

    def round(self, topic, records, timestamp=None):
        if self.codec == "zstd":
            reports = []
            for key, value in records:
                self.p.produce(topic, key=key, value=value, partition=0, timestamp=timestamp or 0,
                               on_delivery=lambda err, msg: reports.append((err, msg.offset())))
            assert self.p.flush(60) == 0
            assert [e for e, _ in reports if e is not None] == []
            return sorted(o for _, o in reports)
        futures = [self.p.send(topic, key=key, value=value, partition=0, timestamp_ms=timestamp)
                   for key, value in records]
        self.p.flush(60)
        return sorted(f.get(timeout=60).offset for f in futures)

    def close(self):
        if self.codec != "zstd":
            self.p.close(10)


def read_all(bootstrap, topic, isolation="read_uncommitted"):
    """(offset, key, value) of every record from the start to the end of partition 0."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-no-commit", "enable.auto.commit": False,
                  "enable.partition.eof": True, "isolation.level": isolation})
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        out = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                return out
            out.append((m.offset(), m.key(), m.value()))
        raise AssertionError(f"no end of {topic}-0 within 30 s; read {len(out)} records")
    finally:
        c.close()


def dump_batches(log_dir, topic):
    """kafka-dump-log's batch lines of every segment of partition 0."""
    d = os.path.join(log_dir, f"{topic}-0")
    lines = []
    for f in sorted(os.listdir(d)):
        if re.fullmatch(r"\d{20}\.log", f):
            r = tool("kafka-dump-log", "--files", os.path.join(d, f))
            assert r.returncode == 0, r.stderr
            lines += [ln for ln in r.stdout.splitlines() if ln.startswith("baseOffset:")]
    return lines


@pytest.mark.parametrize("codec", ["zstd", "lz4", "gzip", "snappy"])
def test_compressed_compacted_topic_keeps_the_latest_record_per_key(broker_factory, codec):
    broker = broker_factory(CLEANER)
    topic = f"compacted-{codec}"
    create(broker.bootstrap, topic, {**COMPACTED, "segment.ms": "100"})
    p = RoundProducer(broker.bootstrap, codec)
    try:
        # Four rounds over ten keys, one compressed batch each: 40 records, each key superseded
        # three times; k9's last record is a tombstone (kept: delete.retention.ms is a day).
        written = {}
        for rnd in range(4):
            recs = [(f"k{i}".encode(), None if (rnd == 3 and i == 9) else f"r{rnd}-{i}".encode() * 20)
                    for i in range(10)]
            offsets = p.round(topic, recs, HOUR_AGO)
            assert offsets == list(range(rnd * 10, rnd * 10 + 10))
            for (k, v), o in zip(recs, offsets):
                written[k] = (o, k, v)
        # With current timestamps: rolls, and stays alone in the active segment, which the
        # cleaner never touches.
        active = [(f"k{i}".encode(), f"active-{i}".encode() * 20) for i in range(3)]
        assert p.round(topic, active) == [40, 41, 42]

        expected = sorted(written.values()) + [(40 + i, k, v) for i, (k, v) in enumerate(active)]
        assert len(expected) == 13
        got = wait_until(lambda: (lambda r: r if r == expected else None)(read_all(broker.bootstrap, topic)),
                         timeout=90, message=f"compaction of the {codec} topic down to 13 records")
        assert [o for o, _, _ in got] == list(range(30, 43))

        # On disk every data batch still carries the producer's codec, and the survivors of the
        # last round keep their batch's offsets span.
        lines = dump_batches(broker.log_dir, topic)
        data = [ln for ln in lines if "isControl: false" in ln]
        assert data, lines
        assert all(f"compresscodec: {codec}" in ln for ln in data), data
        assert any(ln.startswith("baseOffset: 30 lastOffset: 39 count: 10 ") for ln in data), data
        # The tombstone's batch carries its delete horizon (KIP-534).
        assert any(ln.startswith("baseOffset: 30 ") and "deleteHorizonMs: OptionalLong[" in ln for ln in data), data

        # The log end and further appends are unaffected.
        assert p.round(topic, [(b"k5", b"after")]) == [43]
    finally:
        p.close()


def test_transactional_compressed_topic_loses_aborted_and_superseded_records(broker_factory):
    broker = broker_factory(CLEANER)
    topic = "compacted-txn"
    create(broker.bootstrap, topic, {**COMPACTED, "segment.bytes": "1024"})
    p = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "cleaner-txn",
                  "compression.type": "zstd", "linger.ms": 50})
    big = 50  # values repeat, so that zstd makes the batches smaller and librdkafka keeps it
    p.init_transactions(30)

    def txn(records, commit):
        p.begin_transaction()
        for k, v in records:
            p.produce(topic, key=k, value=v * big, partition=0)
        p.flush(30)
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)

    txn([(b"a", b"a1"), (b"b", b"b1"), (b"c", b"c1")], commit=True)   # 0-2, commit 3
    txn([(b"a", b"a-aborted"), (b"d", b"d-aborted")], commit=False)   # 4-5, abort 6
    txn([(b"b", b"b2"), (b"c", b"c2")], commit=True)                  # 7-8, commit 9
    txn([(b"z", b"z1")], commit=True)                                  # 10, commit 11
    # More than segment.bytes of records with keys of their own, uncompressed: offset 11 cannot
    # be in the active segment any more.
    filler = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "compression.type": "none"})
    for i in range(6):
        filler.produce(topic, key=f"f{i}".encode(), value=os.urandom(300), partition=0)
        assert filler.flush(30) == 0

    committed = [(0, b"a", b"a1" * big), (7, b"b", b"b2" * big), (8, b"c", b"c2" * big), (10, b"z", b"z1" * big)]

    def cleaned():
        # Aborted records are gone for every reader once cleaned, superseded ones too.
        r = read_all(broker.bootstrap, topic)
        return r if r[:4] == committed and [k for _, k, _ in r[4:]] == [b"f%d" % i for i in range(6)] else None

    wait_until(cleaned, timeout=90, message="compaction of the transactional topic")
    assert read_all(broker.bootstrap, topic, "read_committed")[:4] == committed
    lines = dump_batches(broker.log_dir, topic)
    data = [ln for ln in lines if "isControl: false" in ln and "isTransactional: true" in ln]
    assert data and all("compresscodec: zstd" in ln and "isTransactional: true" in ln for ln in data), lines
    # The first batch lost b1 and c1 but keeps its offsets span and producer fields.
    assert any(ln.startswith("baseOffset: 0 lastOffset: 2 count: 1 baseSequence: 0 lastSequence: 2 ")
               for ln in data), data
