"""AlterReplicaLogDirs moves a replica between the log dirs of one broker (log.dirs with two
entries): kafka-log-dirs shows it in the new dir, the old dir no longer has the partition
directory, producing and consuming go on with every offset unchanged, and after a restart (clean
or killed) the partition is still in the new dir with all its records. The move is sent by Apache
Kafka's own kafka-reassign-partitions (a `log_dirs` entry naming the dir) when its jars are
there, and by a raw AlterReplicaLogDirs request otherwise (and in the error cases).

Between filesystems (a tmpfs and the temp dir) the partition is copied in the background into a
future replica and swapped in: a producer keeps writing meanwhile, DescribeLogDirs shows the
future replica, and start-up settles what a crash in the middle leaves behind."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import apache_kafka
from broker_clients import Buf, Wire, consume_partition
from conftest import tool, wait_until

NONE, REPLICA_NOT_AVAILABLE, KAFKA_STORAGE_ERROR, LOG_DIR_NOT_FOUND = 0, 9, 56, 57
TOPIC = "moving"


def two_dir_broker(broker_factory, tmp_root):
    dirs = [os.path.join(tmp_root, "dir-a"), os.path.join(tmp_root, "dir-b")]
    b = broker_factory(overrides={"log.dirs": ",".join(dirs)})
    return b, dirs


def create_topic(bootstrap, partitions=2):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(TOPIC, partitions, 1, config={"segment.bytes": "2048"})])[TOPIC].result(timeout=30)


def produce(bootstrap, start, n, partition=0):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    offsets = []
    for i in range(start, start + n):
        p.produce(TOPIC, key=f"k{i}".encode(), value=f"value-{i:05d}".encode() * 4, partition=partition,
                  on_delivery=lambda err, msg: offsets.append((err, msg.offset())))
        if i % 20 == 0:
            p.flush(30)  # several batches, several segments (segment.bytes 2048)
    assert p.flush(30) == 0
    assert [e for e, _ in offsets if e is not None] == []
    return sorted(o for _, o in offsets)


def assert_all_records(bootstrap, n, partition=0):
    got = consume_partition(bootstrap, TOPIC, partition, n)
    assert [m.offset() for m in got] == list(range(n))
    assert [m.value() for m in got] == [f"value-{i:05d}".encode() * 4 for i in range(n)]


def dir_holding(dirs, partition=0):
    found = [d for d in dirs if os.path.isdir(os.path.join(d, f"{TOPIC}-{partition}"))]
    assert len(found) == 1, found
    return found[0]


def log_dirs_describe(bootstrap):
    """Our kafka-log-dirs --describe: {dir: {partition name: is_future}} for the topic."""
    r = tool("kafka-log-dirs", "--bootstrap-server", bootstrap, "--describe", "--topic-list", TOPIC)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout.strip().splitlines()[-1])
    (broker,) = data["brokers"]
    return {d["logDir"]: {p["partition"]: p["isFuture"] for p in d["partitions"]} for d in broker["logDirs"]}


def alter_replica_log_dirs(bootstrap, moves):
    """AlterReplicaLogDirs v1 with [(dir, partition)]; returns [(dir-order, partition, error)]."""
    body = Buf().array(len(moves))
    for d, p in moves:
        body.string(d).array(1).string(TOPIC).array(1).i32(p)
    with Wire(bootstrap) as w:
        r = w.request(34, 1, body, flexible=False)
        r.i32()  # throttle
        out = []
        for _ in range(r.array()):
            assert r.string() == TOPIC
            for _ in range(r.array()):
                out.append((r.i32(), r.i16()))
        return out


def check_moved(broker, dirs, source, target, total):
    assert dir_holding(dirs) == target
    assert not os.path.exists(os.path.join(source, f"{TOPIC}-0"))
    described = log_dirs_describe(broker.bootstrap)
    assert described[target].get(f"{TOPIC}-0") is False  # there, and not a future replica
    assert f"{TOPIC}-0" not in described[source]
    # The partition's own files and the dir's checkpoints are in the new dir.
    files = os.listdir(os.path.join(target, f"{TOPIC}-0"))
    assert "00000000000000000000.log" in files and "partition.metadata" in files
    assert_all_records(broker.bootstrap, total)


@pytest.mark.skipif(not apache_kafka.available(), reason="Apache Kafka's jars are not set up (scripts/setup)")
def test_kafka_reassign_partitions_moves_the_replica_to_the_other_log_dir(broker_factory, tmp_root):
    broker, dirs = two_dir_broker(broker_factory, tmp_root)
    create_topic(broker.bootstrap)
    assert produce(broker.bootstrap, 0, 100) == list(range(100))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    other = dir_holding(dirs, 1)
    plan = os.path.join(tmp_root, "plan.json")
    with open(plan, "w") as f:
        json.dump({"version": 1, "partitions": [{"topic": TOPIC, "partition": 0, "replicas": [1],
                                                  "log_dirs": [target]}]}, f)
    r = apache_kafka.run_tool("kafka-reassign-partitions", "--bootstrap-server", broker.bootstrap,
                              "--reassignment-json-file", plan, "--execute")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Successfully started moving log directory to {target} for replica {TOPIC}-0 with broker 1" in r.stdout, \
        r.stdout
    # What the tool read back before the move (DescribeLogDirs): the old dir.
    assert json.dumps({"topic": TOPIC, "partition": 0, "replicas": [1], "log_dirs": [source]},
                      separators=(",", ":")) in r.stdout, r.stdout
    r = apache_kafka.run_tool("kafka-reassign-partitions", "--bootstrap-server", broker.bootstrap,
                              "--reassignment-json-file", plan, "--verify")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Reassignment of replica {TOPIC}-0-1 completed successfully." in r.stdout, r.stdout
    check_moved(broker, dirs, source, target, 100)
    assert dir_holding(dirs, 1) == other  # the other partition stays where it was
    # Producing and consuming go on, offsets continue.
    assert produce(broker.bootstrap, 100, 50) == list(range(100, 150))
    assert_all_records(broker.bootstrap, 150)
    broker.restart()
    check_moved(broker, dirs, source, target, 150)
    assert produce(broker.bootstrap, 150, 10) == list(range(150, 160))
    assert_all_records(broker.bootstrap, 160)


def test_alter_replica_log_dirs_request_moves_and_survives_restarts(broker_factory, tmp_root):
    broker, dirs = two_dir_broker(broker_factory, tmp_root)
    create_topic(broker.bootstrap)
    assert produce(broker.bootstrap, 0, 80) == list(range(80))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    # The dir as a client writes it (a trailing slash) still names the log dir.
    assert alter_replica_log_dirs(broker.bootstrap, [(target + "/", 0)]) == [(0, NONE)]
    check_moved(broker, dirs, source, target, 80)
    # Asked again: already there, nothing to do.
    assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
    assert dir_holding(dirs) == target
    assert produce(broker.bootstrap, 80, 40) == list(range(80, 120))
    # A crash right after: the partition is whole in the new dir.
    broker.restart(signal.SIGKILL)
    check_moved(broker, dirs, source, target, 120)
    # And back again, then a clean restart.
    assert alter_replica_log_dirs(broker.bootstrap, [(source, 0)]) == [(0, NONE)]
    check_moved(broker, dirs, target, source, 120)
    assert produce(broker.bootstrap, 120, 5) == list(range(120, 125))
    broker.restart()
    check_moved(broker, dirs, target, source, 125)


def test_alter_replica_log_dirs_errors_move_nothing(broker_factory, tmp_root):
    broker, dirs = two_dir_broker(broker_factory, tmp_root)
    create_topic(broker.bootstrap, partitions=1)
    assert produce(broker.bootstrap, 0, 10) == list(range(10))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    assert alter_replica_log_dirs(broker.bootstrap, [(os.path.join(tmp_root, "not-a-log-dir"), 0),
                                                     (target, 5)]) == [(0, LOG_DIR_NOT_FOUND),
                                                                        (5, REPLICA_NOT_AVAILABLE)]
    assert dir_holding(dirs) == source
    assert_all_records(broker.bootstrap, 10)


@pytest.fixture
def other_fs(tmp_root):
    """A directory on another filesystem than the temp dir: under /dev/shm when that is a tmpfs of
    its own, else a tmpfs mounted for the test (CI runs as root). Never skipped."""
    dev = os.stat(tmp_root).st_dev
    if os.access("/dev/shm", os.W_OK) and os.stat("/dev/shm").st_dev != dev:
        d = tempfile.mkdtemp(prefix="moldau-log-dirs-", dir="/dev/shm")
        yield d
        shutil.rmtree(d, ignore_errors=True)
        return
    mnt = os.path.join(tmp_root, "tmpfs")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0 or os.stat(mnt).st_dev == dev:
        pytest.fail("no second filesystem for the test: /dev/shm is not a separate writable tmpfs and mounting "
                    f"a tmpfs at {mnt} failed: {r.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)


class BackgroundProducer(threading.Thread):
    """Produces to partition 0 (acks=all, idempotent) until stopped; remembers what was acknowledged."""

    def __init__(self, bootstrap):
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                  "linger.ms": 2})
        self.acked = {}  # offset -> value
        self.errors = []
        self.done = threading.Event()
        self.sent = 0

    def on_delivery(self, err, msg):
        if err is not None:
            self.errors.append(err)
        else:
            self.acked[msg.offset()] = msg.value()

    def run(self):
        while not self.done.is_set():
            self.producer.produce(TOPIC, value=f"live-{self.sent:06d}".encode() * 3, partition=0,
                                  on_delivery=self.on_delivery)
            self.sent += 1
            self.producer.poll(0)
            if self.sent % 10 == 0:
                self.producer.flush(30)
        self.producer.flush(60)

    def stop(self):
        self.done.set()
        self.join(90)
        assert not self.is_alive()


def set_move_throttle(broker, rate):
    """replica.alter.log.dirs.io.max.bytes.per.second of broker 1, changed live (our kafka-configs)."""
    r = tool("kafka-configs", "--bootstrap-server", broker.bootstrap, "--alter", "--entity-type", "brokers",
             "--entity-name", "1", "--add-config", f"replica.alter.log.dirs.io.max.bytes.per.second={rate}")
    assert r.returncode == 0, r.stdout + r.stderr


def future_replicas(bootstrap):
    """Our kafka-log-dirs --describe: [(dir, size, offsetLag)] of the topic's future replicas."""
    r = tool("kafka-log-dirs", "--bootstrap-server", bootstrap, "--describe", "--topic-list", TOPIC)
    assert r.returncode == 0, r.stderr
    (broker,) = json.loads(r.stdout.strip().splitlines()[-1])["brokers"]
    return [(d["logDir"], p["size"], p["offsetLag"]) for d in broker["logDirs"] for p in d["partitions"]
            if p["isFuture"]]


