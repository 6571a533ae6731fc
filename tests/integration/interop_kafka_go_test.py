"""segmentio/kafka-go v0.2.1 (the release Debian 12 ships) against the broker
(tests/interop/go/cmd/kafka-go-client). This release asks no ApiVersions: it always produces
with Produce v2 (message format v1), fetches with Fetch v2, lists offsets with ListOffsets v1,
and runs groups with JoinGroup v1, SyncGroup v0, OffsetFetch v1 and OffsetCommit v2 (it sends
no LeaveGroup on close: a member that stops is seen gone at its session timeout, 10 s here).

For each codec it has (none, gzip, snappy, lz4; no zstd), kafka-go writes keyed records and
reads them back, librdkafka reads the same partitions, and kafka-go reads what librdkafka wrote
as v2 batches (down-conversion). zstd batches cannot be down-converted: Kafka answers the
Fetch v2 with UNSUPPORTED_COMPRESSION_TYPE (76).
"""
import pytest

from interop_helpers import (bootstrap, check_group, check_records, create_topic,  # noqa: F401
                             go_programs, librdkafka_produce, librdkafka_read, Member, members,
                             per_partition_counts, records, run, run_failing, unique)

CODECS = ["none", "gzip", "snappy", "lz4"]


def kafka_go(go_programs, bootstrap, topic, *args):
    return [go_programs["kafka-go-client"], "-bootstrap", bootstrap, "-topic", topic, *args]


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_go_produces_and_consumes(go_programs, bootstrap, codec):
    topic = unique(f"kafka-go-{codec}")
    create_topic(bootstrap, topic, 3)
    run(kafka_go(go_programs, bootstrap, topic, "-mode", "produce", "-count", "30", "-codec", codec))
    consumed = records(run(kafka_go(go_programs, bootstrap, topic, "-mode", "consume",
                                    "-count", "30")))
    check_records(consumed, 0, 30)
    assert len(per_partition_counts(consumed)) > 1, "keys should spread over partitions"
    assert sorted(librdkafka_read(bootstrap, topic, per_partition_counts(consumed))) == \
        sorted(consumed)


@pytest.mark.parametrize("codec", CODECS)
def test_kafka_go_consumes_record_batches(go_programs, bootstrap, codec):
    topic = unique(f"kafka-go-down-{codec}")
    create_topic(bootstrap, topic, 3)
    written = librdkafka_produce(bootstrap, topic, 3, codec, 0, 30)
    check_records(written, 0, 30)
    consumed = records(run(kafka_go(go_programs, bootstrap, topic, "-mode", "consume",
                                    "-count", "30")))
    assert sorted(consumed) == sorted(written)


def test_kafka_go_fetch_of_zstd_batches_is_refused(go_programs, bootstrap):
    topic = unique("kafka-go-down-zstd")
    create_topic(bootstrap, topic, 3)
    check_records(librdkafka_produce(bootstrap, topic, 3, "zstd", 0, 30), 0, 30)
    err = run_failing(kafka_go(go_programs, bootstrap, topic, "-mode", "consume", "-count", "30"))
    assert "Error: consume: [76]" in err, err


def test_kafka_go_consumer_group(go_programs, bootstrap, members):
    topic, group = unique("kafka-go-group"), unique("kafka-go-readers")

    def start_member():
        return Member(kafka_go(go_programs, bootstrap, topic, "-mode", "group", "-group", group))

    def produce(start, count):
        run(kafka_go(go_programs, bootstrap, topic, "-mode", "produce", "-start", str(start),
                     "-count", str(count), "-codec", "gzip"))

    check_group(bootstrap, topic, group, start_member, produce, members)
