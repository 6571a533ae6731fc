"""AlterReplicaLogDirs moves a replica between the log dirs of one broker (log.dirs with two
entries): kafka-log-dirs shows it in the new dir, the old dir no longer has the partition
directory, producing and consuming go on with every offset unchanged, and after a restart (clean
or killed) the partition is still in the new dir with all its records. The move is sent by Apache
Kafka's own kafka-reassign-partitions (a `log_dirs` entry naming the dir) when its jars are
there, and by a raw AlterReplicaLogDirs request otherwise (and in the error cases)."""
import json
import os
import shutil
import signal
import tempfile

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import apache_kafka
from broker_clients import Buf, Wire, consume_partition
from conftest import tool

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


def test_a_move_to_another_filesystem_is_refused_and_the_partition_stays(broker_factory, tmp_root):
    """/dev/shm (tmpfs) and the temp dir are different filesystems on most hosts: no copy is
    made, the answer is KAFKA_STORAGE_ERROR with a line in the broker's log."""
    if not os.access("/dev/shm", os.W_OK) or os.stat("/dev/shm").st_dev == os.stat(tmp_root).st_dev:
        pytest.skip("/dev/shm is not a separate writable filesystem here")
    shm = tempfile.mkdtemp(prefix="moldau-log-dirs-", dir="/dev/shm")
    try:
        dirs = [os.path.join(tmp_root, "dir-a"), shm]
        broker = broker_factory(overrides={"log.dirs": ",".join(dirs)})
        create_topic(broker.bootstrap, partitions=1)
        assert produce(broker.bootstrap, 0, 30) == list(range(30))
        source = dir_holding(dirs)
        target = [d for d in dirs if d != source][0]
        assert alter_replica_log_dirs(broker.bootstrap, [(target, 0)]) == [(0, KAFKA_STORAGE_ERROR)]
        assert dir_holding(dirs) == source
        assert "different filesystems" in broker.log()
        assert produce(broker.bootstrap, 30, 5) == list(range(30, 35))
        assert_all_records(broker.bootstrap, 35)
        broker.restart()
        assert dir_holding(dirs) == source
        assert_all_records(broker.bootstrap, 35)
        broker.stop()
    finally:
        shutil.rmtree(shm, ignore_errors=True)
