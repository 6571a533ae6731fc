"""Shared parts of the old-client interop tests (interop_*_test.py): building and running the
client programs, the checks on what they report, and a consumer group run with two members.

The client programs (tests/interop/go/cmd/*, js/kafka_node_client.js) report a consumed record
as the line "partition offset key value" and events as lines starting with "# ". Records are
key-I with value value-I.

Set MOLDAU_INTEROP_BOOTSTRAP=host:port to run these tests against another broker, such as an
Apache Kafka 3.x started by hand, instead of a fresh Moldau broker per test.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from broker_clients import consume_partition
from conftest import SOURCE, wait_until

GO_MODULE = os.path.join(SOURCE, "tests", "interop", "go")


@pytest.fixture
def bootstrap(request):
    """The broker under test: a fresh one of ours, or MOLDAU_INTEROP_BOOTSTRAP's."""
    external = os.environ.get("MOLDAU_INTEROP_BOOTSTRAP")
    if external:
        return external
    return request.getfixturevalue("broker").bootstrap


def unique(name):
    """A topic or group name that no earlier run against the same external broker used."""
    if os.environ.get("MOLDAU_INTEROP_BOOTSTRAP"):
        return f"{name}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
    return name


# --- the Go programs ----------------------------------------------------------------------

def find_go():
    """Debian's go on PATH, or the one the machine image keeps in /usr/local/go."""
    for candidate in (shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("no Go toolchain: run scripts/setup (it installs Debian's golang-go)")


@pytest.fixture(scope="module")
def go_programs():
    """Builds the interop Go programs into a temp dir; yields {name: path}.

    The build runs offline (GOPROXY=off) from the module cache that scripts/setup fills with
    `go mod download`, so a missing setup step fails here instead of fetching at test time.
    cgo is on: Sarama's zstd is DataDog/zstd, a C library.
    """
    go = find_go()
    with tempfile.TemporaryDirectory(prefix="moldau-interop-go-") as out:
        env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=readonly -buildvcs=false",
                   CGO_ENABLED="1", GOTOOLCHAIN="local")
        p = subprocess.run([go, "build", "-o", out + os.sep, "./cmd/..."], cwd=GO_MODULE, env=env,
                           capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, f"go build failed (run scripts/setup?):\n{p.stdout}{p.stderr}"
        yield {name: os.path.join(out, name) for name in os.listdir(out)}


def run(args, timeout=120, cwd=None):
    """Runs a client program to completion; returns its stdout lines. Fails on exit != 0."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert p.returncode == 0, (f"{os.path.basename(args[0])} {' '.join(args[1:])} exited "
                               f"{p.returncode}:\n{p.stderr[-3000:]}")
    return p.stdout.splitlines()


def run_failing(args, timeout=120, cwd=None):
    """Runs a client program that must fail; returns its stderr."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    assert p.returncode != 0, f"{os.path.basename(args[0])} {' '.join(args[1:])} succeeded:\n{p.stdout}"
    return p.stderr


# --- records ------------------------------------------------------------------------------

def records(lines):
    """The "partition offset key value" lines as (partition, offset, key, value) tuples."""
    out = []
    for line in lines:
        if line.startswith("#"):
            continue
        p, o, k, v = line.split(" ")
        out.append((int(p), int(o), k, v))
    return out


def events(lines, name):
    """The "# name a b ..." lines' arguments, as lists of ints, in order."""
    return [[int(x) for x in line.split()[2:]] for line in lines
            if line.startswith("# ") and line.split()[1] == name]


def expected(start, count):
    return {(f"key-{i}", f"value-{i}") for i in range(start, start + count)}


def check_records(got, start, count, first_offsets=None):
    """Every record key-start..key-(start+count-1) exactly once, with its own value; offsets
    in each partition contiguous from first_offsets[p] (0 by default); one partition per key."""
    pairs = [(k, v) for _, _, k, v in got]
    assert len(pairs) == count, f"{len(pairs)} records, expected {count}: {sorted(got)}"
    assert set(pairs) == expected(start, count), sorted(got)
    by_partition = defaultdict(list)
    for p, o, _, _ in got:
        by_partition[p].append(o)
    for p, offsets in by_partition.items():
        first = (first_offsets or {}).get(p, 0)
        assert sorted(offsets) == list(range(first, first + len(offsets))), \
            f"partition {p} offsets {sorted(offsets)} are not contiguous from {first}"


def per_partition_counts(got):
    counts = defaultdict(int)
    for p, _, _, _ in got:
        counts[p] += 1
    return dict(counts)


# --- the broker, through librdkafka -------------------------------------------------------

def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=30).values():
        f.result(timeout=60)
    # Metadata must show every partition with a leader before an old client asks for it.
    def ready():
        md = admin.list_topics(topic, timeout=10).topics[topic]
        return md.error is None and len(md.partitions) == partitions and \
            all(p.leader >= 0 for p in md.partitions.values())
    wait_until(ready, 30, message=f"topic {topic} with {partitions} partitions")


