"""The Java client (kafka-clients, Apache Kafka 4.4.0) against our broker.

tests/java/src/dev/moldau/javatests/ClientChecks.java is compiled at test time against the
pinned jars (java_programs.py) and runs every check in one JVM against one broker of this
module: producers (acks 0/1/all, idempotence, the four codecs, keys and headers), consumer
groups (commit and resume, range, cooperative-sticky, static members), the admin client
(topics, configs, records and offsets, groups) and transactions (read_committed, fencing,
offsets in the transaction). Each check prints what it found as JSON; the tests here assert the
exact values. The expected values are what the same program finds against Apache Kafka 4.4.0
itself, except where a comment says why ours differ.
"""
import os
import subprocess

import pytest

import java_programs
from conftest import BIN

DUMP_LOG = os.path.join(BIN, "kafka-dump-log")


@pytest.fixture(scope="module")
def broker():
    yield from java_programs.module_broker("moldau-java-client-")


@pytest.fixture(scope="module")
def facts(broker):
    """Every check of ClientChecks, in one JVM: {check: facts line}."""
    return java_programs.run_checks("ClientChecks", broker.bootstrap, timeout=900)


def check(facts, name):
    return java_programs.check_facts(facts, name)


def test_acks_0_1_all(facts):
    f = check(facts, "acks")
    # acks=0 learns no offset; acks=1 and all get the offsets the records landed at.
    assert f["offsets"] == {"0": [-1] * 20, "1": list(range(20, 40)), "all": list(range(40, 60))}
    assert f["read"] == 60 and f["read_equals_sent"] is True


def test_idempotent_producer(facts):
    f = check(facts, "idempotence")
    assert f["read"] == 3000 and f["distinct_values"] == 3000
    for p in ("0", "1", "2"):
        assert f["partitions"][p] == {"records": 1000, "offsets_contiguous_from_0": True, "producers": 1,
                                      "last_sequence": 999, "producer_epoch": 0}


def test_codecs(facts, broker):
    f = check(facts, "codecs")
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        assert f[codec] == {"sent": 200, "read": 200, "equal": True}, codec
        # The broker keeps the batches as the producer compressed them.
        segment = os.path.join(broker.log_dir, f"j-codec-{codec}-0", "00000000000000000000.log")
        dump = subprocess.run([DUMP_LOG, "--files", segment], capture_output=True, text=True, timeout=60)
        assert dump.returncode == 0, dump.stderr
        codecs = {line.split("compresscodec: ")[1].split()[0] for line in dump.stdout.splitlines()
                  if "compresscodec: " in line}
        assert codecs == {codec}, (codec, dump.stdout[:500])


def test_keys_headers_nulls_and_timestamps(facts):
    f = check(facts, "keys_headers")
    # murmur2 of the key modulo 4, as the Java client's default partitioner and Kafka place them.
    expected = {"alpha": 0, "beta": 0, "delta": 2, "epsilon": 1, "eta": 2, "gamma": 2, "theta": 0, "zeta": 1}
    assert f["partition_of_key"] == expected
    assert f["read_partition_of_key"] == expected
    binary = bytes(range(256)).hex()
    assert f["partition3_tail"] == [
        {"offset": 0, "key": b"with-headers".hex(), "value": binary,
         "headers": [["h", b"first".hex()], ["h", b"second".hex()], ["null-value", None], ["binary", binary],
                     ["", b"empty key".hex()]],
         "timestamp_type": "CreateTime", "timestamp": 1700000000123},
        {"offset": 1, "key": None, "value": b"no key".hex(), "headers": [], "timestamp_type": "CreateTime",
         "timestamp": None},
        {"offset": 2, "key": b"tombstone".hex(), "value": None, "headers": [], "timestamp_type": "CreateTime",
         "timestamp": None},
        {"offset": 3, "key": "", "value": "", "headers": [], "timestamp_type": "CreateTime", "timestamp": None},
    ]


def test_group_commit_and_resume(facts):
    assert check(facts, "commit_resume") == {
        "first_read": [0, 59], "committed": 60, "metadata": "resume here",
        "resumed_read": [60, 99, 40], "committed_on_close": 100}


