"""Replication on three brokers, replication factor 3, min.insync.replicas=2: failover of a leader
under an acks=all idempotent load, ISR shrink and growth, NOT_ENOUGH_REPLICAS, a diverged follower
truncated to the leader's log byte for byte, coordinators moving with their partitions, and a
controlled shutdown under load followed by the preferred leaders' return."""
import filecmp
import glob
import os
import signal
import socket
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from broker_clients import Wire, fetch
from cluster import cluster_factory, describe, topics  # noqa: F401 (fixture)
from conftest import java_partition, tool, wait_until
from raw_batches import batch, frame, parse_produce_v7, produce_body_v7, produce_raw, read_response

RF3 = ["--replication-factor", "3", "--config", "min.insync.replicas=2"]


class Load:
    """An idempotent acks=all producer sending numbered records to one partition in a thread;
    records which values were acknowledged, and every delivery error."""

    def __init__(self, bootstrap, topic, partition=0):
        self.p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                           "message.timeout.ms": 120000, "linger.ms": 5, "retry.backoff.ms": 100})
        self.topic, self.partition = topic, partition
        self.acked, self.errors = [], []
        self.sent = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def on_delivery(self, err, msg):
        if err is not None:
            self.errors.append(err)
        else:
            self.acked.append(int(msg.value()))

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.p.produce(self.topic, str(self.sent).encode(), partition=self.partition,
                               on_delivery=self.on_delivery)
                self.sent += 1
            except BufferError:
                pass
            self.p.poll(0.001 if self.sent % 50 else 0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def finish(self):
        self.stop_flag.set()
        self.thread.join(30)
        assert self.p.flush(180) == 0

    def __exit__(self, *exc):
        if not self.stop_flag.is_set():
            self.finish()


def read_partition(bootstrap, topic, partition, count, timeout=120, value=int):
    """[(offset, value(record value))] of the first `count` records, read from the start."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "verifier", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, partition, 0)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            out.append((m.offset(), value(m.value())))
    finally:
        c.close()
    return out


def wait_for(pred, message, timeout=90):
    return wait_until(pred, timeout, interval=0.2, message=message)


def test_leader_killed_under_acks_all_load_loses_nothing(cluster_factory):
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "load", "--partitions", "1", *RF3)
    wait_for(lambda: len(describe(b, "load")[0][2]) == 3, "a full ISR")
    leader = describe(b, "load")[0][0]
    survivor = c.broker(next(i for i in (1, 2, 3) if i != leader))
    with Load(c.bootstrap, "load") as load:
        wait_for(lambda: len(load.acked) >= 2000, "records acknowledged before the failure")
        killed_at = time.monotonic()
        c.broker(leader).kill()
        wait_for(lambda: describe(survivor.bootstrap, "load")[0][0] not in (-1, leader), "a new leader")
        elected_after = time.monotonic() - killed_at
        before = len(load.acked)
        wait_for(lambda: len(load.acked) >= before + 2000, "records acknowledged by the new leader")
        load.finish()
    assert not load.errors, load.errors[:5]
    assert elected_after < 30, f"new leader after {elected_after:.1f} s"
    acked = sorted(load.acked)
    got = read_partition(survivor.bootstrap, "load", 0, len(acked))
    values = [v for _, v in got]
    # Every acknowledged record once, in the order produced (idempotence: no duplicates).
    assert values == sorted(values)
    assert len(values) == len(set(values))
    assert set(acked) <= set(values)
    assert [o for o, _ in got] == list(range(len(got)))
    c.broker(leader).start()


FILTERS = ("--under-replicated-partitions", "--at-min-isr-partitions", "--under-min-isr-partitions",
           "--unavailable-partitions")


def filtered(bootstrap):
    """{flag: {topic: [partitions it lists]}} for the ISR test's two topics, flag by flag."""
    return {f: {t: sorted(describe(bootstrap, t, f)) for t in ("isr", "solo")} for f in FILTERS}


def test_followers_down_isr_shrinks_then_not_enough_replicas_then_rejoin(cluster_factory):
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "isr", "--partitions", "1", *RF3)
    wait_for(lambda: len(describe(b, "isr")[0][2]) == 3, "a full ISR")
    leader, replicas, _ = describe(b, "isr")[0]
    followers = [r for r in replicas if r != leader]
    lb = c.broker(leader).bootstrap
    # One replica only, on the follower killed first: offline while it is down.
    topics(b, "--create", "--topic", "solo", "--replica-assignment", str(followers[0]),
                 "--config", "min.insync.replicas=1")
    wait_for(lambda: describe(lb, "solo")[0][0] == followers[0], "the single replica leading")
    # All in sync: the filters list nothing, but a single replica with min.insync.replicas=1
    # is at its minimum ISR (Kafka's TopicCommand compares the sizes only).
    assert filtered(lb) == {f: {"isr": [], "solo": [0] if f == "--at-min-isr-partitions" else []} for f in FILTERS}

    c.broker(followers[0]).kill()
    wait_for(lambda: describe(lb, "isr")[0][2] == [r for r in replicas if r != followers[0]] or
             sorted(describe(lb, "isr")[0][2]) == sorted([leader, followers[1]]), "the ISR without the dead follower")
    assert produce_raw(lb, "isr", 0, batch([b"with-two"])) == (0, 0)
    # Two of three in sync, as many as min.insync.replicas: under-replicated and at min ISR. The
    # single-replica topic has no leader: unavailable and under min ISR (Kafka's TopicCommand);
    # its ISR keeps the dead replica, as KRaft's never empties, so it is still at min ISR.
    wait_for(lambda: describe(lb, "solo")[0][0] == -1, "the single-replica partition offline")
    assert filtered(lb) == {
        "--under-replicated-partitions": {"isr": [0], "solo": []},
        "--at-min-isr-partitions": {"isr": [0], "solo": [0]},
        "--under-min-isr-partitions": {"isr": [], "solo": [0]},
        "--unavailable-partitions": {"isr": [], "solo": [0]},
    }
    # A filter prints the partition lines only, each as the plain describe does.
    r = tool("kafka-topics", "--bootstrap-server", lb, "--describe", "--topic", "isr", "--under-replicated-partitions")
    isr_now = describe(lb, "isr")[0][2]
    assert r.stdout == (f"\tTopic: isr\tPartition: 0\tLeader: {leader}\tReplicas: {','.join(map(str, replicas))}"
                        f"\tIsr: {','.join(map(str, isr_now))}\tElr: \tLastKnownElr: \n"), r.stdout

    c.broker(followers[1]).kill()
    wait_for(lambda: describe(lb, "isr")[0][2] == [leader], "the ISR down to the leader")
    # One in sync, fewer than min.insync.replicas: under min ISR, no longer at it.
    assert filtered(lb) == {
        "--under-replicated-partitions": {"isr": [0], "solo": []},
        "--at-min-isr-partitions": {"isr": [], "solo": [0]},
        "--under-min-isr-partitions": {"isr": [0], "solo": [0]},
        "--unavailable-partitions": {"isr": [], "solo": [0]},
    }
    # acks=all with one in-sync replica of min.insync.replicas=2: refused, nothing appended.
    err, _ = produce_raw(lb, "isr", 0, batch([b"refused"]))
    assert err == 19  # NOT_ENOUGH_REPLICAS
    assert c.metadata(c.broker(leader)).topics["isr"].partitions[0].leader == leader

    c.broker(followers[0]).start()
    c.broker(followers[1]).start()
    wait_for(lambda: sorted(describe(lb, "isr")[0][2]) == sorted(replicas), "the followers back in the ISR")
    wait_for(lambda: describe(lb, "solo")[0][0] == followers[0], "the single replica leading again")
    assert filtered(lb) == {f: {"isr": [], "solo": [0] if f == "--at-min-isr-partitions" else []} for f in FILTERS}
    assert produce_raw(lb, "isr", 0, batch([b"three-again"])) == (0, 1)
    assert read_partition(lb, "isr", 0, 2, value=bytes) == [(0, b"with-two"), (1, b"three-again")]


