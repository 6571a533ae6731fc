"""A consume-transform-produce loop with its offsets sent to the transaction, killed with
SIGKILL and restarted several times, produces every input record exactly once in its output
(read_committed), and the group's committed offsets end at the input's end."""
import os
import signal
import subprocess
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

from conftest import wait_until
from txn_helpers import TXN_OVERRIDES, consume, create_topic

HELPER = os.path.join(os.path.dirname(__file__), "txn_ctp_loop.py")
N = 3000
PARTITIONS = 2


def committed_lines(path):
    try:
        with open(path) as f:
            return sum(1 for line in f if line.startswith("committed"))
    except OSError:
        return 0


def test_consume_transform_produce_exactly_once(broker_factory, tmp_root):
    broker = broker_factory(TXN_OVERRIDES)
    create_topic(broker, "ctp-in", PARTITIONS)
    create_topic(broker, "ctp-out", PARTITIONS)
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    for i in range(N):
        p.produce("ctp-in", value=f"m{i}".encode(), partition=i % PARTITIONS)
        if i % 500 == 0:
            p.poll(0)
    assert p.flush(60) == 0

    def start(mode):
        out = os.path.join(tmp_root, f"loop-{start.n}.out")
        start.n += 1
        proc = subprocess.Popen([sys.executable, HELPER, broker.bootstrap, "ctp-in", "ctp-out", "ctp-1", mode],
                                stdout=open(out, "w"), stderr=subprocess.STDOUT)
        return proc, out
    start.n = 0

    # Kill the loop a few times after it has committed some transactions (20 records each).
    for _ in range(3):
        proc, out = start("forever")
        try:
            wait_until(lambda: committed_lines(out) >= 5 or proc.poll() is not None, 90,
                       message="loop commits")
            assert proc.poll() is None, open(out).read()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    proc, out = start("drain")
    assert proc.wait(180) == 0, open(out).read()

    outputs = consume(broker, "ctp-out", PARTITIONS, "read_committed", lambda r: len(r) >= N, timeout=120)
    values = [v for _, _, v in outputs]
    assert len(values) == N
    assert sorted(values) == sorted(f"m{i}-out" for i in range(N))
    for part in range(PARTITIONS):
        assert [v for p_, _, v in outputs if p_ == part] == [f"m{i}-out" for i in range(part, N, PARTITIONS)]

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "ctp"})
    try:
        offsets = c.committed([TopicPartition("ctp-in", part) for part in range(PARTITIONS)], timeout=30)
    finally:
        c.close()
    assert [o.offset for o in offsets] == [N // PARTITIONS] * PARTITIONS
