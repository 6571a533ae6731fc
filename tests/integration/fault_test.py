"""Fault test: acks=all producers and a consumer group run while the broker is paused with
SIGSTOP/SIGCONT, killed with SIGKILL and restarted; then, per partition, a checker asserts:

- every acknowledged record (delivery report without error) is in the log at its acknowledged
  offset;
- an offset never holds two values: what the group's consumers read during the run, and two
  full reads of the log on either side of a final restart, agree offset by offset;
- with idempotence (when the broker advertises InitProducerId), no record appears twice;
- every committed group offset lies within the log (0 <= offset <= log end).

CI runs 3 kill -9 cycles; MOLDAU_FAULT_CYCLES=20 runs a long form.
"""
import os
import random
import signal
import socket
import struct
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic

import raw_batches as rb
from conftest import wait_until

CYCLES = int(os.environ.get("MOLDAU_FAULT_CYCLES", "3"))
PARTITIONS = 4
TOPIC = "fault"
GROUP = "fault-group"
RATE = 4000


def advertised_api_keys(bootstrap):
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(rb.frame(18, 0, 1, b""))
        resp = rb.read_response(s)
    corr, err, n = struct.unpack_from(">ihi", resp)
    assert (corr, err) == (1, 0)
    return {struct.unpack_from(">h", resp, 10 + 6 * i)[0] for i in range(n)}


class Producers:
    """Threads producing numbered records 'w<writer>-<n>' round-robin over the partitions."""

    def __init__(self, bootstrap, writers, idempotent):
        self.acked = []        # (partition, offset, value)
        self.failed = []       # (value, error)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.producers = []
        self.threads = []
        for w in range(writers):
            conf = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                    "message.timeout.ms": 300000, "retry.backoff.ms": 100,
                    "reconnect.backoff.max.ms": 500, "socket.timeout.ms": 10000}
            if idempotent:
                conf["enable.idempotence"] = True
            p = Producer(conf)
            self.producers.append(p)
            self.threads.append(threading.Thread(target=self._run, args=(w, p), daemon=True))
        for t in self.threads:
            t.start()

    def _report(self, err, msg):
        with self.lock:
            if err is not None:
                self.failed.append((msg.value(), err))
            else:
                self.acked.append((msg.partition(), msg.offset(), msg.value()))

    def _run(self, w, p):
        n = 0
        start = time.monotonic()
        while not self.stop.is_set():
            # Paced (RATE records/s per writer) so that the checker's reads stay small, with a
            # bounded backlog while the broker is down.
            if len(p) >= 2000 or n >= (time.monotonic() - start) * RATE:
                p.poll(0.01)
                continue
            try:
                p.produce(TOPIC, value=f"w{w}-{n}".encode(), partition=n % PARTITIONS,
                          on_delivery=self._report)
                n += 1
            except BufferError:
                p.poll(0.05)
                continue
            p.poll(0)

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def finish(self, timeout=300):
        self.stop.set()
        for t in self.threads:
            t.join(30)
        deadline = time.monotonic() + timeout
        for p in self.producers:
            while len(p) > 0 and time.monotonic() < deadline:
                p.flush(1)
            assert len(p) == 0, f"{len(p)} records still unacknowledged after {timeout}s"


