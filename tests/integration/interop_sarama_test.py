"""Sarama 1.22.1 (the release Debian 12 ships) against the broker, at the protocol versions its
Config.Version selects (tests/interop/go/cmd/sarama-client):

- V0_8_2_0: Produce v0, Fetch v0, ListOffsets v0, Metadata v0, message format v0;
- V0_10_2_0: Produce v2, Fetch v3, ListOffsets v1, message format v1; the lowest version at
  which Sarama runs consumer groups (FindCoordinator v0, JoinGroup v1, SyncGroup v0,
  OffsetFetch v1, OffsetCommit v1);
- V2_1_0_0: Produce v3, Fetch v4, record batches whose header maxTimestamp Sarama leaves at -1.

For each codec the version allows (lz4 needs V0_10_0_0), Sarama writes keyed records and reads
them back, librdkafka reads the same partitions, and Sarama reads what librdkafka wrote as v2
batches (down-converted below Fetch v4). zstd: this Sarama sends it in Produce v3, which Kafka
refuses (zstd needs Produce v7), and reads librdkafka's zstd batches with Fetch v4, which Kafka
serves unconverted.
"""
import pytest

from interop_helpers import (bootstrap, check_group, check_records, create_topic,  # noqa: F401
                             end_offsets, go_programs, librdkafka_produce, librdkafka_read,
                             Member, members, per_partition_counts, records, run, run_failing,
                             unique)

CODECS = {
    "V0_8_2_0": ["none", "gzip", "snappy"],
    "V0_10_2_0": ["none", "gzip", "snappy", "lz4"],
    "V2_1_0_0": ["none", "gzip", "snappy", "lz4"],
}
CASES = [(v, c) for v, codecs in CODECS.items() for c in codecs]
READ_CASES = CASES + [("V2_1_0_0", "zstd")]


def sarama(go_programs, bootstrap, topic, version, *args):
    return [go_programs["sarama-client"], "-bootstrap", bootstrap, "-topic", topic,
            "-version", version, *args]


@pytest.mark.parametrize("version,codec", CASES)
def test_sarama_produces_and_consumes(go_programs, bootstrap, version, codec):
    topic = unique(f"sarama-{version}-{codec}")
    create_topic(bootstrap, topic, 3)
    produced = records(run(sarama(go_programs, bootstrap, topic, version, "-mode", "produce",
                                  "-count", "30", "-codec", codec)))
    check_records(produced, 0, 30)
    assert len(per_partition_counts(produced)) > 1, "keys should spread over partitions"

    consumed = records(run(sarama(go_programs, bootstrap, topic, version, "-mode", "consume",
                                  "-count", "30")))
    check_records(consumed, 0, 30)
    assert sorted(consumed) == sorted(produced)
    assert sorted(librdkafka_read(bootstrap, topic, per_partition_counts(produced))) == \
        sorted(produced)


@pytest.mark.parametrize("version,codec", READ_CASES)
def test_sarama_consumes_record_batches(go_programs, bootstrap, version, codec):
    topic = unique(f"sarama-down-{version}-{codec}")
    create_topic(bootstrap, topic, 3)
    written = librdkafka_produce(bootstrap, topic, 3, codec, 0, 30)
    check_records(written, 0, 30)
    consumed = records(run(sarama(go_programs, bootstrap, topic, version, "-mode", "consume",
                                  "-count", "30")))
    assert sorted(consumed) == sorted(written)


def test_sarama_zstd_in_produce_v3_is_refused(go_programs, bootstrap):
    topic = unique("sarama-zstd-v3")
    create_topic(bootstrap, topic, 3)
    err = run_failing(sarama(go_programs, bootstrap, topic, "V2_1_0_0", "-mode", "produce",
                             "-count", "30", "-codec", "zstd"))
    # UNSUPPORTED_COMPRESSION_TYPE, in Sarama's words.
    assert "30 of 30 records failed" in err, err
    assert "does not support the compression type" in err, err
    assert end_offsets(bootstrap, topic, 3) == {0: 0, 1: 0, 2: 0}


@pytest.mark.parametrize("version", ["V0_10_2_0", "V2_1_0_0"])
def test_sarama_consumer_group(go_programs, bootstrap, members, version):
    topic, group = unique(f"sarama-group-{version}"), unique(f"sarama-readers-{version}")

    def start_member():
        return Member(sarama(go_programs, bootstrap, topic, version, "-mode", "group",
                             "-group", group))

    def produce(start, count):
        run(sarama(go_programs, bootstrap, topic, version, "-mode", "produce", "-start",
                   str(start), "-count", str(count), "-codec", "snappy"))

    check_group(bootstrap, topic, group, start_member, produce, members)
