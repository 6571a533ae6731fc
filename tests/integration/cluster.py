"""Fixtures for cluster tests: real etcd members (Debian's etcd-server) and several real broker
processes sharing them through metadata.store=etcd://..., on free loopback ports with temp
dirs. Waits are on conditions with deadlines; everything started is stopped at the end.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from conftest import Broker, free_port, tool, wait_until


def etcd_binary():
    path = shutil.which("etcd") or "/usr/bin/etcd"
    if not os.path.exists(path):
        pytest.fail("etcd is not installed: run scripts/setup (Debian's etcd-server)")
    return path


class Etcd:
    """One etcd member (or a cluster of `members`, each its own process)."""

    def __init__(self, root, members=1):
        self.root = root
        self.names = [f"etcd{i}" for i in range(members)]
        self.client_ports = [free_port() for _ in range(members)]
        self.peer_ports = [free_port() for _ in range(members)]
        self.procs = [None] * members
        self.logs = [None] * members
        self.started_once = [False] * members

    @property
    def endpoints(self):
        return ",".join(f"127.0.0.1:{p}" for p in self.client_ports)

    def data_dir(self, i):
        return os.path.join(self.root, self.names[i] + ".data")

    def start_member(self, i):
        initial = ",".join(f"{n}=http://127.0.0.1:{p}" for n, p in zip(self.names, self.peer_ports))
        client = f"http://127.0.0.1:{self.client_ports[i]}"
        peer = f"http://127.0.0.1:{self.peer_ports[i]}"
        args = [etcd_binary(), "--name", self.names[i], "--data-dir", self.data_dir(i),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial, "--initial-cluster-token", "moldau-test",
                "--initial-cluster-state", "new", "--unsafe-no-fsync", "--log-level", "warn",
                "--logger", "zap"]
        self.logs[i] = open(os.path.join(self.root, self.names[i] + ".log"), "ab")
        self.procs[i] = subprocess.Popen(args, stdout=self.logs[i], stderr=subprocess.STDOUT)
        self.started_once[i] = True

    def range(self, i, key):
        """The kvs of `key` on member i (etcd's JSON gateway; keys and values base64)."""
        body = json.dumps({"key": base64.b64encode(key.encode()).decode()}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.client_ports[i]}/v3/kv/range", data=body,
                                     method="POST")
        with urllib.request.urlopen(req, timeout=2) as r:
            return json.loads(r.read()).get("kvs", [])

    def healthy(self, i):
        self.range(i, "\0")  # raises until the member serves
        return True

    def start(self, timeout=60):
        for i in range(len(self.names)):
            if self.procs[i] is None or self.procs[i].poll() is not None:
                self.start_member(i)
        for i in range(len(self.names)):
            wait_until(lambda: self.healthy(i), timeout, message=f"etcd member {self.names[i]}")
        return self

    def stop_member(self, i, sig=signal.SIGTERM):
        p = self.procs[i]
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(sig)
            if sig != signal.SIGKILL:
                p.send_signal(signal.SIGCONT)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        self.procs[i] = None
        if self.logs[i]:
            self.logs[i].close()
            self.logs[i] = None

    def restart_member(self, i, sig=signal.SIGKILL, timeout=60):
        self.stop_member(i, sig)
        self.start_member(i)
        wait_until(lambda: self.healthy(i), timeout, message=f"etcd member {self.names[i]} after restart")

    def stop(self):
        for i in range(len(self.names)):
            self.stop_member(i)