def moved_and_settled(broker, dirs, target):
    """The partition is in `target` (its directory, and as DescribeLogDirs says) and no future
    replica is left, nor the old directory (renamed `-delete`, removed just after the swap)."""
    present = [d for d in dirs if os.path.isdir(os.path.join(d, f"{TOPIC}-0"))]
    if present != [target] or not no_future_dirs(dirs):
        return False
    described = log_dirs_describe(broker.bootstrap)
    return described[target].get(f"{TOPIC}-0") is False and not future_replicas(broker.bootstrap)


def no_future_dirs(dirs):
    return [n for d in dirs for n in os.listdir(d) if n.endswith("-future") or n.endswith("-delete")] == []


def check_acknowledged(bootstrap, acked):
    """Every acknowledged record is in the log at the offset it was acknowledged with."""
    end = max(acked) + 1
    got = consume_partition(bootstrap, TOPIC, 0, end)
    assert [m.offset() for m in got] == list(range(end))
    values = {m.offset(): m.value() for m in got}
    assert {o: values[o] for o in acked} == acked


def test_a_move_to_another_filesystem_copies_while_a_producer_writes(broker_factory, tmp_root, other_fs):
    """The copy runs in the background (held back to 5 kB/s, so that it overlaps the producer's
    writes, until the throttle is raised live), the answer is NONE at once, and once swapped in
    every acknowledged record is readable at its offset, from the new dir, also after a kill -9."""
    dirs = [os.path.join(tmp_root, "dir-a"), other_fs]
    broker = broker_factory(overrides={"log.dirs": ",".join(dirs),
                                       "replica.alter.log.dirs.io.max.bytes.per.second": "5000"})
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(TOPIC, 1, 1, config={"segment.bytes": "4096"})])[TOPIC].result(timeout=30)
    assert produce(broker.bootstrap, 0, 1000) == list(range(1000))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    writer = BackgroundProducer(broker.bootstrap)
    writer.start()
    try:
        wait_until(lambda: len(writer.acked) >= 50, message="the producer under way")
        assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
        acked_at_start = len(writer.acked)
        # Not done yet (tens of seconds of copying at that rate): the future replica is in the target.
        futures = future_replicas(broker.bootstrap)
        assert [d for d, _, _ in futures] == [target], futures
        assert any(n.startswith(f"{TOPIC}-0.") and n.endswith("-future") for n in os.listdir(target))
        # Asked again for the same dir while it copies: nothing new starts.
        assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
        assert len([n for n in os.listdir(target) if n.endswith("-future")]) == 1
        wait_until(lambda: len(writer.acked) >= acked_at_start + 100, message="writes during the copy")
        assert future_replicas(broker.bootstrap)
        set_move_throttle(broker, 100000000)
        wait_until(lambda: moved_and_settled(broker, dirs, target), timeout=120, message="the move to finish")
        acked_at_swap = len(writer.acked)
        wait_until(lambda: len(writer.acked) >= acked_at_swap + 50, message="writes after the swap")
    finally:
        writer.stop()
    assert writer.errors == []
    assert not os.path.exists(os.path.join(source, f"{TOPIC}-0"))
    assert no_future_dirs(dirs)
    assert "by copying it to the other filesystem" in broker.log()
    acked = {o: v for o, v in writer.acked.items()}
    # The records produced before, and the producer's.
    assert min(acked) == 1000
    check_acknowledged(broker.bootstrap, acked)
    assert_all_records_prefix(broker.bootstrap, 1000)
    broker.restart(signal.SIGKILL)
    assert dir_holding(dirs) == target
    assert log_dirs_describe(broker.bootstrap)[target].get(f"{TOPIC}-0") is False
    check_acknowledged(broker.bootstrap, acked)
    # And back to the first filesystem, at full speed this time, then a clean restart.
    assert alter_replica_log_dirs(broker.bootstrap, [(source, 0)]) == [(0, NONE)]
    wait_until(lambda: moved_and_settled(broker, dirs, source), timeout=60, message="the move back")
    broker.restart()
    assert dir_holding(dirs) == source
    check_acknowledged(broker.bootstrap, acked)
    assert no_future_dirs(dirs)


