"""Scale-out on a cluster of ours: three brokers hold a replicated topic under a steady load of
idempotent acks=all writes and a consumer group; a fourth broker joins;
kafka-reassign-partitions --generate proposes an assignment over all four, --execute (with a
replication throttle) moves the partitions while the load goes on, and --verify reports every
move completed and clears the throttle. Afterwards the replica lists are the proposed ones, the
replicas that moved away left no files behind, a preferred election lets the new broker lead the
partitions it prefers, every acknowledged record is readable, and neither the producer nor the
consumer saw an error that was not retriable.

Also: a reassignment held in progress by a replication throttle is listed (by
kafka-reassign-partitions --list and kafka-topics --describe) with its adding and removing
replicas, and --cancel restores the original replicas."""
import json
import os
import threading
import time

from confluent_kafka import Consumer, KafkaError, Producer

from cluster import cluster_factory, describe, consume_all, produce, topics  # noqa: F401 (fixture)
from conftest import tool, wait_until


def reassign(bootstrap, *args, timeout=120):
    return tool("kafka-reassign-partitions", "--bootstrap-server", bootstrap, *args, timeout=timeout)


def json_after(text, heading):
    """The JSON line that follows `heading` in a kafka-reassign-partitions output."""
    lines = text.splitlines()
    i = lines.index(heading)
    return json.loads(next(line for line in lines[i + 1:] if line.startswith("{")))