def librdkafka_read(bootstrap, topic, counts):
    """Reads counts[p] records from each partition p with librdkafka (Fetch v11+)."""
    out = []
    for p, n in sorted(counts.items()):
        for m in consume_partition(bootstrap, topic, p, n):
            out.append((p, m.offset(), m.key().decode(), m.value().decode()))
    return out


def librdkafka_produce(bootstrap, topic, partitions, codec, start, count):
    """Writes key-I/value-I as record batches (v2) compressed with `codec`, several records per
    batch, record i to partition i % partitions; returns what was acknowledged."""
    acked, failed = [], []

    def report(err, m):
        if err is not None:
            failed.append(err)
        else:
            acked.append((m.partition(), m.offset(), m.key().decode(), m.value().decode()))

    p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 100,
                  "acks": "all", "enable.idempotence": False})
    for i in range(start, start + count):
        p.produce(topic, key=f"key-{i}", value=f"value-{i}", partition=i % partitions,
                  on_delivery=report)
    assert p.flush(60) == 0, "librdkafka producer did not finish"
    assert not failed, failed
    return acked


def end_offsets(bootstrap, topic, partitions):
    """Each partition's high watermark."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-no-commit"})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                for p in range(partitions)}
    finally:
        c.close()


def committed_offsets(bootstrap, group, topic, partitions):
    """The offsets `group` committed for topic's partitions (-1001 when none)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


# --- consumer groups ----------------------------------------------------------------------

class Member:
    """A client program in group mode: its output lines gathered as they come; stop() closes
    its standard input, on which it commits, leaves the group and exits."""

    def __init__(self, args, cwd=None):
        self.args = args
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, cwd=cwd)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def assignment(self):
        """The partitions of the latest generation, or None before the first."""
        a = events(self.snapshot(), "assigned")
        return set(a[-1]) if a else None

    def records(self):
        return records(self.snapshot())

    def alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"group member exited with {self.proc.returncode}: {self.err()}")
        return True

    def err(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-3000:]

    def close_stdin(self):
        if self.proc.poll() is None and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def stop(self, timeout=60):
        """Clean shutdown; asserts exit code 0."""
        self.close_stdin()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"group member did not exit within {timeout}s of its stdin "
                                 f"closing: {self.err()}")
        self.reader.join(10)
        assert code == 0, f"group member exited with {code}: {self.err()}"

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


@pytest.fixture
def members():
    """Group members a test starts; any still running at the end are killed."""
    made = []
    yield made
    for m in made:
        m.kill()


def check_group(bootstrap, topic, group, start_member, produce, members, partitions=4):
    """Two members share `partitions` partitions, each record read by exactly one of them and
    its offset committed; after both leave, a third member resumes from those commits.

    start_member() starts one member (a Member) of `group` on `topic`; produce(start, count)
    writes records key-start.. with the same client.
    """
    create_topic(bootstrap, topic, partitions)
    everything = set(range(partitions))

    a = start_member()
    members.append(a)
    wait_until(lambda: a.alive() and a.assignment() == everything, 60,
               message="the first member to own every partition")
    b = start_member()
    members.append(b)

    def split():
        a.alive()
        b.alive()
        sa, sb = a.assignment(), b.assignment()
        return sa and sb and not (sa & sb) and (sa | sb) == everything
    wait_until(split, 60, message="two members splitting the partitions")
    owned = {"a": a.assignment(), "b": b.assignment()}

    produce(0, 40)
    wait_until(lambda: a.alive() and b.alive() and len(a.records()) + len(b.records()) >= 40, 60,
               message="the members to read 40 records")
    assert (a.assignment(), b.assignment()) == (owned["a"], owned["b"]), "rebalanced while reading"
    # Both leave at once, so that neither takes over the other's partitions on the way out.
    a.close_stdin()
    b.close_stdin()
    a.stop()
    b.stop()
    got_a, got_b = a.records(), b.records()
    check_records(got_a + got_b, 0, 40)
    assert {p for p, _, _, _ in got_a} <= owned["a"], (owned, got_a)
    assert {p for p, _, _, _ in got_b} <= owned["b"], (owned, got_b)

    ends = {p: per_partition_counts(got_a + got_b).get(p, 0) for p in everything}
    assert committed_offsets(bootstrap, group, topic, partitions) == ends

    # A new member starts where the others committed: only the new records, once each.
    c = start_member()
    members.append(c)
    wait_until(lambda: c.alive() and c.assignment() == everything, 60,
               message="the third member to own every partition")
    produce(40, 10)
    wait_until(lambda: c.alive() and len(c.records()) >= 10, 60,
               message="the third member to read 10 records")
    c.stop()
    got_c = c.records()
    check_records(got_c, 40, 10, first_offsets=ends)
    final = dict(ends)
    for p, n in per_partition_counts(got_c).items():
        final[p] += n
    assert committed_offsets(bootstrap, group, topic, partitions) == final