def test_range_assignor(facts):
    assert check(facts, "group_range") == {
        "assignments": [[0, 1], [2, 3]], "read_by": {"range-1": 20, "range-2": 20},
        "committed": {"j-range-0": 10, "j-range-1": 10, "j-range-2": 10, "j-range-3": 10},
        "state": "Stable", "assignor": "range", "members": 2}


def test_cooperative_sticky_assignor(facts):
    # The first member gives up two partitions and keeps two: never all four (that would be
    # the eager protocol); two rebalances (generations 2 and 3) hand them over.
    assert check(facts, "group_cooperative") == {
        "first_events": ["assigned [0, 1, 2, 3]", "revoked [2, 3]"], "second_events": ["assigned [2, 3]"],
        "union": [0, 1, 2, 3], "generation_alone": 1, "generation_after": 3,
        "assignor": "cooperative-sticky", "state": "Stable"}


def test_static_members(facts):
    f = check(facts, "group_static")
    # The restarted instance takes its place in the same generation with the same partition;
    # the other member sees no rebalance.
    assert f["generation_after"] == f["generation_before"]
    assert f["owned_after"] == f["owned_before"] and len(f["owned_before"]) == 1
    assert f["member_id_changed"] is True
    assert f["members_while_away"] == 2
    assert f["other_member_events_after_restart"] == []
    assert sorted(f["other_member_owned"] + f["owned_after"]) == [0, 1]
    assert f["instances"] == ["static-1", "static-2"] and f["state"] == "Stable"


def test_admin_topics(facts):
    assert check(facts, "admin_topics") == {
        "created": {"partitions_a": 3, "replication_a": 1, "partitions_b": 1, "config_a_retention": "3600000"},
        "errors": {"j-admin-a/1/1": "TopicExistsException", "bad/name/1/1": "InvalidTopicException",
                   "j-admin-c/0/1": "InvalidPartitionsException",
                   "j-admin-d/1/3": "InvalidReplicationFactorException",
                   "j-admin-e/1/1": "InvalidConfigurationException"},
        "validate_only_created": False, "listed": True, "internal_listed": False,
        "describe_id_matches": True, "describe_by_id_name": "j-admin-a", "internal": False,
        "partitions": ["0 leader 1 replicas [1] isr [1]", "1 leader 1 replicas [1] isr [1]",
                       "2 leader 1 replicas [1] isr [1]"],
        "b_partitions_after_increase": 4, "decrease": "InvalidPartitionsException",
        "cluster_id_length": 22, "nodes": [1], "controller": 1,
        "describe_deleted": "UnknownTopicOrPartitionException", "listed_after_delete": False}


def test_admin_configs(facts):
    f = check(facts, "admin_configs")
    # Values and sources as Kafka reports them. config/server.properties sets log.segment.bytes
    # and auto.create.topics.enable, hence STATIC_BROKER_CONFIG where Kafka's test broker, which
    # sets neither, says DEFAULT_CONFIG; Kafka 4.4's formatted cluster also sets
    # min.insync.replicas as a dynamic cluster default (DYNAMIC_DEFAULT_BROKER_CONFIG).
    segment = ["1073741824", "STATIC_BROKER_CONFIG"]
    min_isr = ["1", "DYNAMIC_DEFAULT_BROKER_CONFIG"]  # as a new Kafka 4.4 cluster, so a new Moldau node
    assert f["before"] == {"retention.ms": ["3600000", "DYNAMIC_TOPIC_CONFIG"],
                           "cleanup.policy": ["delete", "DEFAULT_CONFIG"],
                           "max.message.bytes": ["1048588", "DEFAULT_CONFIG"],
                           "segment.bytes": segment, "min.insync.replicas": min_isr}
    # SET, SET, and APPEND to a list that held its default.
    assert f["altered"] == {"retention.ms": ["7200000", "DYNAMIC_TOPIC_CONFIG"],
                            "cleanup.policy": ["delete,compact", "DYNAMIC_TOPIC_CONFIG"],
                            "max.message.bytes": ["2000000", "DYNAMIC_TOPIC_CONFIG"],
                            "segment.bytes": segment, "min.insync.replicas": min_isr}
    # DELETE back to the default, SUBTRACT from the list.
    assert f["after"] == {"retention.ms": ["604800000", "DEFAULT_CONFIG"],
                          "cleanup.policy": ["compact", "DYNAMIC_TOPIC_CONFIG"],
                          "max.message.bytes": ["2000000", "DYNAMIC_TOPIC_CONFIG"],
                          "segment.bytes": segment, "min.insync.replicas": min_isr}
    assert f["invalid_value"] == "InvalidConfigurationException"
    assert f["unknown_topic"] == "UnknownTopicOrPartitionException"
    assert f["broker"] == {"num.partitions": ["1", "STATIC_BROKER_CONFIG"],
                           "log.segment.bytes": ["1073741824", "STATIC_BROKER_CONFIG"],
                           "auto.create.topics.enable": ["true", "STATIC_BROKER_CONFIG"]}


