"""Incremental fetch sessions (KIP-227) on the wire: a full fetch creates a session, incremental
fetches answer only partitions with something new, forgotten partitions leave the session, bad
epochs and unknown ids get Kafka's errors, and the cache holds at most
max.incremental.fetch.session.cache.slots sessions. From v13 fetches name topics by id (KIP-516):
an unknown id is UNKNOWN_TOPIC_ID, a session keyed by ids goes on only with ids, and a topic
deleted and re-created under its name is another topic."""
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from broker_clients import Buf, Wire, fetch, topic_id
from conftest import wait_until

FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH = 70, 71
UNKNOWN_TOPIC_ID, FETCH_SESSION_TOPIC_ID_ERROR = 100, 106


def create(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)


def produce(broker, topic, partition, n=1):
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(n):
        p.produce(topic, value=b"v%d" % i, partition=partition)
    assert p.flush(30) == 0


@pytest.mark.parametrize("version", [11, 12])
def test_incremental_session_answers_only_changes(broker, version):
    create(broker, "sess", 3)
    for p in range(3):
        produce(broker, "sess", p)
    parts = [("sess", p, 0) for p in range(3)]
    with Wire(broker.bootstrap) as w:
        err, sid, out = fetch(w, 0, 0, parts, version=version)
        assert err == 0 and sid > 0
        assert {k: v[:2] for k, v in out.items()} == {("sess", p): (0, 1) for p in range(3)}
        assert all(v[2] > 0 for v in out.values())
        # The client moves its positions to 1: an update of all three.
        err, sid2, out = fetch(w, sid, 1, [("sess", p, 1) for p in range(3)], max_wait_ms=50, version=version)
        assert (err, sid2, out) == (0, sid, {})
        # Nothing changed: nothing but the session comes back.
        err, _, out = fetch(w, sid, 2, [], max_wait_ms=50, version=version)
        assert (err, out) == (0, {})
        produce(broker, "sess", 1, 3)
        err, _, out = fetch(w, sid, 3, [], version=version)
        assert err == 0
        assert list(out) == [("sess", 1)]
        assert out[("sess", 1)][:2] == (0, 4) and out[("sess", 1)][2] > 0


def test_session_errors_and_closing(broker):
    create(broker, "sess-err", 2)
    with Wire(broker.bootstrap) as w:
        _, sid, _ = fetch(w, 0, 0, [("sess-err", 0, 0), ("sess-err", 1, 0)])
        assert sid > 0
        assert fetch(w, sid, 5, []) == (INVALID_FETCH_SESSION_EPOCH, 0, {})
        assert fetch(w, sid + 1, 1, []) == (FETCH_SESSION_ID_NOT_FOUND, 0, {})
        # The bad epoch changed nothing: epoch 1 is still the next one.
        assert fetch(w, sid, 1, [])[:2] == (0, sid)
        assert fetch(w, sid, 1, [])[0] == INVALID_FETCH_SESSION_EPOCH  # a replay
        # A sessionless full fetch (epoch -1) naming the session closes it.
        err, sid2, out = fetch(w, sid, -1, [("sess-err", 0, 0)])
        assert (err, sid2, list(out)) == (0, 0, [("sess-err", 0)])
        assert fetch(w, sid, 2, [])[0] == FETCH_SESSION_ID_NOT_FOUND


def test_forgotten_partitions(broker):
    create(broker, "sess-forget", 2)
    with Wire(broker.bootstrap) as w:
        _, sid, _ = fetch(w, 0, 0, [("sess-forget", 0, 0), ("sess-forget", 1, 0)])
        assert fetch(w, sid, 1, [], forgotten=[("sess-forget", 0)], max_wait_ms=20) == (0, sid, {})
        produce(broker, "sess-forget", 0)
        produce(broker, "sess-forget", 1)
        err, _, out = fetch(w, sid, 2, [])
        assert (err, list(out)) == (0, [("sess-forget", 1)])
        # Forgetting the last partition closes the session; the fetch is answered sessionless.
        err, sid2, out = fetch(w, sid, 3, [], forgotten=[("sess-forget", 1)])
        assert (err, sid2, out) == (0, 0, {})
        assert fetch(w, sid, 4, [])[0] == FETCH_SESSION_ID_NOT_FOUND


def test_cache_slots_bound_the_sessions(broker_factory):
    b = broker_factory({"max.incremental.fetch.session.cache.slots": "1"})
    create(b, "slots", 1)
    with Wire(b.bootstrap) as w:
        _, first, _ = fetch(w, 0, 0, [("slots", 0, 0)])
        assert first > 0
        # The cache is full and the first session too young to evict: no session.
        err, second, out = fetch(w, 0, 0, [("slots", 0, 0)])
        assert (err, second, list(out)) == (0, 0, [("slots", 0)])
        assert fetch(w, first, 1, [])[:2] == (0, first)
    b0 = broker_factory({"max.incremental.fetch.session.cache.slots": "0"}, name="noslots")
    create(b0, "slots0", 1)
    with Wire(b0.bootstrap) as w:
        assert fetch(w, 0, 0, [("slots0", 0, 0)])[1] == 0