def assert_all_records_prefix(bootstrap, n):
    got = consume_partition(bootstrap, TOPIC, 0, n)
    assert [m.value() for m in got] == [f"value-{i:05d}".encode() * 4 for i in range(n)]


def test_describe_log_dirs_shows_the_future_replica_catching_up(broker_factory, tmp_root, other_fs):
    """Many small segments copied at 10 kB/s: DescribeLogDirs lists the future replica in the
    target (isFuture, growing size, an offset lag that shrinks), kafka-reassign-partitions
    --verify (ours, and Kafka's when its jars are there) says the move is in progress, then, once
    the throttle is raised live, done; a second request to the current dir cancels the copy and
    removes its future dir."""
    dirs = [os.path.join(tmp_root, "dir-a"), other_fs]
    broker = broker_factory(overrides={"log.dirs": ",".join(dirs),
                                       "replica.alter.log.dirs.io.max.bytes.per.second": "10000"})
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(TOPIC, 1, 1, config={"segment.bytes": "2048"})])[TOPIC].result(timeout=30)
    assert produce(broker.bootstrap, 0, 1200) == list(range(1200))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    segments = [n for n in os.listdir(os.path.join(source, f"{TOPIC}-0")) if n.endswith(".log")]
    assert len(segments) > 50, segments

    # Cancelled: moved "back" to where it is while copying.
    assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
    wait_until(lambda: future_replicas(broker.bootstrap), message="the future replica")
    assert alter_replica_log_dirs(broker.bootstrap, [(source, 0)]) == [(0, NONE)]
    wait_until(lambda: not future_replicas(broker.bootstrap) and no_future_dirs(dirs), message="the copy cancelled")
    assert dir_holding(dirs) == source

    plan = os.path.join(tmp_root, "plan.json")
    with open(plan, "w") as f:
        json.dump({"version": 1, "partitions": [{"topic": TOPIC, "partition": 0, "replicas": [1],
                                                  "log_dirs": [target]}]}, f)
    assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
    seen = []

    def progressed():
        f = future_replicas(broker.bootstrap)
        if f:
            seen.append(f[0])
        return len({s for _, s, _ in seen}) >= 3

    wait_until(progressed, timeout=60, message="the future replica growing")
    assert {d for d, _, _ in seen} == {target}
    sizes = [s for _, s, _ in seen]
    lags = [lag for _, _, lag in seen]
    assert sizes == sorted(sizes) and lags == sorted(lags, reverse=True), seen
    assert lags[0] > 0 and lags[0] <= 1200
    # Still copying (over 10 s at that rate).
    r = tool("kafka-reassign-partitions", "--bootstrap-server", broker.bootstrap, "--reassignment-json-file", plan,
             "--verify")
    assert f"Reassignment of replica {TOPIC}-0-1 is still in progress." in r.stdout, r.stdout + r.stderr
    if apache_kafka.available():
        r = apache_kafka.run_tool("kafka-reassign-partitions", "--bootstrap-server", broker.bootstrap,
                                  "--reassignment-json-file", plan, "--verify")
        assert f"Reassignment of replica {TOPIC}-0-1 is still in progress." in r.stdout, r.stdout + r.stderr
    assert future_replicas(broker.bootstrap)
    set_move_throttle(broker, 100000000)
    wait_until(lambda: moved_and_settled(broker, dirs, target), timeout=120, message="the move to finish")
    r = tool("kafka-reassign-partitions", "--bootstrap-server", broker.bootstrap, "--reassignment-json-file", plan,
             "--verify")
    assert f"Reassignment of replica {TOPIC}-0-1 completed successfully." in r.stdout, r.stdout + r.stderr
    assert sorted(n for n in os.listdir(os.path.join(target, f"{TOPIC}-0")) if n.endswith(".log")) == sorted(segments)
    assert_all_records(broker.bootstrap, 1200)