def test_admin_delete_records_and_list_offsets(facts):
    assert check(facts, "admin_records") == {
        "list_offsets": {"before_delete earliest": [0, -1], "before_delete latest": [50, -1],
                         "before_delete max_timestamp": [49, 1000490],
                         "before_delete for_1000205": [21, 1000210], "before_delete for_1000000": [0, 1000000],
                         "before_delete for_2000000": [-1, -1],
                         "after_delete earliest": [20, -1], "after_delete latest": [50, -1],
                         "after_delete for_1000000": [20, 1000200]},
        "low_watermark": 20, "delete_beyond_end": "OffsetOutOfRangeException", "first_offset_read": 20,
        "log_dirs": {"replica_size_positive": True}}


def test_admin_groups(facts):
    f = check(facts, "admin_groups")
    assert f["live"] == {"state": "Stable", "type": "Classic", "assignor": "range", "members": 1,
                         "client_id": "admin-groups-client", "assignment": [0, 1, 2], "coordinator": 1,
                         "alter_while_live": "UnknownMemberIdException"}
    assert f["listed"] == {"j-admin-group": ["Classic", "consumer", "Empty"]}
    assert f["listed_as_consumer_group"] == ["j-admin-group"]
    assert f["share_groups"] == []
    assert f["offsets_after_alter"] == {"j-admin-groups-0": [2, "rewound"], "j-admin-groups-1": [5, ""],
                                        "j-admin-groups-2": [5, ""]}
    assert f["partitions_after_offset_delete"] == ["j-admin-groups-0", "j-admin-groups-2"]
    assert f["empty_state"] == "Empty"
    assert f["listed_after_delete"] is False
    # Kafka 4.4 answers DescribeGroups v6 for a group that does not exist with
    # GROUP_ID_NOT_FOUND (GroupIdNotFoundException); we serve up to v5, where the answer for
    # that group is the state Dead, as Kafka's was before v6.
    assert f["describe_after_delete"] == "Dead"


def test_transactions_read_committed_and_fencing(facts):
    assert check(facts, "transactions") == {
        "read_committed": [f"commit-a-{i}" for i in range(5)] + [f"commit-b-{i}" for i in range(5)],
        # commit-a 0-4, its marker 5, the aborted records 6-10 and marker 11, commit-b 12-16.
        "read_committed_offsets": [0, 1, 2, 3, 4, 12, 13, 14, 15, 16],
        "read_uncommitted": ([f"commit-a-{i}" for i in range(5)] + [f"abort-{i}" for i in range(5)] +
                             [f"commit-b-{i}" for i in range(5)]),
        # While a transaction is open at 18-20: the last stable offset 18, the high watermark 21.
        "end_offsets_while_open": [18, 21], "read_committed_while_open": 0,
        "listed_while_open": ["Ongoing"], "described_while_open": {"state": "Ongoing", "partitions": ["j-txn-0"]},
        "read_committed_after_commit": ["open-0", "open-1", "open-2"], "end_offsets_after_commit": [22, 22],
        "described_after": "CompleteCommit",
        "zombie_commit": "InvalidProducerEpochException",
        "read_committed_tail": ["open-2", "successor-0"]}


def test_offsets_in_transactions(facts):
    assert check(facts, "transactional_offsets") == {
        # Batches of 10: committed, aborted (the group's offset stays), then both again.
        "group_offset_after_each_batch": [10, 10, 20, 30],
        "output_count": 30, "output_distinct": 30, "output_first_last": ["WORD0", "WORD29"],
        "output_uncommitted_count": 40}
