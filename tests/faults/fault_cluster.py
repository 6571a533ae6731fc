"""etcd members and brokers, each in its own network namespace of a Net (see netns.py), with
the faults a nemesis applies to processes: kill -9, SIGSTOP, SIGCONT, restart.

Each node listens on its own address with the usual ports (etcd 2379/2380, brokers 9092), so
nothing collides with other tests on the machine's loopback. The test's clients run in the
host's namespace and reach every node through the bridge unless a test cuts that link too.
"""
import base64
import json
import os
import shutil
import signal
import socket
import time
import urllib.request
import uuid

from confluent_kafka.admin import AdminClient

from netns import Net

BIN = os.environ.get("MOLDAU_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
SOURCE = os.environ.get("MOLDAU_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
BROKER_PORT = 9092
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380


def wait_until(predicate, timeout=30.0, interval=0.1, message="condition"):
    """Polls `predicate` until it returns a truthy value (returned); AssertionError at `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - keep polling until the deadline
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}" +
                         (f" (last error: {last_error!r})" if last_error else ""))


class Process:
    """A program in a node's namespace that the nemesis may kill, pause, resume and restart."""

    def __init__(self, net, node, log_path):
        self.net = net
        self.node = node          # netns.Node
        self.log_path = log_path
        self.proc = None
        self.paused = False

    @property
    def name(self):
        return self.node.name

    def argv(self):
        raise NotImplementedError

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def spawn(self):
        assert not self.running()
        self.proc = self.net.spawn(self.name, self.argv(), self.log_path)
        self.paused = False

    def kill(self):
        """kill -9; returns the exit status (-9)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.send_signal(signal.SIGCONT)
        code = self.proc.wait(30)
        self.proc = None
        self.paused = False
        return code

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def terminate(self, timeout=60):
        """SIGTERM (and SIGCONT for a paused one); kill -9 after `timeout`. The exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.send_signal(signal.SIGCONT)
        try:
            code = self.proc.wait(timeout)
        except Exception:  # noqa: BLE001 - TimeoutExpired
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.paused = False
        return code

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""


class EtcdMember(Process):
    def __init__(self, net, node, root, cluster_names):
        super().__init__(net, node, os.path.join(root, f"{node.name}.log"))
        self.data_dir = os.path.join(root, f"{node.name}.data")
        self.cluster_names = cluster_names  # names of every member, this one included

    @property
    def client_url(self):
        return f"http://{self.node.address}:{ETCD_CLIENT_PORT}"

    @property
    def endpoint(self):
        return f"{self.node.address}:{ETCD_CLIENT_PORT}"

    def argv(self):
        etcd = shutil.which("etcd") or "/usr/bin/etcd"
        initial = ",".join(f"{n}=http://{self.net.address(n)}:{ETCD_PEER_PORT}" for n in self.cluster_names)
        peer = f"http://{self.node.address}:{ETCD_PEER_PORT}"
        # No fsync: the faults here kill processes, not the machine, so the page cache keeps
        # what etcd wrote; fsync on a disk shared by several builds would only slow elections.
        return [etcd, "--name", self.name, "--data-dir", self.data_dir,
                "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial, "--initial-cluster-token", "moldau-faults",
                "--initial-cluster-state", "new", "--unsafe-no-fsync",
                "--heartbeat-interval", "100", "--election-timeout", "1000",
                "--log-level", "warn", "--logger", "zap"]

    def post(self, path, body, timeout=2):
        req = urllib.request.Request(self.client_url + path, data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def healthy(self):
        """A linearizable read answers: this member is part of a quorum with a leader."""
        try:
            self.post("/v3/kv/range", {"key": base64.b64encode(b"health").decode()})
            return True
        except Exception:  # noqa: BLE001 - unreachable, no leader, paused...
            return False

    def status(self):
        """{"member_id", "leader"} (as strings) from the Maintenance Status call."""
        s = self.post("/v3/maintenance/status", {})
        return {"member_id": s["header"]["member_id"], "leader": s.get("leader")}


class Etcd:
    """The etcd cluster's members, with a small client for the keys brokers write."""

    def __init__(self, net, root, names):
        self.members = {n: EtcdMember(net, net.nodes[n], root, names) for n in names}

    @property
    def endpoints(self):
        return ",".join(m.endpoint for m in self.members.values())

    def start(self, timeout=60):
        for m in self.members.values():
            if not m.running():
                m.spawn()
        for m in self.members.values():
            wait_until(m.healthy, timeout, message=f"etcd member {m.name} healthy")

    def leader(self):
        """Name of the member that leads the raft group now (asked of any healthy member)."""
        ids = {}
        leader_id = None
        for m in self.members.values():
            try:
                s = m.status()
            except Exception:  # noqa: BLE001
                continue
            ids[s["member_id"]] = m.name
            leader_id = leader_id or s["leader"]
        return ids.get(leader_id)

    def range(self, key, prefix=False):
        """{key: value} (both str) read from any member that answers."""
        body = {"key": base64.b64encode(key.encode()).decode()}
        if prefix:
            end = bytearray(key.encode())
            end[-1] += 1
            body["range_end"] = base64.b64encode(bytes(end)).decode()
        last = None
        for m in self.members.values():
            try:
                r = m.post("/v3/kv/range", body)
            except Exception as e:  # noqa: BLE001
                last = e
                continue
            return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")).decode()
                    for kv in r.get("kvs", [])}
        raise RuntimeError(f"no etcd member answered: {last!r}")


class BrokerNode(Process):
    def __init__(self, net, node, root, node_id, props):
        self.log_dir = os.path.join(root, f"broker{node_id}")
        os.makedirs(self.log_dir, exist_ok=True)
        super().__init__(net, node, os.path.join(root, f"broker{node_id}.log"))
        self.node_id = node_id
        self.props = props

    @property
    def bootstrap(self):
        return f"{self.node.address}:{BROKER_PORT}"

    def argv(self):
        props = {"listeners": f"PLAINTEXT://{self.bootstrap}", "log.dirs": self.log_dir}
        props.update(self.props)
        args = [os.path.join(BIN, "kafka-server-start"), os.path.join(SOURCE, "config", "server.properties")]
        for k, v in props.items():
            args += ["--override", f"{k}={v}"]
        return args

    def accepting(self):
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"broker {self.node_id} is not running: {self.log_tail(1500)}")
        with socket.create_connection((self.node.address, BROKER_PORT), timeout=1):
            return True

    def start(self, timeout=60):
        self.spawn()
        wait_until(self.accepting, timeout, message=f"broker {self.node_id} accepting")


DEFAULT_BROKER_PROPS = {
    "broker.session.timeout.ms": "6000",
    "replica.lag.time.max.ms": "6000",
    "replica.socket.timeout.ms": "10000",
    "offsets.topic.num.partitions": "3",
    "transaction.state.log.num.partitions": "3",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "group.initial.rebalance.delay.ms": "0",
    "controlled.shutdown.timeout.ms": "15000",
    "auto.create.topics.enable": "false",
}


class FaultCluster:
    """`brokers` brokers (node ids 1.., nodes b1..) and `etcd_members` etcd members (e1..), each
    in its own namespace of `net`."""

    def __init__(self, net: Net, root, brokers=3, etcd_members=3, overrides=None):
        self.net = net
        self.root = root
        etcd_names = [f"e{i}" for i in range(1, etcd_members + 1)]
        for n in etcd_names:
            net.add_node(n)
        self.etcd = Etcd(net, root, etcd_names)
        self.prefix = "/moldau-faults-" + uuid.uuid4().hex[:8]
        self.brokers = {}
        for node_id in range(1, brokers + 1):
            node = net.add_node(f"b{node_id}")
            props = dict(DEFAULT_BROKER_PROPS)
            props["node.id"] = str(node_id)
            props["metadata.store"] = f"etcd://{self.etcd.endpoints}{self.prefix}"
            props.update(overrides or {})
            self.brokers[node_id] = BrokerNode(net, node, root, node_id, props)

    # -- names ----------------------------------------------------------------------------

    def broker(self, node_id):
        return self.brokers[node_id]

    def broker_names(self):
        return [b.name for b in self.brokers.values()]

    def etcd_names(self):
        return list(self.etcd.members)

    def process(self, name):
        """The broker or etcd member on node `name` ("b2", "e1")."""
        if name in self.etcd.members:
            return self.etcd.members[name]
        return self.brokers[int(name[1:])]

    @property
    def bootstrap(self):
        return ",".join(b.bootstrap for b in self.brokers.values())

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, timeout=120):
        self.etcd.start()
        for b in self.brokers.values():
            b.start(timeout)
        self.wait_registered(sorted(self.brokers), timeout)
        return self

    def registered(self):
        """Node ids registered in etcd now (their leases alive)."""
        keys = self.etcd.range(f"{self.prefix}/brokers/", prefix=True)
        return sorted(int(k.rsplit("/", 1)[1]) for k in keys)

    def controller(self):
        v = self.etcd.range(f"{self.prefix}/controller").get(f"{self.prefix}/controller")
        return json.loads(v)["broker"] if v else None

    def wait_registered(self, ids, timeout=90):
        wait_until(lambda: self.registered() == sorted(ids) and self.controller() is not None, timeout,
                   interval=0.2, message=f"brokers {sorted(ids)} registered in etcd with a controller")

    def partition_state(self, topic, partition):
        """{"leader", "leader_epoch", "isr", ...}: the truth in etcd (the partition's own key, or
        its topic's `states` until the first change)."""
        own = self.etcd.range(f"{self.prefix}/partitions/{topic}/{partition}")
        if own:
            return json.loads(next(iter(own.values())))
        t = self.etcd.range(f"{self.prefix}/topics/{topic}")
        return json.loads(next(iter(t.values())))["states"][partition]

    def metadata(self, timeout=10):
        return AdminClient({"bootstrap.servers": self.bootstrap}).list_topics(timeout=timeout)

    def all_in_sync(self, topics):
        """Every partition of `topics` has a leader and its full replica set in the ISR (etcd)."""
        for topic, partitions in topics.items():
            for p in range(partitions):
                s = self.partition_state(topic, p)
                if s["leader"] < 0 or len(s["isr"]) < len(self.brokers):
                    return False
        return True

    def recover_all(self, timeout=60):
        """After a schedule: the network healed, every process resumed or restarted."""
        self.net.heal()
        for m in self.etcd.members.values():
            if m.running():
                m.resume()
        for m in self.etcd.members.values():
            if not m.running():
                m.spawn()
        for b in self.brokers.values():
            if b.running():
                b.resume()
            else:
                b.start(timeout)
        self.etcd.start(timeout)
        self.wait_registered(sorted(self.brokers), timeout)

    def stop(self):
        """SIGTERM every broker (controlled shutdown), then the etcd members. {node_id: code} of
        the brokers that were running."""
        codes = {}
        for node_id, b in self.brokers.items():
            if b.running():
                codes[node_id] = b.terminate(60)
        for m in self.etcd.members.values():
            m.terminate(30)
        return codes