class Cluster:
    """An etcd and `size` brokers with node ids 1..size."""

    def __init__(self, root, size=3, overrides=None, etcd_members=1):
        self.root = root
        self.etcd = Etcd(root, etcd_members)
        self.prefix = "/moldau-test-" + uuid.uuid4().hex[:8]
        self.overrides = dict(overrides or {})
        self.size = size
        self.brokers = {}
        for node_id in range(1, size + 1):
            self._make_broker(node_id)

    def _make_broker(self, node_id):
        log_dir = os.path.join(self.root, f"broker{node_id}")
        os.makedirs(log_dir, exist_ok=True)
        self.brokers[node_id] = Broker(log_dir, overrides=self.broker_overrides(node_id))
        return self.brokers[node_id]

    def add_broker(self, timeout=90):
        """Starts one more broker (the next node id) into the running cluster; returns it once
        every broker lists it."""
        node_id = max(self.brokers) + 1
        b = self._make_broker(node_id)
        b.start(timeout)
        self.wait_for_brokers(sorted(self.brokers), timeout)
        return b

    def broker_overrides(self, node_id):
        props = {
            "node.id": str(node_id),
            "metadata.store": f"etcd://{self.etcd.endpoints}{self.prefix}",
            "broker.session.timeout.ms": "6000",
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.num.partitions": "5",
            "replica.lag.time.max.ms": "10000",
            "leader.imbalance.check.interval.seconds": "5",
            # config/server.properties is the single-node setup: internal topics replicated here.
            "offsets.topic.replication.factor": str(min(self.size, 3)),
            "transaction.state.log.replication.factor": str(min(self.size, 3)),
            "transaction.state.log.min.isr": str(min(self.size, 2)),
        }
        props.update(self.overrides)
        return props

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    def broker(self, node_id):
        return self.brokers[node_id]

    def start(self, timeout=90):
        self.etcd.start()
        # In turn: each registers, then the next starts (on two cores, at once is slower).
        for b in self.brokers.values():
            b.start(timeout)
        self.wait_for_brokers(sorted(self.brokers), timeout)
        return self

    def metadata(self, via=None, timeout=10):
        bootstrap = via.bootstrap if via else self.bootstrap
        return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout)

    def live_brokers(self, via=None):
        return sorted(self.metadata(via).brokers)

    def controller_id(self):
        """The elected controller, from its key in etcd (-1: none). Metadata names the broker
        that answers, as KRaft brokers name a live broker rather than the controller."""
        for i in range(len(self.etcd.names)):
            try:
                kvs = self.etcd.range(i, f"{self.prefix}/controller")
            except OSError:
                continue
            return json.loads(base64.b64decode(kvs[0]["value"]))["broker"] if kvs else -1
        return -1

    def wait_for_brokers(self, ids, timeout=60):
        """Until every running broker's metadata lists exactly `ids`, and one of them is the
        elected controller."""
        ids = sorted(ids)

        def agreed():
            for b in self.brokers.values():
                if b.proc is None or b.proc.poll() is not None:
                    continue
                if sorted(self.metadata(b).brokers) != ids:
                    return False
            return self.controller_id() in ids

        wait_until(agreed, timeout, interval=0.2, message=f"brokers {ids} registered with one controller")

    def stop(self):
        codes = {}
        for node_id, b in self.brokers.items():
            running = b.proc is not None and b.proc.poll() is None
            code = b.stop()
            if running:
                codes[node_id] = code
        self.etcd.stop()
        return codes


# Clients the cluster tests share: our kafka-topics, an idempotent acks=all producer, a reader.

def topics(bootstrap, *args):
    r = tool("kafka-topics", "--bootstrap-server", bootstrap, *args, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def describe(bootstrap, topic, *flags):
    """{partition: (leader, replicas, isr)} from kafka-topics --describe (with `flags`, only the
    partitions they select)."""
    out = {}
    for line in topics(bootstrap, "--describe", "--topic", topic, *flags).splitlines():
        f = dict(x.split(": ", 1) for x in line.strip().split("\t") if ": " in x)
        if "Partition" not in f:
            continue
        leader = -1 if f["Leader"] == "none" else int(f["Leader"])
        ids = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
        out[int(f["Partition"])] = (leader, ids(f["Replicas"]), ids(f["Isr"]))
    return out


def leaders(bootstrap, topic):
    """{partition: leader} from kafka-topics --describe."""
    out = {}
    for line in topics(bootstrap, "--describe", "--topic", topic).splitlines():
        fields = dict(f.split(": ", 1) for f in line.strip().split("\t") if ": " in f)
        if "Partition" in fields:
            leader = fields["Leader"]
            out[int(fields["Partition"])] = -1 if leader == "none" else int(leader)
    return out


def produce(bootstrap, topic, records, extra=None):
    conf = {"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
            "message.timeout.ms": 120000}
    conf.update(extra or {})
    p = Producer(conf)
    errors = []
    for key, value in records:
        p.produce(topic, value, key, on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(120) == 0
    assert not errors, errors


def consume_all(bootstrap, topic, count, group=None, extra=None, timeout=90):
    conf = {"bootstrap.servers": bootstrap, "group.id": group or "reader", "auto.offset.reset": "earliest",
            "enable.auto.commit": group is not None}
    conf.update(extra or {})
    c = Consumer(conf)
    c.subscribe([topic])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            out.append((m.partition(), m.offset(), m.key(), m.value()))
    finally:
        c.close()
    return out


@pytest.fixture
def cluster_factory(tmp_root):
    """Makes clusters; stops every broker and etcd member at the end. Brokers still up must exit
    0 on SIGTERM (after their controlled shutdown)."""
    made = []

    def make(size=3, overrides=None, etcd_members=1, start=True):
        c = Cluster(os.path.join(tmp_root, f"cluster{len(made)}"), size, overrides, etcd_members)
        os.makedirs(c.root, exist_ok=True)
        made.append(c)
        return c.start() if start else c

    yield make
    unclean = []
    for c in made:
        for node_id, code in c.stop().items():
            if code != 0:
                unclean.append(f"broker {node_id} exited with {code}: {c.brokers[node_id].log()[-1500:]}")
    assert not unclean, "\n".join(unclean)