def partition_logs(c, broker_id, topic, partition):
    return sorted(glob.glob(os.path.join(c.broker(broker_id).log_dir, f"{topic}-{partition}", "*.log")))


def test_diverged_follower_truncates_to_the_leaders_log(cluster_factory):
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "diverge", "--partitions", "1", *RF3)
    wait_for(lambda: len(describe(b, "diverge")[0][2]) == 3, "a full ISR")
    old_leader, replicas, _ = describe(b, "diverge")[0]
    followers = [r for r in replicas if r != old_leader]
    lb = c.broker(old_leader).bootstrap
    for i in range(20):
        assert produce_raw(lb, "diverge", 0, batch([f"committed-{i}".encode()]))[0] == 0
    # The followers stop fetching for a moment; the leader takes records with acks=1 that no
    # follower has (but what answers a fetch already waiting at the leader), and dies: an
    # epoch's tail that is never committed.
    for f in followers:
        c.broker(f).proc.send_signal(signal.SIGSTOP)
    try:
        host, port = lb.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=30) as s:
            for i in range(5):
                s.sendall(frame(0, 7, i + 1, produce_body_v7("diverge", 0, batch([f"lost-{i}".encode()]), acks=1)))
                _, parts = parse_produce_v7(read_response(s))
                assert parts[0][2] == 0
        c.broker(old_leader).kill()
    finally:
        for f in followers:
            c.broker(f).proc.send_signal(signal.SIGCONT)
    survivor = c.broker(followers[0]).bootstrap
    wait_for(lambda: describe(survivor, "diverge")[0][0] in followers, "a new leader among the followers")
    new_leader = describe(survivor, "diverge")[0][0]
    nb = c.broker(new_leader).bootstrap
    for i in range(30):
        err, _ = produce_raw(nb, "diverge", 0, batch([f"new-epoch-{i}".encode()]))
        assert err == 0
    # The old leader returns as a follower, truncates its uncommitted tail and catches up.
    c.broker(old_leader).start()
    wait_for(lambda: sorted(describe(nb, "diverge")[0][2]) == sorted(replicas), "the old leader back in the ISR")
    # The new leader's log: the committed records, then whatever prefix of the acks=1 tail it had
    # fetched before it stopped (a fetch may have been answered already), then the new epoch's.
    # Nothing else from the old leader's tail, and nothing out of order.
    c0 = Consumer({"bootstrap.servers": nb, "group.id": "verifier"})
    try:
        _, end = c0.get_watermark_offsets(TopicPartition("diverge", 0), timeout=30)
    finally:
        c0.close()
    kept = end - 50
    assert 0 <= kept < 5, end  # a stopped follower has one fetch answered at most: a tail diverged
    expected = ([f"committed-{i}".encode() for i in range(20)] + [f"lost-{i}".encode() for i in range(kept)] +
                [f"new-epoch-{i}".encode() for i in range(30)])
    assert read_partition(nb, "diverge", 0, end, value=bytes) == list(enumerate(expected))
    # Byte for byte, segment by segment, the same log on every replica.
    wait_for(lambda: all(
        [os.path.basename(p) for p in partition_logs(c, r, "diverge", 0)] ==
        [os.path.basename(p) for p in partition_logs(c, new_leader, "diverge", 0)] and
        all(filecmp.cmp(a, b2, shallow=False) for a, b2 in zip(partition_logs(c, r, "diverge", 0),
                                                             partition_logs(c, new_leader, "diverge", 0)))
        for r in replicas), "identical logs on the three replicas")


