"""Apache Kafka itself, run from its jars: the reference that Moldau's tools and broker are
compared with (the parity tests) and measured against (scripts/bench).

`scripts/setup` copies the jars that `tests/reference/pom.xml` pins into a cache outside the
source tree; this module finds them there and

* starts a real Apache Kafka broker: KRaft, a single node in combined mode (broker and
  controller), storage formatted first with a random cluster id, free ports, a temp dir; it
  waits until the broker answers a Metadata request listing itself, and stops it (SIGTERM,
  then SIGKILL) and removes the dir, also when something failed;
* runs Kafka's own command-line tools the way its `bin/*.sh` scripts start them: `java` with
  the script's main class over `libs/*`, log4j2 configured as `kafka-run-class.sh` configures
  it for tools (WARN and above to stderr in Kafka's pattern). Only flags that do not change
  what a tool prints differ: C1 only, class data sharing, a small heap, the serial collector,
  because a JVM start costs seconds on two shared cores.

As a library: `KafkaBroker().start()`, `run_tool("kafka-topics", "--list", ...)`.
From the command line (scripts/bench, or by hand):

    python3 tests/integration/apache_kafka.py broker [--port N]   # prints host:port, runs until stdin closes
    python3 tests/integration/apache_kafka.py tool kafka-topics --bootstrap-server ... --list
    python3 tests/integration/apache_kafka.py available            # exit 0 if the jars are there
"""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
POM = os.path.join(SOURCE, "tests", "reference", "pom.xml")
LOG4J2_TOOLS = os.path.join(SOURCE, "tests", "reference", "tools-log4j2.properties")
LOG4J2_BROKER = os.path.join(SOURCE, "tests", "reference", "broker-log4j2.properties")


def kafka_version():
    with open(POM) as f:
        return re.search(r"<kafka\.version>([^<]+)</kafka\.version>", f.read()).group(1)


KAFKA_VERSION = kafka_version()