@pytest.mark.parametrize("version", [13, 17])
def test_topic_ids_name_the_partitions(broker, version):
    create(broker, "sess-ids", 2)
    produce(broker, "sess-ids", 0, 2)
    unknown = bytes(range(1, 17))
    with Wire(broker.bootstrap) as w:
        tid = topic_id(w, "sess-ids")
        err, sid, out = fetch(w, 0, 0, [(tid, 0, 0), (tid, 1, 0), (unknown, 0, 0)], version=version)
        assert err == 0 and sid > 0
        assert {k: v[:2] for k, v in out.items()} == {(tid, 0): (0, 2), (tid, 1): (0, 0),
                                                      (unknown, 0): (UNKNOWN_TOPIC_ID, -1)}
        assert out[(tid, 0)][2] > 0
        # Incremental, by id: the unknown partition forgotten, nothing else new.
        err, _, out = fetch(w, sid, 1, [(tid, 0, 2)], forgotten=[(unknown, 0)], max_wait_ms=20, version=version)
        assert (err, out) == (0, {})
        # A session keyed by ids cannot go on with names; the error leaves it as it was.
        assert fetch(w, sid, 2, [], version=12) == (FETCH_SESSION_TOPIC_ID_ERROR, 0, {})
        produce(broker, "sess-ids", 1)
        err, _, out = fetch(w, sid, 2, [], version=version)
        assert err == 0 and {k: v[:2] for k, v in out.items()} == {(tid, 1): (0, 1)}
        # Nor a session keyed by names with ids.
        _, by_name, _ = fetch(w, 0, 0, [("sess-ids", 0, 0)], version=12)
        assert fetch(w, by_name, 1, [], version=version) == (FETCH_SESSION_TOPIC_ID_ERROR, 0, {})


def test_a_recreated_topic_is_another_topic(broker):
    create(broker, "sess-again", 1)
    produce(broker, "sess-again", 0)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    with Wire(broker.bootstrap) as w:
        old = topic_id(w, "sess-again")
        _, sid, out = fetch(w, 0, 0, [(old, 0, 0)], version=17)
        assert sid > 0 and out[(old, 0)][:2] == (0, 1)
        admin.delete_topics(["sess-again"])["sess-again"].result(30)
        # Created again once the deletion is through.
        wait_until(lambda: create(broker, "sess-again", 1) or True, 60, message="sess-again re-created")
        produce(broker, "sess-again", 0, 3)
        new = topic_id(w, "sess-again")
        assert new != old
        # The session's partition is the deleted topic's: gone, whatever now has its name.
        err, _, out = fetch(w, sid, 1, [], version=17)
        assert (err, {k: v[:2] for k, v in out.items()}) == (0, {(old, 0): (UNKNOWN_TOPIC_ID, -1)})
        err, _, out = fetch(w, 0, -1, [(new, 0, 0)], version=17)
        assert (err, out[(new, 0)][:2]) == (0, (0, 3))


def test_old_versions_have_no_sessions(broker):
    create(broker, "sess-old", 1)
    with Wire(broker.bootstrap) as w:
        # Fetch v6 has no session fields: answered in full, and no session is kept.
        b = Buf().i32(-1).i32(0).i32(1).i32(1 << 20).i8(0).array(1).string("sess-old").array(1)
        b.i32(0).i64(0).i64(-1).i32(1 << 20)
        r = w.request(1, 6, b, flexible=False)
        r.i32()
        assert r.array() == 1


def kafka_libs():
    """Apache Kafka's libs/ (KAFKA_LIBS, or the newest ~/.cache/moldau/kafka-*/libs), with java."""
    import glob
    import os
    import shutil
    if not shutil.which("java"):
        return None
    if os.environ.get("KAFKA_LIBS"):
        return os.environ["KAFKA_LIBS"]
    found = sorted(glob.glob(os.path.expanduser("~/.cache/moldau/kafka-*/libs")))
    return found[-1] if found else None


@pytest.mark.parametrize("slots", ["1000", "0"])
def test_java_consumer_reads_everything_with_and_without_sessions(broker_factory, slots):
    """The Java consumer keeps incremental sessions: it must read every record of a 100-partition
    topic whose data sits in a few partitions, with sessions and with the cache turned off."""
    import os
    import subprocess
    libs = kafka_libs()
    if not libs:
        pytest.skip("needs Apache Kafka's jars (KAFKA_LIBS) and java")
    b = broker_factory({"max.incremental.fetch.session.cache.slots": slots})
    create(b, "java-sess", 100)
    p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20})
    for i in range(3000):
        p.produce("java-sess", value=b"x" * 100, partition=i % 3)
    assert p.flush(30) == 0
    r = subprocess.run(["java", "-Xmx256M", "-cp", os.path.join(libs, "*"), "org.apache.kafka.tools.ConsumerPerformance",
                        "--bootstrap-server", b.bootstrap, "--topic", "java-sess", "--messages", "3000",
                        "--timeout", "60000", "--hide-header"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    line = [l for l in r.stdout.splitlines() if l and l[0].isdigit()][-1]
    assert int(line.split(",")[4]) == 3000
