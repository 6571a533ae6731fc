"""APIs that clients and tools probe, spoken on the wire: every API key that Kafka 3.9 advertises
to clients is advertised here too, and each is answered (served, or refused with the error Kafka
gives for a broker without SASL, authorizer, delegation tokens, quotas, KRaft quorum or the new
consumer group protocol), never by closing the connection. The ACL probe also through
kafka-python's admin client (the installed confluent-kafka has no ACL admin API).
"""
import struct

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from broker_clients import Buf, Wire

SECURITY_DISABLED, ILLEGAL_SASL_STATE, TOKEN_NOT_ALLOWED = 54, 34, 64
UNSUPPORTED_VERSION, INVALID_REQUEST, UNKNOWN_TOPIC_OR_PARTITION, GROUP_ID_NOT_FOUND = 35, 42, 3, 69
ELECTION_NOT_NEEDED, NO_REASSIGNMENT, INVALID_REPLICA_ASSIGNMENT = 84, 85, 39
RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE, UNSUPPORTED_SASL_MECHANISM = 91, 92, 33
LOG_DIR_NOT_FOUND, REPLICA_NOT_AVAILABLE, INVALID_UPDATE_VERSION = 57, 9, 95
BROKER_ID_NOT_REGISTERED, INVALID_TOPIC = 102, 17

# The API keys a Kafka 3.9 broker (KRaft, no client telemetry receiver) lists in ApiVersions.
KAFKA_39_CLIENT_APIS = {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                        25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
                        45, 46, 47, 48, 49, 50, 51, 55, 57, 60, 61, 64, 65, 66, 68, 69, 74, 75, 80, 81}


@pytest.fixture
def topic(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("probed", 3, 1)])["probed"].result(30)
    return "probed"


def api_versions(w):
    r = w.request(18, 0, Buf(), flexible=False)
    assert r.i16() == 0
    return {r.i16(): (r.i16(), r.i16()) for _ in range(r.array())}


def test_every_api_kafka_advertises_is_advertised(broker):
    with Wire(broker.bootstrap) as w:
        versions = api_versions(w)
    assert KAFKA_39_CLIENT_APIS <= set(versions)
    # Old clients' versions too.
    assert versions[0][0] == 0 and versions[1][0] == 0 and versions[2][0] == 0


# --- ACLs: SECURITY_DISABLED ------------------------------------------------------------------

def test_acl_apis_answer_security_disabled(broker):
    with Wire(broker.bootstrap) as w:
        # DescribeAcls v1: any resource, any pattern.
        b = Buf().i8(1).string(None).i8(1).string(None).string(None).i8(1).i8(1)
        r = w.request(29, 1, b, flexible=False)
        r.i32()
        assert (r.i16(), r.string(), r.array()) == (SECURITY_DISABLED, "No Authorizer is configured on the broker", 0)
        # DescribeAcls v2 (flexible).
        b = Buf().i8(1).cstring(None).i8(1).cstring(None).cstring(None).i8(1).i8(1).tags()
        r = w.request(29, 2, b, flexible=True)
        r.i32()
        assert (r.i16(), r.cstring(), r.carray()) == (SECURITY_DISABLED, "No Authorizer is configured on the broker", 0)
        # CreateAcls v1: two creations, two results.
        b = Buf().array(2)
        for name in ("t1", "t2"):
            b.i8(2).string(name).i8(3).string("User:alice").string("*").i8(3).i8(3)
        r = w.request(30, 1, b, flexible=False)
        r.i32()
        assert [(r.i16(), r.string()) for _ in range(r.array())] == [(SECURITY_DISABLED, "No Authorizer is configured.")] * 2
        # DeleteAcls v1: one filter.
        b = Buf().array(1).i8(1).string(None).i8(1).string(None).string(None).i8(1).i8(1)
        r = w.request(31, 1, b, flexible=False)
        r.i32()
        assert r.array() == 1
        assert (r.i16(), r.string(), r.array()) == (SECURITY_DISABLED, "No Authorizer is configured.", 0)
        assert api_versions(w)  # the connection is still open


def test_acl_apis_through_kafka_python(broker):
    from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, ResourcePatternFilter)
    from kafka.admin import ResourceType as KRT
    from kafka.errors import SecurityDisabledError
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        f = ACLFilter(principal=None, host="*", operation=ACLOperation.ANY,
                      permission_type=ACLPermissionType.ANY,
                      resource_pattern=ResourcePatternFilter(KRT.TOPIC, None, ACLResourcePatternType.ANY))
        with pytest.raises(SecurityDisabledError):
            admin.describe_acls(f)
    finally:
        admin.close()


# --- SASL and delegation tokens on a PLAINTEXT listener ---------------------------------------