def test_start_up_settles_an_interrupted_move(broker_factory, tmp_root):
    """What a crash during a move leaves, prepared by hand with the broker stopped: a `-future`
    dir (an incomplete copy) is removed; a partition in both dirs with the moved marker in one
    keeps the marked copy (complete, renamed into place before the crash) and loses the other."""
    broker, dirs = two_dir_broker(broker_factory, tmp_root)
    create_topic(broker.bootstrap, partitions=1)
    assert produce(broker.bootstrap, 0, 60) == list(range(60))
    source = dir_holding(dirs)
    target = [d for d in dirs if d != source][0]
    broker.stop(signal.SIGKILL)
    live = os.path.join(source, f"{TOPIC}-0")
    # A copy cut short: half the files.
    future = os.path.join(target, f"{TOPIC}-0.{'ab' * 16}-future")
    os.makedirs(future)
    for n in sorted(os.listdir(live))[:3]:
        shutil.copy2(os.path.join(live, n), future)
    broker.start()
    assert not os.path.exists(future)
    assert dir_holding(dirs) == source
    assert_all_records(broker.bootstrap, 60)
    assert produce(broker.bootstrap, 60, 20) == list(range(60, 80))
    broker.stop(signal.SIGKILL)
    # The copy complete and in place, the old directory not yet renamed away. The old one gets a
    # stray file, to tell which was kept.
    copy = os.path.join(target, f"{TOPIC}-0")
    shutil.copytree(live, copy)
    open(os.path.join(copy, ".moldau-moved"), "w").close()
    open(os.path.join(live, "stray"), "w").close()
    broker.start()
    assert dir_holding(dirs) == target
    assert not os.path.exists(live)
    assert not os.path.exists(os.path.join(copy, ".moldau-moved"))
    assert "stray" not in os.listdir(copy)
    assert log_dirs_describe(broker.bootstrap)[target].get(f"{TOPIC}-0") is False
    assert_all_records(broker.bootstrap, 80)
    assert no_future_dirs(dirs)