class Load:
    """An idempotent acks=all producer and a group consumer on `topic`, each in its thread,
    recording what was acknowledged, what was read and every error they report."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.acked, self.read, self.errors = set(), set(), []
        self.stopping = threading.Event()
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                                  "message.timeout.ms": 300000, "error_cb": self.errors.append})
        self.threads = [threading.Thread(target=self._produce), threading.Thread(target=self._consume, args=(bootstrap,))]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def _delivered(self, err, msg):
        if err is not None:
            self.errors.append(f"delivery: {err}")
        else:
            self.acked.add(msg.value())

    def _produce(self):
        i = 0
        while not self.stopping.is_set():
            self.producer.produce(self.topic, f"v-{i}".encode() + b"x" * 200, f"k{i % 50}".encode(),
                                  on_delivery=self._delivered)
            self.producer.poll(0.002)
            i += 1
        if self.producer.flush(240) != 0:
            self.errors.append("producer: records left unsent")

    def _consume(self, bootstrap):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "scale-out-readers",
                      "auto.offset.reset": "earliest", "error_cb": self.errors.append})
        c.subscribe([self.topic])
        try:
            while not self.stopping.is_set():
                m = c.poll(0.2)
                if m is None:
                    continue
                if m.error():
                    if m.error().code() != KafkaError._PARTITION_EOF and not m.error().retriable():
                        self.errors.append(f"consumer: {m.error()}")
                    continue
                self.read.add(m.value())
        finally:
            c.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(300)


def fatal(errors):
    """The errors that are not the transient ones a client reports and recovers from."""
    return [e for e in errors if not (isinstance(e, KafkaError) and (e.retriable() or e.code() in (
        KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN)))]


def partition_dirs(broker, topic):
    return {int(d.rsplit("-", 1)[1]) for d in os.listdir(broker.log_dir) if d.rsplit("-", 1)[0] == topic}


def test_scale_out_moves_partitions_onto_a_new_broker_under_load(cluster_factory, tmp_path):
    c = cluster_factory(3, overrides={"auto.leader.rebalance.enable": "false"})
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "grow", "--partitions", "6", "--replication-factor", "2")
    wait_until(lambda: all(len(i) == 2 for l, r, i in describe(b1, "grow").values()), 60, message="full ISRs")
    produce(b1, "grow", [(f"k{i}".encode(), f"before-{i}".encode()) for i in range(600)])
    load = Load(b1, "grow").start()
    try:
        wait_until(lambda: len(load.acked) > 200, 60, message="the load running")
        b4 = c.add_broker()

        moving = tmp_path / "topics.json"
        moving.write_text(json.dumps({"topics": [{"topic": "grow"}], "version": 1}))
        r = reassign(b1, "--generate", "--topics-to-move-json-file", str(moving), "--broker-list", "1,2,3,4")
        assert r.returncode == 0, r.stdout + r.stderr
        current = json_after(r.stdout, "Current partition replica assignment")
        proposed = json_after(r.stdout, "Proposed partition reassignment configuration")
        assert sorted(p["partition"] for p in current["partitions"]) == list(range(6))
        target = {p["partition"]: p["replicas"] for p in proposed["partitions"]}
        assert sorted(target) == list(range(6)) and all(len(set(v)) == 2 for v in target.values()), target
        assert any(4 in v for v in target.values()), target
        plan = tmp_path / "plan.json"
        plan.write_text(json.dumps(proposed))

        r = reassign(b1, "--execute", "--reassignment-json-file", str(plan), "--throttle", "50000000")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "The inter-broker throttle limit was set to 50000000 B/s" in r.stdout, r.stdout
        assert "Successfully started partition reassignments for " in r.stdout, r.stdout

        def verified():
            out = reassign(b4.bootstrap, "--verify", "--reassignment-json-file", str(plan))
            assert out.returncode == 0, out.stdout + out.stderr
            return out.stdout if "still in progress" not in out.stdout else None
        out = wait_until(verified, 180, interval=1, message="every reassignment completed")
        for p in range(6):
            assert f"Reassignment of partition grow-{p} is completed." in out, out
        assert "Clearing broker-level throttles on brokers 1,2,3,4" in out, out
        assert "Clearing topic-level throttles on topic grow" in out, out

        state = describe(b1, "grow")
        assert {p: r for p, (l, r, i) in state.items()} == target, state
        # The replicas that moved away are gone from disk.
        for node_id, broker in c.brokers.items():
            held = {p for p, replicas in target.items() if node_id in replicas}
            wait_until(lambda: partition_dirs(broker, "grow") == held, 60,
                       message=f"broker {node_id} holding exactly grow-{sorted(held)}")

        r = tool("kafka-leader-election", "--bootstrap-server", b1, "--election-type", "preferred",
                 "--all-topic-partitions", timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: all(l == r[0] for l, r, i in describe(b1, "grow").values()), 60,
                   message="preferred leaders")
        assert any(l == 4 for l, r, i in describe(b1, "grow").values())
        wait_until(lambda: len(load.acked) > 2000, 120, message="more writes after the move")
    finally:
        load.stop()
    assert not fatal(load.errors), load.errors
    records = consume_all(c.bootstrap, "grow", 600 + len(load.acked), timeout=180)
    values = {v for _, _, _, v in records}
    assert not load.acked - values, f"{len(load.acked - values)} acknowledged records lost"
    assert all(f"before-{i}".encode() in values for i in range(600))


def test_reassignment_in_progress_is_listed_and_cancelled(cluster_factory, tmp_path):
    c = cluster_factory(3, overrides={"auto.leader.rebalance.enable": "false"})
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "stuck", "--replica-assignment", "1:2")
    values = [f"v{i:05}".encode() + b"x" * 1000 for i in range(4000)]
    produce(b1, "stuck", [(b"k", v) for v in values])
    # Kafka 4's --disallow-replication-factor-change (KIP-860) refuses a move to three replicas.
    grow = tmp_path / "grow.json"
    grow.write_text(json.dumps({"version": 1, "partitions": [{"topic": "stuck", "partition": 0,
                                                              "replicas": [1, 2, 3]}]}))
    r = reassign(b1, "--execute", "--reassignment-json-file", str(grow), "--disallow-replication-factor-change")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "stuck-0: The replication factor is changed from 2 to 3" in r.stdout, r.stdout
    assert describe(b1, "stuck")[0][1] == [1, 2]
    # A throttle of 1000 B/s holds the new replica on broker 3 back after its first fetch: the
    # reassignment stays in progress.
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"version": 1, "partitions": [{"topic": "stuck", "partition": 0,
                                                              "replicas": [3, 2], "log_dirs": ["any", "any"]}]}))
    r = reassign(b1, "--execute", "--reassignment-json-file", str(plan), "--throttle", "1000")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.endswith("The inter-broker throttle limit was set to 1000 B/s\n"
                             "Successfully started partition reassignment for stuck-0\n"), r.stdout
    r = reassign(c.broker(2).bootstrap, "--list")
    assert (r.returncode, r.stdout) == (0, "Current partition reassignments:\n"
                                           "stuck-0: replicas: 3,2,1. adding: 3. removing: 1.\n"), r.stdout + r.stderr
    leader, replicas, isr = describe(b1, "stuck")[0]
    assert (leader, replicas, isr) == (1, [3, 2, 1], [1, 2])
    # kafka-topics shows the move, and counts the replication factor without the replica added.
    lines = topics(b1, "--describe", "--topic", "stuck").splitlines()
    assert "\tReplicationFactor: 2\t" in lines[0], lines
    assert "\tReplicas: 3,2,1\tIsr: 1,2\tAdding Replicas: 3\tRemoving Replicas: 1\tElr: " in lines[1], lines
    assert topics(b1, "--describe", "--under-replicated-partitions", "--topic", "stuck") == ""
    wait_until(lambda: partition_dirs(c.broker(3), "stuck") == {0}, 60, message="broker 3 fetching stuck-0")
    r = reassign(b1, "--verify", "--reassignment-json-file", str(plan))
    assert (r.returncode, r.stdout) == (0, "Status of partition reassignment:\n"
                                           "Reassignment of partition stuck-0 is still in progress.\n\n"), r.stdout + r.stderr
    # Kafka's controller puts back the replicas the reassignment did not add, in the order of
    # the list during the move.
    r = reassign(b1, "--cancel", "--reassignment-json-file", str(plan))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("Successfully cancelled partition reassignment for: stuck-0\n"), r.stdout
    assert describe(b1, "stuck")[0][1:] == ([2, 1], [1, 2])
    r = reassign(b1, "--list")
    assert (r.returncode, r.stdout) == (0, "No partition reassignments found.\n"), r.stdout + r.stderr
    wait_until(lambda: partition_dirs(c.broker(3), "stuck") == set(), 60, message="broker 3 dropping stuck-0")
    records = consume_all(b1, "stuck", len(values))
    assert [v for _, _, _, v in records] == values