def test_sasl_on_plaintext(broker):
    with Wire(broker.bootstrap) as w:
        for version in (0, 1):
            r = w.request(17, version, Buf().string("PLAIN"), flexible=False)
            assert (r.i16(), r.array()) == (ILLEGAL_SASL_STATE, 0)
        r = w.request(36, 1, Buf().i32(3).raw(b"abc"), flexible=False)
        assert (r.i16(), r.string()) == (ILLEGAL_SASL_STATE, "SaslAuthenticate request received after successful authentication")
        assert r.i32() == 0  # auth_bytes: empty
        assert r.i64() == 0  # session_lifetime_ms
        assert api_versions(w)


def test_delegation_tokens_not_allowed_on_plaintext(broker):
    with Wire(broker.bootstrap) as w:
        r = w.request(38, 1, Buf().array(0).i64(-1), flexible=False)
        assert r.i16() == TOKEN_NOT_ALLOWED
        assert (r.string(), r.string()) == ("User", "ANONYMOUS")
        assert (r.i64(), r.i64(), r.i64(), r.string(), r.i32()) == (-1, -1, -1, "", 0)
        # v3: the owner named in the request, the requester.
        b = Buf().cstring("User").cstring("bob").carray(0).i64(-1).tags()
        r = w.request(38, 3, b, flexible=True)
        assert (r.i16(), r.cstring(), r.cstring(), r.cstring(), r.cstring()) == (
            TOKEN_NOT_ALLOWED, "User", "bob", "User", "ANONYMOUS")
        for key in (39, 40):  # renew, expire
            r = w.request(key, 1, Buf().i32(2).raw(b"hm").i64(1000), flexible=False)
            assert (r.i16(), r.i64()) == (TOKEN_NOT_ALLOWED, -1)
        r = w.request(41, 1, Buf().i32(-1), flexible=False)
        assert (r.i16(), r.array()) == (TOKEN_NOT_ALLOWED, 0)


# --- quotas and SCRAM ---------------------------------------------------------------------------

def test_client_quotas(broker):
    with Wire(broker.bootstrap) as w:
        r = w.request(48, 0, Buf().array(1).string("user").i8(1).string(None).boolean(False), flexible=False)
        r.i32()
        assert (r.i16(), r.string(), r.array()) == (0, None, 0)
        b = Buf().array(1).array(1).string("user").string("alice").array(1).string("producer_byte_rate")
        b.raw(struct.pack(">d", 1024.0)).boolean(False).boolean(True)
        r = w.request(49, 0, b, flexible=False)
        r.i32()
        assert r.array() == 1
        assert (r.i16(), r.string()) == (INVALID_REQUEST, "Client quotas are not supported by this broker")
        assert r.array() == 1
        assert (r.string(), r.string()) == ("user", "alice")


def test_scram_credentials(broker):
    with Wire(broker.bootstrap) as w:
        r = w.request(50, 0, Buf().uvarint(0).tags(), flexible=True)  # users: null -> all
        r.i32()
        assert (r.i16(), r.cstring(), r.carray()) == (0, None, 0)
        b = Buf().carray(3)
        for name in ("alice", "bob", "alice"):
            b.cstring(name).tags()
        r = w.request(50, 0, b.tags(), flexible=True)
        r.i32()
        assert (r.i16(), r.cstring()) == (0, None)
        results = []
        for _ in range(r.carray()):
            user, err, msg = r.cstring(), r.i16(), r.cstring()
            assert r.carray() == 0
            r.tags()
            results.append((user, err, msg))
        assert sorted(results) == [
            ("alice", DUPLICATE_RESOURCE, "Cannot describe SCRAM credentials for the same user twice in a single request: alice"),
            ("bob", RESOURCE_NOT_FOUND, "Attempt to describe a user credential that does not exist: bob")]
        b = Buf().carray(1).cstring("carol").i8(1).tags()
        b.carray(1).cstring("dave").i8(1).i32(4096).uvarint(3).raw(b"sa").uvarint(3).raw(b"pw").tags().tags()
        r = w.request(51, 0, b, flexible=True)
        r.i32()
        out = []
        for _ in range(r.carray()):
            out.append((r.cstring(), r.i16(), r.cstring()))
            r.tags()
        assert out == [("carol", UNSUPPORTED_SASL_MECHANISM, "SASL/SCRAM is not supported by this broker"),
                       ("dave", UNSUPPORTED_SASL_MECHANISM, "SASL/SCRAM is not supported by this broker")]


# --- leaders, reassignments, log dirs -----------------------------------------------------------