class GroupConsumers:
    """Members of one group reading throughout; they record every (partition, offset, value)."""

    def __init__(self, bootstrap, members):
        self.seen = {}  # (partition, offset) -> value
        self.conflicts = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(bootstrap, i), daemon=True)
                        for i in range(members)]
        for t in self.threads:
            t.start()

    def _run(self, bootstrap, i):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "client.id": f"member{i}",
                      "auto.offset.reset": "earliest", "enable.auto.commit": True,
                      "auto.commit.interval.ms": 200, "session.timeout.ms": 10000,
                      "heartbeat.interval.ms": 1000, "enable.partition.eof": False})
        try:
            c.subscribe([TOPIC])
            while not self.stop.is_set():
                m = c.poll(0.2)
                if m is None:
                    continue
                if m.error():
                    self.errors.append(m.error())  # transient while the broker is down
                    continue
                key = (m.partition(), m.offset())
                with self.lock:
                    old = self.seen.setdefault(key, m.value())
                    if old != m.value():
                        self.conflicts.append((key, old, m.value()))
        finally:
            c.close()  # commits the final positions

    def count(self):
        with self.lock:
            return len(self.seen)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def read_log(bootstrap, partitions):
    """Every record of every partition, from the start to the high watermark."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "fault-checker",
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "isolation.level": "read_uncommitted"})
    out = {p: [] for p in range(partitions)}
    try:
        ends = {}
        for p in range(partitions):
            lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)
            assert lo == 0
            ends[p] = hi
        c.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in range(partitions)])
        done = {p for p in range(partitions) if ends[p] == 0}
        deadline = time.monotonic() + 180
        while len(done) < partitions:
            assert time.monotonic() < deadline, f"reading the log timed out ({done} done)"
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    if m.offset() >= ends[m.partition()]:
                        done.add(m.partition())
                    continue
                raise KafkaException(m.error())
            out[m.partition()].append((m.offset(), m.value()))
            if m.offset() + 1 >= ends[m.partition()]:
                done.add(m.partition())
        return out, ends
    finally:
        c.close()


def log_ends(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP + "-ends"})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1] for p in range(PARTITIONS)}
    finally:
        c.close()


def committed_offsets(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        return {tp.partition: tp.offset
                for tp in c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=30)}
    finally:
        c.close()


def test_acknowledged_records_survive_kills_pauses_and_restarts(broker_factory):
    broker = broker_factory(name="fault")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)]).values():
        f.result(30)
    idempotent = 22 in advertised_api_keys(broker.bootstrap)  # InitProducerId
    print(f"idempotence: {idempotent}; cycles: {CYCLES}")

    producers = Producers(broker.bootstrap, writers=2, idempotent=idempotent)
    consumers = GroupConsumers(broker.bootstrap, members=2)
    rnd = random.Random(10)
    try:
        def progress(n_acked, n_seen, what):
            wait_until(lambda: producers.acked_count() >= n_acked and consumers.count() >= n_seen,
                       120, interval=0.1, message=what)

        progress(2000, 500, "first acknowledgements and reads")
        for cycle in range(CYCLES):
            # A pause: the broker stops answering while producers keep sending.
            broker.proc.send_signal(signal.SIGSTOP)
            before = producers.acked_count()
            wait_until(lambda: sum(len(p) for p in producers.producers) > 0, 30,
                       message="records outstanding while the broker is stopped")
            broker.proc.send_signal(signal.SIGCONT)
            progress(before + rnd.randint(500, 3000), 0, f"cycle {cycle}: progress after SIGCONT")
            # A crash under load, then a restart on the same port and log dir.
            before_acked, before_seen = producers.acked_count(), consumers.count()
            broker.kill()
            broker.start(timeout=120)
            progress(before_acked + rnd.randint(500, 3000), before_seen + 100,
                     f"cycle {cycle}: progress after kill -9")
        producers.finish()
        # Let the group read everything, then stop it (closing commits).
        total = producers.acked_count()
        wait_until(lambda: consumers.count() >= total, 180, interval=0.2,
                   message="the group consumers reading every acknowledged record")
        # Auto-commit (every 200 ms) covers what the group read while it runs. Waiting for it
        # here, rather than counting on the commits members make as they leave (the rebalance
        # the first one's leaving starts can refuse the other's), keeps the check about the
        # broker.
        wait_until(lambda: sum(committed_offsets(broker.bootstrap).values()) >= sum(log_ends(broker.bootstrap).values()),
                   120, interval=0.5, message="the group's commits reaching the log end")
    finally:
        producers.stop.set()
        consumers.finish()

    first, ends = read_log(broker.bootstrap, PARTITIONS)
    broker.restart()  # a clean stop and start, then the whole log again
    second, ends2 = read_log(broker.bootstrap, PARTITIONS)
    assert ends2 == ends
    assert second == first, "a full read after a restart differs from the one before it"

    failures = []
    for p in range(PARTITIONS):
        offsets = [o for o, _ in first[p]]
        assert offsets == list(range(ends[p])), f"partition {p}: offsets have gaps or repeats"
    log = {(p, o): v for p in range(PARTITIONS) for o, v in first[p]}

    assert producers.failed == [], producers.failed[:5]
    for p, o, v in producers.acked:
        if log.get((p, o)) != v:
            failures.append(f"acknowledged {v!r} at {p}/{o}, log has {log.get((p, o))!r}")
    assert consumers.conflicts == []
    for key, v in consumers.seen.items():
        if log.get(key) != v:
            failures.append(f"group read {v!r} at {key}, log now has {log.get(key)!r}")
    if idempotent:
        seen_values = {}
        for key, v in log.items():
            if v in seen_values:
                failures.append(f"{v!r} appears twice: {seen_values[v]} and {key}")
            seen_values[v] = key
    assert failures == [], "\n".join(failures[:20])

    committed = committed_offsets(broker.bootstrap)
    for p, off in committed.items():
        assert 0 <= off <= ends[p], f"committed offset {off} for partition {p}, log end {ends[p]}"
    assert sum(committed.values()) == sum(ends.values()), (committed, ends)
    print(f"acked {len(producers.acked)} records, log ends {ends}, committed {committed}")