def test_deleting_the_topic_during_a_copy_stops_it(broker_factory, tmp_root, other_fs):
    """The topic is deleted while its partition is copied to the other filesystem: the copy stops
    and removes its future dir, nothing of the partition is left in either dir, and a topic of
    the same name starts afresh."""
    dirs = [os.path.join(tmp_root, "dir-a"), other_fs]
    broker = broker_factory(overrides={"log.dirs": ",".join(dirs),
                                       "replica.alter.log.dirs.io.max.bytes.per.second": "1000"})
    create_topic(broker.bootstrap, partitions=1)
    assert produce(broker.bootstrap, 0, 200) == list(range(200))
    target = [d for d in dirs if d != dir_holding(dirs)][0]
    assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, NONE)]
    wait_until(lambda: future_replicas(broker.bootstrap), message="the future replica")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.delete_topics([TOPIC])[TOPIC].result(timeout=30)
    wait_until(lambda: no_future_dirs(dirs) and not any(n.startswith(f"{TOPIC}-0") for d in dirs
                                                        for n in os.listdir(d)),
               message="the copy stopped and removed")
    assert "Stopped copying moving-0" in broker.log()
    wait_until(lambda: create_topic(broker.bootstrap, partitions=1) is None, message="the topic created again")
    assert produce(broker.bootstrap, 0, 5) == list(range(5))
    assert_all_records(broker.bootstrap, 5)
