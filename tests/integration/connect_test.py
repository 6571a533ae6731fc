"""Kafka Connect (Apache Kafka 4.4.0's runtime, launched by our connect-standalone and
connect-distributed tools) against our broker, on one broker for the module:

* the tools' own behaviour without a JVM: --help, the usage line, and a clear message and exit 1
  when Java or the jars are missing;
* Kafka's quickstart with connect-standalone and config/connect-*.properties: the file source
  reads test.txt into the topic connect-test, the file sink writes it to test.sink.txt, and a
  line appended later follows;
* connect-distributed keeping its config, offset and status topics on our broker: connectors
  created through the REST API run, the three topics are compacted and hold the cluster's state,
  and a restarted worker takes the connectors up again from them without copying a line twice.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

import java_programs
from conftest import BIN, SOURCE, free_port, tool, wait_until

CONFIG = os.path.join(SOURCE, "config")
CONNECT_FILE_JAR = os.path.join(java_programs.libs_dir(), f"connect-file-{java_programs.KAFKA_VERSION}.jar")


@pytest.fixture(scope="module")
def broker():
    yield from java_programs.module_broker("moldau-connect-")


def worker_properties(path, base, broker, rest_port, **overrides):
    """One of config/connect-*.properties pointed at the test broker, a free REST port and the
    file connectors. plugin.discovery=service_load, as Connect's own start-up warning advises
    when every plugin has a manifest: the default scan reads every class of every jar, which
    takes half a minute here."""
    lines = []
    with open(os.path.join(CONFIG, base)) as f:
        for line in f:
            if line.startswith("bootstrap.servers="):
                line = f"bootstrap.servers={broker.bootstrap}\n"
            lines.append(line)
    extra = {"plugin.path": CONNECT_FILE_JAR, "listeners": f"http://127.0.0.1:{rest_port}",
             "plugin.discovery": "service_load", **overrides}
    lines += [f"{k}={v}\n" for k, v in extra.items()]
    path.write_text("".join(lines))
    return str(path)


class Worker:
    def __init__(self, tool_name, args, cwd, rest_port):
        self.log = open(os.path.join(cwd, f"{tool_name}-{time.monotonic_ns()}.out"), "w+")
        env = dict(os.environ, LOG_DIR=os.path.join(cwd, "logs"), KAFKA_HEAP_OPTS="-Xms64M -Xmx512M",
                   KAFKA_JVM_PERFORMANCE_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true")
        self.proc = subprocess.Popen([os.path.join(BIN, tool_name), *args], cwd=cwd, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{rest_port}"

    def output(self, tail=6000):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-tail:]

    def rest(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
            return resp.status, (json.loads(text) if text else None)

    def wait_rest(self, timeout=180):
        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited with {self.proc.returncode}:\n{self.output()}")
            return self.rest("GET", "/")[0] == 200
        wait_until(up, timeout, interval=0.3, message="Connect's REST API")

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def read_topic(bootstrap, topic, count, *props):
    r = tool("kafka-console-consumer", "--bootstrap-server", bootstrap, "--topic", topic, "--from-beginning",
             "--max-messages", str(count), "--timeout-ms", "30000", *props, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def file_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


# ---- the tools without a JVM ----

def test_help_usage_and_version():
    for name, usage in (("connect-standalone", "connect-standalone.properties [connector1.properties connector2.json ...]"),
                        ("connect-distributed", "connect-distributed.properties")):
        r = tool(name, "--help")
        assert r.returncode == 0 and r.stdout.startswith(f"USAGE: {name} [-daemon] {usage}\n"), r.stdout
        assert java_programs.libs_dir() in r.stdout
        # Without arguments: the script's usage line on stdout, exit 1.
        r = tool(name)
        assert (r.returncode, r.stdout, r.stderr) == (1, f"USAGE: {name} [-daemon] {usage}\n", "")
        r = tool(name, "--version")
        assert r.returncode == 0 and r.stdout.startswith(java_programs.KAFKA_VERSION), r.stdout


def test_missing_jars_and_missing_java(tmp_path):
    env = dict(os.environ, MOLDAU_KAFKA_LIBS=str(tmp_path / "nowhere"))
    r = subprocess.run([os.path.join(BIN, "connect-standalone"), "worker.properties"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == (f"connect-standalone: Kafka Connect's jars (Apache Kafka {java_programs.KAFKA_VERSION}) are "
                        f"not in {tmp_path / 'nowhere'}. scripts/setup fetches them there; or set MOLDAU_KAFKA_LIBS "
                        "to a directory that holds them (such as the libs/ of an Apache Kafka distribution).\n")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java here
    r = subprocess.run([os.path.join(BIN, "connect-distributed"), "worker.properties"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("connect-distributed: Java was not found (no java on PATH and JAVA_HOME is not "
                               "set)."), r.stderr
    env["JAVA_HOME"] = str(tmp_path)
    r = subprocess.run([os.path.join(BIN, "connect-distributed"), "worker.properties"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr == (f"connect-distributed: JAVA_HOME is {tmp_path} but {tmp_path}/bin/java is not an "
                        "executable\n")


# ---- the quickstart ----

def test_standalone_quickstart(broker, tmp_path):
    """Kafka's quickstart, step 7, run in a directory holding test.txt (the connector configs
    name test.txt and test.sink.txt relative to it)."""
    rest_port = free_port()
    worker_props = worker_properties(tmp_path / "connect-standalone.properties", "connect-standalone.properties",
                                     broker, rest_port,
                                     **{"offset.storage.file.filename": str(tmp_path / "connect.offsets"),
                                        "offset.flush.interval.ms": "1000"})
    (tmp_path / "test.txt").write_text("foo\nbar\n")
    w = Worker("connect-standalone", [worker_props, os.path.join(CONFIG, "connect-file-source.properties"),
                                      os.path.join(CONFIG, "connect-file-sink.properties")], str(tmp_path), rest_port)
    try:
        sink = tmp_path / "test.sink.txt"

        def sunk(text):
            def check():
                if w.proc.poll() is not None:
                    raise AssertionError(f"connect-standalone exited with {w.proc.returncode}:\n{w.output()}")
                return file_text(sink) == text
            return check
        wait_until(sunk("foo\nbar\n"), 180, interval=0.3, message="test.sink.txt")
        # The records in between, as the quickstart's console consumer shows them.
        assert read_topic(broker.bootstrap, "connect-test", 2) == [
            '{"schema":{"type":"string","optional":false},"payload":"foo"}',
            '{"schema":{"type":"string","optional":false},"payload":"bar"}']
        with open(tmp_path / "test.txt", "a") as f:
            f.write("Another line\n")
        wait_until(sunk("foo\nbar\nAnother line\n"), 60, interval=0.3, message="the appended line")
        status, body = w.rest("GET", "/connectors?expand=status")
        assert status == 200
        assert {name: (c["status"]["connector"]["state"], [t["state"] for t in c["status"]["tasks"]])
                for name, c in body.items()} == {"local-file-source": ("RUNNING", ["RUNNING"]),
                                                  "local-file-sink": ("RUNNING", ["RUNNING"])}
    finally:
        w.stop()
    assert read_topic(broker.bootstrap, "connect-test", 3)[2] == \
        '{"schema":{"type":"string","optional":false},"payload":"Another line"}'
    # The sink's group committed what it wrote.
    r = tool("kafka-consumer-groups", "--bootstrap-server", broker.bootstrap, "--describe", "--group",
             "connect-local-file-sink")
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith("connect-local-file-sink ")]
    assert [(row[1], row[2], row[3]) for row in rows] == [("connect-test", "0", "3")], r.stdout


# ---- distributed ----

def topic_facts(bootstrap, topic):
    r = tool("kafka-topics", "--bootstrap-server", bootstrap, "--describe", "--topic", topic)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    configs = dict(kv.split("=", 1) for kv in first.split("Configs: ", 1)[1].split(",") if kv) \
        if "Configs: " in first else {}
    return int(first.split("PartitionCount: ")[1].split()[0]), configs.get("cleanup.policy")


def test_distributed_keeps_its_state_on_the_broker(broker, tmp_path):
    rest_port = free_port()
    topics = {"config.storage.topic": "dist-configs", "offset.storage.topic": "dist-offsets",
              "status.storage.topic": "dist-status"}
    props = worker_properties(tmp_path / "connect-distributed.properties", "connect-distributed.properties",
                              broker, rest_port, **{"group.id": "dist-connect", "offset.flush.interval.ms": "1000",
                                                    **topics})
    source_file = tmp_path / "in.txt"
    sink_file = tmp_path / "out.txt"
    source_file.write_text("".join(f"line {i}\n" for i in range(5)))
    source = {"connector.class": "FileStreamSource", "tasks.max": "1", "file": str(source_file),
              "topic": "dist-lines"}
    sink = {"connector.class": "FileStreamSink", "tasks.max": "1", "file": str(sink_file), "topics": "dist-lines"}

    w = Worker("connect-distributed", [props], str(tmp_path), rest_port)
    try:
        w.wait_rest()
        # A worker answers on REST before it has joined its cluster: create once it takes requests.
        wait_until(lambda: w.rest("PUT", "/connectors/dist-source/config", source)[0] in (200, 201), 120,
                   interval=0.5, message="creating the source connector")
        assert w.rest("PUT", "/connectors/dist-sink/config", sink)[0] in (200, 201)
        wait_until(lambda: file_text(sink_file) == "".join(f"line {i}\n" for i in range(5)), 120, interval=0.3,
                   message="the sink file")

        def running():
            body = w.rest("GET", "/connectors?expand=status")[1]
            states = {n: (c["status"]["connector"]["state"], [t["state"] for t in c["status"]["tasks"]])
                      for n, c in body.items()}
            return states == {"dist-source": ("RUNNING", ["RUNNING"]), "dist-sink": ("RUNNING", ["RUNNING"])}
        wait_until(running, 60, interval=0.5, message="both connectors RUNNING")
        # The source's offset reaches the offset topic before the restart.
        wait_until(lambda: len(read_topic(broker.bootstrap, "dist-offsets", 1, "--formatter-property", "print.key=true")) == 1,
                   60, interval=0.5, message="a source offset in dist-offsets")
    finally:
        first_code = w.stop()

    # The cluster's state is in three compacted topics on our broker, sized as Kafka's defaults.
    assert topic_facts(broker.bootstrap, "dist-configs") == (1, "compact")
    assert topic_facts(broker.bootstrap, "dist-offsets") == (25, "compact")
    assert topic_facts(broker.bootstrap, "dist-status") == (5, "compact")
    config_keys = [line.split("\t")[0] for line in
                   read_topic(broker.bootstrap, "dist-configs", 6, "--formatter-property", "print.key=true")]
    assert {"connector-dist-source", "connector-dist-sink", "task-dist-source-0", "task-dist-sink-0"} <= \
        set(config_keys), config_keys
    offsets = read_topic(broker.bootstrap, "dist-offsets", 1, "--formatter-property", "print.key=true")
    key, value = offsets[0].split("\t")
    assert json.loads(key) == ["dist-source", {"filename": str(source_file)}]
    assert json.loads(value) == {"position": len(file_text(source_file))}

    # A new worker of the same cluster reads the connectors back from the topics: no new
    # request, and the source carries on from its stored offset.
    with open(source_file, "a") as f:
        f.write("line 5\n")
    w = Worker("connect-distributed", [props], str(tmp_path), rest_port)
    try:
        w.wait_rest()
        wait_until(lambda: sorted(w.rest("GET", "/connectors")[1]) == ["dist-sink", "dist-source"], 120,
                   interval=0.5, message="the connectors of the stored configuration")
        wait_until(lambda: file_text(sink_file) == "".join(f"line {i}\n" for i in range(6)), 120, interval=0.3,
                   message="the line appended while no worker ran, once")
    finally:
        second_code = w.stop()
    # SIGTERM: Connect's shutdown hook stops the worker; the JVM exits 143 (128 + SIGTERM).
    assert (first_code, second_code) == (143, 143)
    assert read_topic(broker.bootstrap, "dist-lines", 6, "--formatter-property", "print.value=true")[5] == \
        '{"schema":{"type":"string","optional":false},"payload":"line 5"}'
