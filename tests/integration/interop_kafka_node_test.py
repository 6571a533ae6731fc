"""kafka-node 5.0.0 (npm, its last release) against the broker (js/kafka_node_client.js).
kafka-node asks ApiVersions but never goes past what it knows: Produce v2 (message format v1),
ListOffsets v0, Metadata v1; its plain Consumer fetches with Fetch v0, its ConsumerGroup with
Fetch v2, JoinGroup v0, SyncGroup v0, OffsetCommit v2 and OffsetFetch v1.

For each codec it has (none, gzip, snappy through the native snappy module; no lz4 or zstd),
kafka-node writes keyed records, lists the partitions' offsets (ListOffsets v0) and reads the
records back; librdkafka reads the same partitions, and kafka-node reads what librdkafka wrote
as v2 batches (down-conversion).
"""
import os
import shutil

import pytest

from interop_helpers import (bootstrap, check_group, check_records, create_topic,  # noqa: F401
                             events, librdkafka_produce, librdkafka_read, Member, members,
                             per_partition_counts, records, run, unique)

JS_DIR = os.path.join(os.path.dirname(__file__), "js")
CODECS = ["none", "gzip", "snappy"]


@pytest.fixture
def kafka_node():
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(JS_DIR, "node_modules", "kafka-node")):
        pytest.fail("kafka-node is not installed: run scripts/setup (npm ci in tests/integration/js)")

    def command(bootstrap, topic, *args):
        return [node, os.path.join(JS_DIR, "kafka_node_client.js"), "--bootstrap", bootstrap,
                "--topic", topic, *args]
    return command


def offsets_listed(lines):
    """The consume mode's "# offsets P earliest latest" lines as {P: (earliest, latest)}."""
    return {p: (first, last) for p, first, last in events(lines, "offsets")}


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_node_produces_and_consumes(kafka_node, bootstrap, codec):
    topic = unique(f"kafka-node-{codec}")
    create_topic(bootstrap, topic, 3)
    produced = records(run(kafka_node(bootstrap, topic, "--mode", "produce", "--count", "30",
                                      "--codec", codec), cwd=JS_DIR))
    check_records(produced, 0, 30)
    counts = per_partition_counts(produced)
    assert len(counts) > 1, "keys should spread over partitions"

    lines = run(kafka_node(bootstrap, topic, "--mode", "consume", "--count", "30"), cwd=JS_DIR)
    assert offsets_listed(lines) == {p: (0, counts.get(p, 0)) for p in range(3)}
    consumed = records(lines)
    check_records(consumed, 0, 30)
    assert sorted(consumed) == sorted(produced)
    assert sorted(librdkafka_read(bootstrap, topic, counts)) == sorted(produced)


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_node_consumes_record_batches(kafka_node, bootstrap, codec):
    topic = unique(f"kafka-node-down-{codec}")
    create_topic(bootstrap, topic, 3)
    written = librdkafka_produce(bootstrap, topic, 3, codec, 0, 30)
    check_records(written, 0, 30)
    lines = run(kafka_node(bootstrap, topic, "--mode", "consume", "--count", "30"), cwd=JS_DIR)
    assert offsets_listed(lines) == {p: (0, 10) for p in range(3)}
    assert sorted(records(lines)) == sorted(written)


def test_kafka_node_consumer_group(kafka_node, bootstrap, members):
    topic, group = unique("kafka-node-group"), unique("kafka-node-readers")

    def start_member():
        return Member(kafka_node(bootstrap, topic, "--mode", "group", "--group", group), cwd=JS_DIR)

    def produce(start, count):
        run(kafka_node(bootstrap, topic, "--mode", "produce", "--start", str(start),
                       "--count", str(count), "--codec", "snappy"), cwd=JS_DIR)

    check_group(bootstrap, topic, group, start_member, produce, members)