def test_elect_leaders(broker, topic):
    with Wire(broker.bootstrap) as w:
        b = Buf().i8(0).array(2).string(topic).array(2).i32(0).i32(9).string("nope").array(1).i32(0).i32(30000)
        r = w.request(43, 1, b, flexible=False)
        r.i32()
        assert r.i16() == 0
        got = {}
        for _ in range(r.array()):
            t = r.string()
            for _ in range(r.array()):
                p, err, msg = r.i32(), r.i16(), r.string()
                got[(t, p)] = (err, msg)
        assert got == {(topic, 0): (ELECTION_NOT_NEEDED, "Leader election not needed for topic partition."),
                       (topic, 9): (UNKNOWN_TOPIC_OR_PARTITION, f"No such partition as {topic}-9"),
                       ("nope", 0): (UNKNOWN_TOPIC_OR_PARTITION, "No such topic as nope")}
        # All partitions: none needed an election, so none is listed.
        r = w.request(43, 1, Buf().i8(0).i32(-1).i32(30000), flexible=False)
        r.i32()
        assert r.i16() == 0
        for _ in range(r.array()):
            r.string()
            assert r.array() == 0


def test_partition_reassignments(broker, topic):
    with Wire(broker.bootstrap) as w:
        b = Buf().i32(30000).carray(1).cstring(topic).carray(5)
        b.i32(0).carray(1).i32(1).tags()           # its own replica: nothing to do
        b.i32(1).carray(1).i32(7).tags()           # an unknown broker
        b.i32(2).uvarint(0).tags()                 # cancel: none in progress
        b.i32(3).carray(1).i32(1).tags()           # no such partition
        b.i32(0).carray(2).i32(1).i32(1).tags()    # the same broker twice
        b.tags().tags()
        r = w.request(45, 0, b, flexible=True)
        r.i32()
        assert (r.i16(), r.cstring()) == (0, None)
        assert r.carray() == 1
        assert r.cstring() == topic
        out = []
        for _ in range(r.carray()):
            out.append((r.i32(), r.i16(), r.cstring()))
            r.tags()
        assert out == [(0, 0, None),
                       (1, INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker 7, but no such broker is registered."),
                       (2, NO_REASSIGNMENT, "No partition reassignment is in progress."),
                       (3, UNKNOWN_TOPIC_OR_PARTITION, f"Unable to find partition {topic}:3."),
                       (0, INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the broker 1 more than once.")]
        r = w.request(46, 0, Buf().i32(30000).uvarint(0).tags(), flexible=True)
        r.i32()
        assert (r.i16(), r.cstring(), r.carray()) == (0, None, 0)


def test_alter_replica_log_dirs(broker, topic):
    with Wire(broker.bootstrap) as w:
        b = Buf().array(2)
        b.string(broker.log_dir).array(2).string(topic).array(1).i32(0).string("nope").array(1).i32(0)
        b.string("/no/such/dir").array(1).string(topic).array(1).i32(1)
        r = w.request(34, 1, b, flexible=False)
        r.i32()
        got = {}
        for _ in range(r.array()):
            t = r.string()
            for _ in range(r.array()):
                got.setdefault(t, []).append((r.i32(), r.i16()))
        assert got == {topic: [(0, 0), (1, LOG_DIR_NOT_FOUND)], "nope": [(0, REPLICA_NOT_AVAILABLE)]}


# --- KRaft-only and new-protocol APIs ---------------------------------------------------------

def test_quorum_features_and_brokers(broker):
    with Wire(broker.bootstrap) as w:
        b = Buf().carray(1).cstring("__cluster_metadata").carray(1).i32(0).tags().tags().tags()
        r = w.request(55, 2, b, flexible=True)
        assert (r.i16(), r.cstring()) == (0, None)
        assert r.carray() == 1 and r.cstring() == "__cluster_metadata" and r.carray() == 1
        assert (r.i32(), r.i16()) == (0, UNKNOWN_TOPIC_OR_PARTITION)
        b = Buf().i32(30000).carray(1).cstring("metadata.version").i16(20).boolean(False).tags().tags()
        r = w.request(57, 0, b, flexible=True)
        r.i32()
        assert (r.i16(), r.cstring()) == (0, None)
        assert r.carray() == 1
        assert (r.cstring(), r.i16()) == ("metadata.version", INVALID_UPDATE_VERSION)
        r = w.request(64, 0, Buf().i32(99).tags(), flexible=True)
        r.i32()
        assert (r.i16(), r.cstring()) == (BROKER_ID_NOT_REGISTERED, "Broker ID 99 is not currently registered")
        r = w.request(64, 0, Buf().i32(1).tags(), flexible=True)
        r.i32()
        assert (r.i16(), r.cstring()) == (0, None)
        b = Buf().cstring(None).i32(1000).i32(5).raw(bytes(16)).carray(0).tags()
        r = w.request(80, 0, b, flexible=True)
        r.i32()
        assert r.i16() == UNSUPPORTED_VERSION
        r = w.request(81, 0, Buf().cstring(None).i32(5).raw(bytes(16)).tags(), flexible=True)
        r.i32()
        assert r.i16() == UNSUPPORTED_VERSION


def test_consumer_group_protocol_not_enabled(broker):
    with Wire(broker.bootstrap) as w:
        b = Buf().cstring("g").cstring("").i32(0).cstring(None).cstring(None).i32(30000)
        b.carray(1).cstring("t").cstring(None).uvarint(0).tags()
        r = w.request(68, 0, b, flexible=True)
        r.i32()
        assert r.i16() == UNSUPPORTED_VERSION
        # As Kafka 4 answers for groups that are not consumer-protocol groups: an unknown one
        # is not found, a classic one (g2 has committed offsets) is not a consumer group.
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        admin.create_topics([NewTopic("cgd", 1, 1)])["cgd"].result(30)
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g2", "enable.auto.commit": False})
        c.commit(offsets=[TopicPartition("cgd", 0, 0)], asynchronous=False)
        c.close()
        r = w.request(69, 0, Buf().carray(2).cstring("g1").cstring("g2").boolean(False).tags(), flexible=True)
        r.i32()
        groups = []
        for _ in range(r.carray()):
            err, msg, gid = r.i16(), r.cstring(), r.cstring()
            groups.append((gid, err, msg))
            r.cstring(); r.i32(); r.i32(); r.cstring()
            assert r.carray() == 0
            r.i32()
            r.tags()
        assert groups == [("g1", GROUP_ID_NOT_FOUND, "Group g1 not found."),
                          ("g2", GROUP_ID_NOT_FOUND, "Group g2 is not a consumer group.")]
        r = w.request(74, 0, Buf().tags(), flexible=True)
        r.i32()
        assert (r.i16(), r.carray()) == (0, 0)


def describe_topic_partitions(w, names, limit, cursor=None):
    b = Buf().carray(len(names))
    for n in names:
        b.cstring(n).tags()
    b.i32(limit)
    if cursor is None:
        b.i8(-1)
    else:
        b.i8(1).cstring(cursor[0]).i32(cursor[1]).tags()
    r = w.request(75, 0, b.tags(), flexible=True)
    r.i32()
    topics = []
    for _ in range(r.carray()):
        err, name = r.i16(), r.cstring()
        r.uuid()
        r.boolean()
        parts = []
        for _ in range(r.carray()):
            perr, idx, leader = r.i16(), r.i32(), r.i32()
            r.i32()
            replicas = [r.i32() for _ in range(r.carray())]
            [r.i32() for _ in range(r.carray())]
            for _ in range(2):
                n = r.carray()
                [r.i32() for _ in range(max(n, 0))]
            [r.i32() for _ in range(r.carray())]
            r.tags()
            parts.append((idx, perr, leader, replicas))
        r.i32()
        r.tags()
        topics.append((name, err, parts))
    nxt = None
    if r.i8() >= 0:
        nxt = (r.cstring(), r.i32())
        r.tags()
    return topics, nxt


def test_describe_topic_partitions_pages(broker, topic):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("probed-b", 2, 1)])["probed-b"].result(30)
    with Wire(broker.bootstrap) as w:
        topics, nxt = describe_topic_partitions(w, [topic, "probed-b", "missing", "bad name!"], 2000)
        assert [(t[0], t[1], [p[0] for p in t[2]]) for t in topics] == [
            ("bad name!", INVALID_TOPIC, []), ("missing", UNKNOWN_TOPIC_OR_PARTITION, []),
            (topic, 0, [0, 1, 2]), ("probed-b", 0, [0, 1])]
        assert topics[2][2][0][2:] == (1, [1])  # leader and replicas: this broker
        assert nxt is None
        # Pages of two partitions across both topics.
        topics, nxt = describe_topic_partitions(w, [topic, "probed-b"], 2)
        assert [(t[0], [p[0] for p in t[2]]) for t in topics] == [(topic, [0, 1])]
        assert nxt == (topic, 2)
        topics, nxt = describe_topic_partitions(w, [topic, "probed-b"], 2, nxt)
        assert [(t[0], [p[0] for p in t[2]]) for t in topics] == [(topic, [2]), ("probed-b", [0])]
        assert nxt == ("probed-b", 1)
        topics, nxt = describe_topic_partitions(w, [topic, "probed-b"], 2, nxt)
        assert [(t[0], [p[0] for p in t[2]]) for t in topics] == [("probed-b", [1])]
        assert nxt is None
        # All topics (empty list), then a cursor outside the list.
        topics, _ = describe_topic_partitions(w, [], 2000)
        assert {t[0] for t in topics} >= {topic, "probed-b"}
        topics, nxt = describe_topic_partitions(w, [topic], 10, ("zzz", 0))
        assert [(t[0], t[1]) for t in topics] == [(topic, INVALID_REQUEST)]