def coordinator(c, internal_topic, key, partitions=5):
    """The leader of `key`'s partition of an internal topic: Kafka's abs(hashCode) % partitions."""
    partition = java_partition(key, partitions)
    return describe(c.broker(1).bootstrap if c.broker(1).proc else c.bootstrap, internal_topic)[partition][0]


def test_groups_and_transactions_survive_their_coordinators_death(cluster_factory):
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "in", "--partitions", "3", *RF3)
    topics(b, "--create", "--topic", "out", "--partitions", "3", *RF3)
    p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "enable.idempotence": True})
    for i in range(300):
        p.produce("in", str(i).encode(), str(i).encode())
    assert p.flush(60) == 0

    # A group commits half, its coordinator dies, it goes on from the committed offsets.
    consumer = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "survivors", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe(["in"])
    seen = []
    while len(seen) < 150:
        m = consumer.poll(1)
        if m is not None and not m.error():
            seen.append(int(m.value()))
    consumer.commit(asynchronous=False)
    group_coordinator = coordinator(c, "__consumer_offsets", "survivors")
    c.broker(group_coordinator).kill()
    deadline = time.monotonic() + 120
    while len(set(seen)) < 300 and time.monotonic() < deadline:
        m = consumer.poll(1)
        if m is not None and not m.error():
            seen.append(int(m.value()))
    consumer.commit(asynchronous=False)
    consumer.close()
    assert set(seen) == set(range(300))
    survivor = next(bb for i, bb in c.brokers.items() if i != group_coordinator)
    r = tool("kafka-consumer-groups", "--bootstrap-server", survivor.bootstrap, "--describe", "--group", "survivors",
             timeout=120)
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith("survivors ")]
    assert len(rows) == 3 and all(row[5] == "0" for row in rows), r.stdout
    c.broker(group_coordinator).start()
    c.wait_for_brokers([1, 2, 3])

    # Transactions through the death of their coordinator: read_committed sees exactly the
    # committed ones.
    tp = Producer({"bootstrap.servers": c.bootstrap, "transactional.id": "survivor-tx", "message.timeout.ms": 120000,
                   "transaction.timeout.ms": 120000})
    tp.init_transactions(60)
    committed = []
    for t in range(10):
        if t == 5:
            c.broker(coordinator(c, "__transaction_state", "survivor-tx")).kill()
        tp.begin_transaction()
        values = [f"t{t}-{i}".encode() for i in range(10)]
        for v in values:
            tp.produce("out", v, v)
        tp.commit_transaction(120)
        committed += values
    got = []
    rc = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "rc", "auto.offset.reset": "earliest",
                   "isolation.level": "read_committed"})
    rc.subscribe(["out"])
    deadline = time.monotonic() + 120
    while len(got) < len(committed) and time.monotonic() < deadline:
        m = rc.poll(1)
        if m is not None and not m.error():
            got.append(m.value())
    rc.close()
    assert sorted(got) == sorted(committed)