def cache_root():
    return os.environ.get("MOLDAU_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "moldau")


def libs_dir(version=KAFKA_VERSION):
    return os.path.join(cache_root(), f"kafka-{version}", "libs")


def available(version=KAFKA_VERSION):
    """True when scripts/setup has fetched the jars (and java runs)."""
    return os.path.isfile(os.path.join(libs_dir(version), ".complete")) and shutil.which("java") is not None


# Each tool as its bin/<name>.sh starts it: the main class, and the heap the script asks for
# (KAFKA_HEAP_OPTS: 512M for the console and perf tools, kafka-run-class.sh's 256M otherwise).
TOOLS = {
    "kafka-topics": "org.apache.kafka.tools.TopicCommand",
    "kafka-console-producer": "org.apache.kafka.tools.ConsoleProducer",
    "kafka-console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "kafka-consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "kafka-get-offsets": "org.apache.kafka.tools.GetOffsetShell",
    "kafka-broker-api-versions": "org.apache.kafka.tools.BrokerApiVersionsCommand",
    "kafka-delete-records": "org.apache.kafka.tools.DeleteRecordsCommand",
    "kafka-configs": "org.apache.kafka.tools.ConfigCommand",
    "kafka-log-dirs": "org.apache.kafka.tools.LogDirsCommand",
    "kafka-leader-election": "org.apache.kafka.tools.LeaderElectionCommand",
    "kafka-reassign-partitions": "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
    "kafka-replica-verification": "org.apache.kafka.tools.ReplicaVerificationTool",
    "kafka-dump-log": "org.apache.kafka.tools.DumpLogSegments",
    "kafka-producer-perf-test": "org.apache.kafka.tools.ProducerPerformance",
    "kafka-consumer-perf-test": "org.apache.kafka.tools.ConsumerPerformance",
    "kafka-e2e-latency": "org.apache.kafka.tools.EndToEndLatency",
    "kafka-storage": "kafka.tools.StorageTool",
    "kafka-server-start": "kafka.Kafka",
}
BIG_HEAP = {"kafka-console-producer", "kafka-console-consumer", "kafka-producer-perf-test",
            "kafka-consumer-perf-test"}

# What kafka-run-class.sh passes, less what only tunes a long-running JVM. None of these
# changes a byte a tool prints.
LIGHT_JVM = ["-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC", "-Djava.awt.headless=true"]


def cds_archive(version=KAFKA_VERSION):
    return os.path.join(cache_root(), f"kafka-{version}", "tools.jsa")


def tool_command(name, *args, version=KAFKA_VERSION, jvm_extra=()):
    """The java command line that Kafka's bin/<name>.sh would exec."""
    main = TOOLS[name]
    heap = "-Xmx512M" if name in BIG_HEAP else "-Xmx256M"
    cds = []
    if os.path.isfile(cds_archive(version)):
        # Class data sharing: the classes the tools load, parsed once (prepare_class_sharing).
        cds = [f"-XX:SharedArchiveFile={cds_archive(version)}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]
    return ["java", heap, *LIGHT_JVM, *cds, *jvm_extra, f"-Dlog4j2.configurationFile={LOG4J2_TOOLS}",
            "-cp", os.path.join(libs_dir(version), "*"), main, *args]


def prepare_class_sharing(bootstrap, version=KAFKA_VERSION):
    """Builds a class-data-sharing archive of what Kafka's tools load, once per cache: each tool
    runs once against `bootstrap` recording its classes, then the JVM dumps them into one
    archive. A JVM start then costs about half. Safe to call from concurrent processes."""
    archive = cds_archive(version)
    if os.path.isfile(archive):
        return
    work = tempfile.mkdtemp(prefix="kafka-cds-")
    try:
        topic = "cds-warmup"
        runs = [
            ("kafka-topics", ["--bootstrap-server", bootstrap, "--create", "--topic", topic, "--if-not-exists"], None),
            ("kafka-topics", ["--bootstrap-server", bootstrap, "--describe", "--topic", topic], None),
            ("kafka-console-producer", ["--bootstrap-server", bootstrap, "--topic", topic], "a\n"),
            ("kafka-console-consumer", ["--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning",
                                        "--max-messages", "1", "--group", "cds"], None),
            ("kafka-consumer-groups", ["--bootstrap-server", bootstrap, "--describe", "--all-groups"], None),
            ("kafka-get-offsets", ["--bootstrap-server", bootstrap, "--topic", topic], None),
            ("kafka-producer-perf-test", ["--topic", topic, "--num-records", "10", "--record-size", "10",
                                          "--throughput", "-1", "--command-property", f"bootstrap.servers={bootstrap}"], None),
            ("kafka-consumer-perf-test", ["--bootstrap-server", bootstrap, "--topic", topic, "--num-records", "1"], None),
            ("kafka-storage", ["random-uuid"], None),
            ("kafka-dump-log", ["--files", os.path.join(work, "none.log")], None),
        ]
        lists = []
        for i, (tool, args, stdin) in enumerate(runs):
            lst = os.path.join(work, f"{i}.classlist")
            subprocess.run(tool_command(tool, *args, version=version, jvm_extra=[f"-XX:DumpLoadedClassList={lst}"]),
                           input=stdin, capture_output=True, text=True, timeout=120)
            lists.append(lst)
        merged = os.path.join(work, "all.classlist")
        seen = set()
        with open(merged, "w") as out:
            for lst in lists:
                if os.path.isfile(lst):
                    for line in open(lst):
                        if line not in seen:
                            seen.add(line)
                            out.write(line)
        tmp = f"{archive}.{os.getpid()}.tmp"
        subprocess.run(["java", "-Xshare:dump", f"-XX:SharedClassListFile={merged}", f"-XX:SharedArchiveFile={tmp}",
                        "-cp", os.path.join(libs_dir(version), "*")], capture_output=True, timeout=300)
        if os.path.isfile(tmp):
            os.replace(tmp, archive)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_tool(name, *args, input=None, timeout=120, env=None, cwd=None, version=KAFKA_VERSION):
    """Runs one of Kafka's tools; returns a CompletedProcess with text output."""
    return subprocess.run(tool_command(name, *args, version=version), input=input, capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


def popen_tool(name, *args, version=KAFKA_VERSION, **kwargs):
    return subprocess.Popen(tool_command(name, *args, version=version), **kwargs)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metadata_brokers(host, port, timeout=2.0):
    """Sends Metadata v1 (all topics) and returns the node ids of the brokers it lists."""
    client = b"moldau-probe"
    body = struct.pack(">hhih", 3, 1, 1, len(client)) + client + struct.pack(">i", -1)
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        head = b""
        while len(head) < 4:
            chunk = s.recv(4 - len(head))
            if not chunk:
                raise ConnectionError("closed")
            head += chunk
        (size,) = struct.unpack(">i", head)
        data = b""
        while len(data) < size:
            chunk = s.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
    pos = 4  # correlation id
    (count,) = struct.unpack_from(">i", data, pos)
    pos += 4
    nodes = []
    for _ in range(count):
        (node_id,) = struct.unpack_from(">i", data, pos)
        pos += 4
        (hlen,) = struct.unpack_from(">h", data, pos)
        pos += 2 + hlen + 4  # host, port
        (rlen,) = struct.unpack_from(">h", data, pos)
        pos += 2 + max(rlen, 0)  # rack (nullable)
        nodes.append(node_id)
    return nodes


class KafkaBroker:
    """One Apache Kafka broker (KRaft, combined mode) in a temp dir of its own."""

    def __init__(self, overrides=None, port=None, heap="-Xmx768M", jvm_flags=None, version=KAFKA_VERSION,
                 node_id=1, controller=None):
        """With `controller` (a started KafkaBroker), this node is a broker only, in that node's
        cluster and quorum: how a three-broker cluster is made (scripts/bench)."""
        self.overrides = dict(overrides or {})
        self.port = port or free_port()
        self.controller = controller
        self.controller_port = controller.controller_port if controller else free_port()
        self.heap = heap
        self.jvm_flags = LIGHT_JVM if jvm_flags is None else jvm_flags
        self.version = version
        self.node_id = node_id
        self.dir = None
        self.proc = None
        self.cluster_id = None

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def log_dir(self):
        return os.path.join(self.dir, "data")

    @property
    def config_path(self):
        return os.path.join(self.dir, "server.properties")

    @property
    def log_path(self):
        return os.path.join(self.dir, "server.log")

    def _properties(self):
        own_controller = self.controller is None
        props = {
            "process.roles": "broker,controller" if own_controller else "broker",
            "node.id": str(self.node_id),
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}" +
                         (f",CONTROLLER://127.0.0.1:{self.controller_port}" if own_controller else ""),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": self.log_dir,
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        props.update(self.overrides)
        return props

    def start(self, timeout=120.0):
        self.dir = tempfile.mkdtemp(prefix="apache-kafka-")
        try:
            with open(self.config_path, "w") as f:
                for k, v in self._properties().items():
                    f.write(f"{k}={v}\n")
            if self.controller:
                # A broker-only node joins the controller's cluster; only controllers name voters.
                self.cluster_id = self.controller.cluster_id
                fmt = run_tool("kafka-storage", "format", "-t", self.cluster_id, "-c", self.config_path,
                               version=self.version)
            else:
                self.cluster_id = run_tool("kafka-storage", "random-uuid", version=self.version).stdout.strip()
                fmt = run_tool("kafka-storage", "format", "-t", self.cluster_id, "-c", self.config_path,
                               "--standalone", version=self.version)
            if fmt.returncode != 0:
                raise RuntimeError(f"kafka-storage format failed: {fmt.stdout}{fmt.stderr}")
            cmd = ["java", self.heap, *self.jvm_flags, f"-Dlog4j2.configurationFile={LOG4J2_BROKER}",
                   f"-Dkafka.logs.dir={self.dir}", "-cp", os.path.join(libs_dir(self.version), "*"),
                   "kafka.Kafka", self.config_path]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + timeout
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"Apache Kafka exited with {self.proc.returncode}: {self.log()}")
                try:
                    if self.node_id in metadata_brokers("127.0.0.1", self.port):
                        return self
                except (OSError, struct.error):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Apache Kafka did not serve within {timeout}s: {self.log()}")
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout=30.0):
        """SIGTERM (Kafka's controlled shutdown), SIGKILL after `timeout`; removes the dir."""
        code = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait()
            self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        return code

    def log(self, tail=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-tail:]
        except (OSError, TypeError):
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv[0] == "available":
        return 0 if available() else 1
    if argv[0] == "tool":
        return subprocess.call(tool_command(argv[1], *argv[2:]))
    if argv[0] == "broker":
        port = None
        overrides = {}
        rest = argv[1:]
        while rest:
            if rest[0] == "--port":
                port = int(rest[1])
                rest = rest[2:]
            elif rest[0] == "--override":
                k, v = rest[1].split("=", 1)
                overrides[k] = v
                rest = rest[2:]
            else:
                print(f"unknown argument {rest[0]}", file=sys.stderr)
                return 2
        # A benchmark peer: the JVM flags of kafka-run-class.sh, not the tools' light ones.
        broker = KafkaBroker(overrides, port=port, heap="-Xmx1G",
                             jvm_flags=["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                                        "-XX:InitiatingHeapOccupancyPercent=35",
                                        "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true"])
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1) or sys.stdin.close())
        try:
            broker.start()
            print(broker.bootstrap, flush=True)
            print(f"pid {broker.proc.pid}", flush=True)
            try:
                sys.stdin.read()
            except (ValueError, OSError):
                pass
        finally:
            broker.stop()
        return 0
    print(f"unknown command {argv[0]}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
