"""Committed offsets: a restarted consumer resumes where the group committed, also after the
broker restarts (SIGTERM and kill -9); kafka-python group consumers consume a topic completely
and commit; at-most-once and at-least-once when a consumer dies between commit and processing."""
import json
import os
import signal
import subprocess
import sys

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import wait_until

HELPER = os.path.join(os.path.dirname(__file__), "group_consumer.py")


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        f.result(30)


def produce(broker, topic, values, partition=None):
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for v in values:
        if partition is None:
            p.produce(topic, value=v.encode())
        else:
            p.produce(topic, value=v.encode(), partition=partition)
    assert p.flush(30) == 0


def consumer(broker, group):
    return Consumer({
        "bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
    })


def consume(c, n, timeout=60):
    """Polls until n messages arrived; returns their values."""
    got = []

    def more():
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append(m.value().decode())
        return len(got) >= n

    wait_until(more, timeout=timeout, interval=0, message=f"{n} messages")
    return got


def committed(broker, group, topic, partitions):
    c = consumer(broker, group)
    try:
        res = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
        return {tp.partition: tp.offset for tp in res}
    finally:
        c.close()


def test_restarted_consumer_resumes_at_committed_offset(broker):
    create_topic(broker, "t", 1)
    produce(broker, "t", [f"m{i}" for i in range(10)])
    c = consumer(broker, "resume")
    c.subscribe(["t"])
    assert consume(c, 4) == ["m0", "m1", "m2", "m3"]
    c.commit(offsets=[TopicPartition("t", 0, 4)], asynchronous=False)
    c.close()
    assert committed(broker, "resume", "t", 1) == {0: 4}

    c = consumer(broker, "resume")
    c.subscribe(["t"])
    assert consume(c, 6) == [f"m{i}" for i in range(4, 10)]
    c.commit(asynchronous=False)
    c.close()
    assert committed(broker, "resume", "t", 1) == {0: 10}


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_commits_and_groups_survive_broker_restart(broker, how):
    create_topic(broker, "t", 3)
    for p in range(3):
        produce(broker, "t", [f"p{p}-{i}" for i in range(5)], partition=p)
    c = consumer(broker, "durable")
    c.subscribe(["t"])
    consume(c, 15)
    c.commit(offsets=[TopicPartition("t", 0, 2), TopicPartition("t", 1, 5), TopicPartition("t", 2, 3)],
             asynchronous=False)
    c.close()
    # A simple (unmanaged) commit too: generation -1, no member id.
    s = consumer(broker, "simple")
    s.commit(offsets=[TopicPartition("t", 1, 4)], asynchronous=False)
    s.close()

    if how == "sigterm":
        broker.restart()
    else:
        broker.kill()
        broker.start()

    assert committed(broker, "durable", "t", 3) == {0: 2, 1: 5, 2: 3}
    assert committed(broker, "simple", "t", 3) == {0: -1001, 1: 4, 2: -1001}
    c = consumer(broker, "durable")
    c.subscribe(["t"])
    rest = consume(c, 5)
    assert sorted(rest) == ["p0-2", "p0-3", "p0-4", "p2-3", "p2-4"]
    c.close()
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    assert {g.id for g in admin.list_groups(timeout=30)} >= {"durable", "simple"}


def test_kafka_python_group_consumers_consume_everything_and_commit(broker):
    import threading

    from kafka import KafkaConsumer, TopicPartition as KTP

    create_topic(broker, "kp", 4)
    values = {f"v{i}" for i in range(40)}
    produce(broker, "kp", sorted(values))
    seen = []
    done = threading.Event()
    errors = []

    def run():
        # Each group member polls on its own thread, as a real application does: a rebalance
        # waits for every member to rejoin from its poll loop.
        try:
            kc = KafkaConsumer("kp", bootstrap_servers=broker.bootstrap, group_id="kpg",
                               auto_offset_reset="earliest", enable_auto_commit=False,
                               session_timeout_ms=6000, heartbeat_interval_ms=500)
            while not done.is_set():
                for records in kc.poll(timeout_ms=200).values():
                    seen.extend(r.value.decode() for r in records)
                kc.commit()
            kc.commit()
            kc.close()
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(seen) >= 40 or errors, timeout=90, message="40 messages across two kafka-python consumers")
    finally:
        done.set()
        for t in threads:
            t.join(60)
    assert not errors
    assert sorted(seen) == sorted(values)
    probe = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="kpg", enable_auto_commit=False)
    tps = [KTP("kp", p) for p in range(4)]
    ends = probe.end_offsets(tps)
    assert sum(ends.values()) == 40
    assert {tp: probe.committed(tp) for tp in tps} == ends
    probe.close()


def run_processing(broker, group, mode, crash_at=None):
    args = [sys.executable, HELPER, "--bootstrap", broker.bootstrap, "--group", group, "--topic", "work",
            "--mode", mode, "--stop-after", "25"]
    if crash_at:
        args += ["--crash-at", crash_at]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    processed = [json.loads(l)["processed"][2] for l in proc.stdout.splitlines() if '"processed"' in l]
    return proc.returncode, processed


@pytest.mark.parametrize("mode", ["at-most-once", "at-least-once"])
def test_delivery_semantics_when_consumer_dies_between_commit_and_processing(broker, mode):
    create_topic(broker, "work", 1)
    produce(broker, "work", [f"w{i}" for i in range(6)])
    code, first = run_processing(broker, f"sem-{mode}", mode, crash_at="w2")
    assert code == -signal.SIGKILL
    code, second = run_processing(broker, f"sem-{mode}", mode)
    assert code == 0
    if mode == "at-most-once":
        # w2 was committed but never processed: lost.
        assert first == ["w0", "w1"]
        assert second == ["w3", "w4", "w5"]
    else:
        # w2 was processed but not committed: delivered again.
        assert first == ["w0", "w1", "w2"]
        assert second == ["w2", "w3", "w4", "w5"]
    assert committed(broker, f"sem-{mode}", "work", 1) == {0: 6}