def test_controlled_shutdown_under_load_then_preferred_leaders_return(cluster_factory):
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "moving", "--partitions", "6", *RF3)
    wait_for(lambda: all(len(isr) == 3 for _, _, isr in describe(b, "moving").values()), "full ISRs")
    before = describe(b, "moving")
    target = 2
    assert any(leader == target for leader, _, _ in before.values())
    loads = [Load(c.bootstrap, "moving", p) for p in range(6)]
    for l in loads:
        l.__enter__()
    wait_for(lambda: all(len(l.acked) >= 200 for l in loads), "records acknowledged on every partition")
    assert c.broker(target).stop(signal.SIGTERM) == 0  # what kafka-server-stop sends
    counts = [len(l.acked) for l in loads]
    wait_for(lambda: all(len(l.acked) >= n + 200 for l, n in zip(loads, counts)), "records after the shutdown")
    for l in loads:
        l.finish()
    assert all(not l.errors for l in loads), [l.errors[:3] for l in loads]
    after = describe(c.broker(1).bootstrap, "moving")
    assert all(leader != target for leader, _, _ in after.values())
    c.broker(target).start()
    # Preferred leaders come back (leader.imbalance.check.interval.seconds=5 here).
    wait_for(lambda: all(leader == replicas[0] for leader, replicas, _ in describe(b, "moving").values()),
             "the preferred leaders restored", timeout=120)


def test_a_leader_resumed_after_its_session_lapsed_answers_nothing_as_leader(cluster_factory):
    """A leader paused (SIGSTOP) past its etcd session is replaced. Resumed, it answers the
    requests waiting for it before its lease keeper has run: it must not answer them as the
    leader. A consumer whose position is past its log would get OFFSET_OUT_OF_RANGE and reset to
    the earliest offset (librdkafka before KIP-320 sends no leader epoch), as a fault run saw."""
    c = cluster_factory(3)
    b = c.broker(1).bootstrap
    topics(b, "--create", "--topic", "zombie", "--partitions", "1", *RF3)
    wait_for(lambda: len(describe(b, "zombie")[0][2]) == 3, "a full ISR")
    old, replicas, _ = describe(b, "zombie")[0]
    others = [r for r in replicas if r != old]
    for i in range(10):
        assert produce_raw(c.broker(old).bootstrap, "zombie", 0, batch([f"first-{i}".encode()]))[0] == 0
    answer = {}
    with Wire(c.broker(old).bootstrap, timeout=120) as w:  # connected before the pause
        c.broker(old).proc.send_signal(signal.SIGSTOP)
        try:
            survivor = c.broker(others[0]).bootstrap
            wait_for(lambda: describe(survivor, "zombie")[0][0] in others, "a new leader while the old one is paused")
            nb = c.broker(describe(survivor, "zombie")[0][0]).bootstrap
            wait_for(lambda: produce_raw(nb, "zombie", 0, batch([b"second"]))[0] == 0, "a write to the new leader")
            for i in range(9):
                assert produce_raw(nb, "zombie", 0, batch([f"second-{i}".encode()]))[0] == 0
            # Offset 15 is beyond the old leader's log: a fetch for it waits in its socket.
            reader = threading.Thread(target=lambda: answer.update(
                fetch=fetch(w, 0, -1, [("zombie", 0, 15)], version=11)))
            reader.start()
        finally:
            c.broker(old).proc.send_signal(signal.SIGCONT)
        reader.join(120)
    assert "fetch" in answer, "no answer from the resumed broker"
    _, _, parts = answer["fetch"]
    assert parts[("zombie", 0)][0] == 6, parts  # NOT_LEADER_OR_FOLLOWER, not OFFSET_OUT_OF_RANGE (1)
    # It then follows the new leader and catches up.
    wait_for(lambda: sorted(describe(nb, "zombie")[0][2]) == sorted(replicas), "the old leader back in the ISR")
