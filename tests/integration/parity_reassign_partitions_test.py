"""kafka-reassign-partitions (Kafka's ReassignPartitionsCommand), ours and Apache Kafka's, side by
side (parity.py), on a single broker: --help, every action (a move to the replicas a partition
already has, with and without throttles; --verify, which clears the throttles; --cancel with
nothing in progress; --list; --generate), and the mistakes of the command line and of the JSON
files, a broker id or partition that does not exist, a broker that is down.

Then, on a cluster of two Apache Kafka brokers, moves that really move data (with a throttle, in
progress, cancelled) and --generate, whose proposal Kafka draws from a random start: only there is
the proposed JSON normalized ("proposed_assignment", to its topics, partitions and replica counts);
test_generate_shape and tests/unit/ops/reassign_partitions_test.cpp check ours further. Like
Kafka's tool, ours prints its errors to stdout."""
import atexit
import json
import os
import re
import shutil
import tempfile
import time

import pytest

import apache_kafka
import parity
from parity import MISSING, Scenario, check, files

T = "kafka-reassign-partitions"
BS = ["--bootstrap-server", "{bootstrap}"]
# A client that gives up on an absent broker in seconds rather than a minute.
FAST = "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n"

# Kafka's admin client logs a fatal metadata error once or twice (its retry races the call's
# failure), each time a WARN line (client_log drops it) and the exception's line: one is kept.
parity.NORMALIZE["repeated_client_exception"] = lambda t: re.sub(
    r"(?m)^(org\.apache\.kafka\.common\.errors\.\w+Exception: .*\n)\1+", r"\1", t)

# JSON files named after each run's topic (they name the topic and the side's broker id).
JSON_DIR = tempfile.mkdtemp(prefix="parity-reassign-")
atexit.register(shutil.rmtree, JSON_DIR, True)
# The two sides may name their topics alike, and a file may name the side's log dir: each side's
# files are under JSON_DIR + its log dir's path.
PER_TOPIC = ["--reassignment-json-file", JSON_DIR + "{logdir}/{topic}.json"]
TOPICS_FILE = ["--topics-to-move-json-file", JSON_DIR + "{logdir}/{topic}.topics.json"]


def side_file(side, name):
    d = JSON_DIR + (side.log_dir or "")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def broker_id(side):
    md = side.admin().list_topics(timeout=10)
    return sorted(md.brokers)[0]


def topic(partitions=3, entries=None):
    """A setup: a topic, its --topics-to-move-json-file and, with `entries` ((topic or None,
    partition, replicas or None for the side's broker, extra fields) tuples), its reassignment file."""
    def setup(side, name):
        side.create_topic(name, partitions)
        # A partition has a leader before its log dir exists; the tools print the log dir of
        # each replica, so wait for the dirs.
        deadline = time.monotonic() + 30
        while not all(os.path.isdir(os.path.join(side.log_dir, f"{name}-{p}")) for p in range(partitions)):
            assert time.monotonic() < deadline, f"log dirs of {name} not created on {side.kind}"
            time.sleep(0.05)
        me = broker_id(side)
        with open(side_file(side, name + ".topics.json"), "w") as f:
            json.dump({"version": 1, "topics": [{"topic": name}]}, f)
        if entries is not None:
            parts = []
            for t, p, replicas, extra in entries:
                if extra.get("log_dirs") == "{logdir}":  # the side's own log dir
                    extra = {**extra, "log_dirs": [side.log_dir]}
                parts.append({"topic": t or name, "partition": p, "replicas": [me] if replicas is None else replicas,
                              **extra})
            with open(side_file(side, name + ".json"), "w") as f:
                json.dump({"version": 1, "partitions": parts}, f)
    return setup


def same(*partitions, **extra):
    """Entries that move each partition to the replica it already has."""
    return [(None, p, None, extra) for p in partitions]


def topic_throttles(side, name):
    """`after`: the throttled-replica configs of the run's topic, as the brokers report them once
    they settled: a KRaft broker applies a config change when its metadata image catches up, so
    a read right after the tool may see the value before it (seen under load on two cores)."""
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource("topic", name)
    admin = side.admin()  # kept alive until the future is done

    def read():
        configs = admin.describe_configs([res])[res].result(30)
        return "".join(f"{k}={configs[k].value!r}\n" for k in ("leader.replication.throttled.replicas",
                                                               "follower.replication.throttled.replicas"))
    last, since, deadline = read(), time.monotonic(), time.monotonic() + 15
    while time.monotonic() < deadline and time.monotonic() - since < 1.5:
        time.sleep(0.25)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
    return last


def executed_with_throttle(*partitions):
    """A setup: the topic, moved to the replicas it has by Kafka's tool with a throttle, which
    --verify or --cancel must then clear."""
    base = topic(entries=same(*partitions))

    def setup(side, name):
        base(side, name)
        r = apache_kafka.run_tool(T, "--bootstrap-server", side.bootstrap, "--execute", "--reassignment-json-file",
                                  side_file(side, name + ".json"), "--throttle", "7000", timeout=90)
        assert r.returncode == 0, r.stdout + r.stderr
    return setup


def json_file(text):
    return files(reassign_json=text)


JF = ["--reassignment-json-file", "{reassign_json}"]
ONE = '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]}]}'
# Scenarios that fail before any admin call: Kafka's admin client may still log that the
# absent broker (127.0.0.1:9) does not answer.
OFFLINE = ("client_log",)

SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # The actions on one broker.
    Scenario("list", T, [*BS, "--list"]),
    Scenario("execute, replicas unchanged", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=same(0)),
             fresh=True),
    Scenario("execute, two partitions", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=same(2, 0)),
             fresh=True),
    Scenario("execute with throttle", T, [*BS, "--execute", *PER_TOPIC, "--throttle", "5000"],
             setup=topic(entries=same(0, 1)), fresh=True, after=topic_throttles),
    Scenario("execute with log dir throttle", T, [*BS, "--execute", *PER_TOPIC, "--replica-alter-log-dirs-throttle",
                                                   "100", "--timeout", "5000"],
             setup=topic(entries=same(1, log_dirs=["any"])), fresh=True),
    Scenario("execute to a log dir", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=same(0, log_dirs="{logdir}")),
             fresh=True),
    Scenario("verify a log dir", T, [*BS, "--verify", *PER_TOPIC], setup=topic(entries=same(1, 2, log_dirs="{logdir}"))),
    Scenario("cancel with a log dir", T, [*BS, "--cancel", *PER_TOPIC, "--preserve-throttles"],
             setup=topic(entries=same(1, log_dirs="{logdir}"))),
    Scenario("verify a log dir that is not the replica's", T, [*BS, "--verify", *PER_TOPIC],
             setup=topic(entries=same(0, log_dirs=["/nonexistent-moldau-dir"]))),
    Scenario("execute, disallow replication factor change", T,
             [*BS, "--execute", *PER_TOPIC, "--disallow-replication-factor-change", "--additional"],
             setup=topic(entries=same(0)), fresh=True),
    Scenario("verify", T, [*BS, "--verify", *PER_TOPIC], setup=topic(entries=same(0, 2))),
    Scenario("verify after execute with throttle", T, [*BS, "--verify", *PER_TOPIC],
             setup=executed_with_throttle(0, 2), fresh=True, after=topic_throttles),
    Scenario("cancel after execute with throttle", T, [*BS, "--cancel", *PER_TOPIC],
             setup=executed_with_throttle(1), fresh=True, after=topic_throttles),
    Scenario("verify, preserve throttles", T, [*BS, "--verify", *PER_TOPIC, "--preserve-throttles"],
             setup=topic(entries=same(1))),
    Scenario("verify, other replicas", T, [*BS, "--verify", *PER_TOPIC],
             setup=topic(entries=[(None, 0, [7], {})])),
    Scenario("cancel, nothing in progress", T, [*BS, "--cancel", *PER_TOPIC], setup=topic(entries=same(0))),
    Scenario("cancel, preserve throttles", T, [*BS, "--cancel", *PER_TOPIC, "--preserve-throttles"],
             setup=topic(entries=same(0))),
    Scenario("generate", T, [*BS, "--generate", *TOPICS_FILE, "--broker-list", "1"], setup=topic()),
    Scenario("generate, rack unaware", T, [*BS, "--generate", *TOPICS_FILE, "--broker-list", "1",
                                           "--disable-rack-aware"], setup=topic(2)),
    Scenario("generate, command config", T, [*BS, "--generate", *TOPICS_FILE, "--broker-list", "1",
                                             "--command-config", "{cfg}"], setup=topic(1),
             prepare=files(cfg="client.id=parity\n")),
    # What does not exist.
    Scenario("unknown broker", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=[(None, 0, [7], {})])),
    Scenario("unknown topic", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=[("nope-topic", 0, None, {})])),
    Scenario("unknown partition", T, [*BS, "--execute", *PER_TOPIC], setup=topic(entries=[(None, 9, None, {})])),
    Scenario("generate, unknown topic", T, [*BS, "--generate", "--topics-to-move-json-file", "{topics_json}",
                                            "--broker-list", "1"],
             prepare=files(topics_json='{"version":1,"topics":[{"topic":"nope-topic"}]}')),
    Scenario("generate, unknown broker", T, [*BS, "--generate", *TOPICS_FILE, "--broker-list", "7"], setup=topic()),
    Scenario("verify, unknown topic", T, [*BS, "--verify", *PER_TOPIC],
             setup=topic(entries=[("nope-topic", 0, None, {})])),
    # Mistakes in the command line.
    Scenario("no action", T, [*BS, *JF], brokers=False, prepare=json_file(ONE)),
    Scenario("two actions", T, [*BS, "--execute", "--verify", *JF], brokers=False, prepare=json_file(ONE)),
    Scenario("no bootstrap", T, ["--list"], brokers=False),
    Scenario("both bootstraps", T, [*BS, "--bootstrap-controller", "{bootstrap}", "--list"], brokers=False),
    Scenario("execute without file", T, [*BS, "--execute"], brokers=False),
    Scenario("generate without broker list", T, [*BS, "--generate", "--topics-to-move-json-file", "x.json"],
             brokers=False),
    Scenario("option of another action", T, [*BS, "--execute", *JF, "--broker-list", "1"], brokers=False,
             prepare=json_file(ONE)),
    Scenario("throttle with verify", T, [*BS, "--verify", *JF, "--throttle", "5"], brokers=False,
             prepare=json_file(ONE)),
    Scenario("controller with verify", T, ["--bootstrap-controller", "{bootstrap}", "--verify", *JF], brokers=False,
             prepare=json_file(ONE)),
    Scenario("typo flag", T, [*BS, "--executee"], brokers=False),
    Scenario("missing argument", T, [*BS, "--execute", "--reassignment-json-file"], brokers=False),
    Scenario("bad throttle", T, [*BS, "--execute", *JF, "--throttle", "abc"], brokers=False, norms=OFFLINE,
             prepare=json_file(ONE)),
    Scenario("bad timeout", T, [*BS, "--cancel", *JF, "--timeout", "1.5"], brokers=False, norms=OFFLINE,
             prepare=json_file(ONE)),
    Scenario("bad broker list", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}", "--broker-list", "1,a"],
             brokers=False, norms=OFFLINE, prepare=files(t_json='{"topics":[]}')),
    Scenario("duplicate brokers", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}", "--broker-list",
                                      "1,2,1"], brokers=False, norms=OFFLINE, prepare=files(t_json='{"topics":[]}')),
    Scenario("missing command config", T, [*BS, "--list", "--command-config", MISSING], brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--list"], brokers=False),
    Scenario("bootstrap without value", T, ["--bootstrap-server", "--list"], brokers=False),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:9", "--list", "--command-config", "{cfg}"],
             brokers=False, norms=("client_log", "admin_call_timeout"), prepare=files(cfg=FAST)),
    Scenario("bootstrap controller on a broker", T, ["--bootstrap-controller", "{bootstrap}", "--list"],
             norms=("client_log", "repeated_client_exception")),
    # Mistakes in the JSON files.
    Scenario("JSON file missing", T, [*BS, "--execute", "--reassignment-json-file", MISSING], brokers=False,
             norms=OFFLINE),
    Scenario("JSON file is a directory", T, [*BS, "--verify", "--reassignment-json-file", "{dir}"], brokers=False,
             norms=OFFLINE, prepare=files()),
    Scenario("malformed JSON", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,\n')),
    Scenario("empty JSON file", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE, prepare=json_file("")),
    Scenario("JSON array", T, [*BS, "--verify", *JF], brokers=False, norms=OFFLINE, prepare=json_file("[1]")),
    Scenario("partition as a string", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"partitions":[{"topic":"t","partition":"0","replicas":[1]}]}')),
    Scenario("entry without replicas", T, [*BS, "--cancel", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"partitions":[{"topic":"t","partition":0}]}')),
    Scenario("partitions not a list", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,"partitions":{"a":1}}')),
    Scenario("version 2", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":2,"partitions":[{"topic":"t","partition":0,"replicas":[1]}]}')),
    Scenario("empty partition list", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,"partitions":[]}')),
    Scenario("empty replica list", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[]}]}')),
    Scenario("duplicate partitions", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"partitions":[{"topic":"t","partition":0,"replicas":[1]},'
                               '{"topic":"t","partition":0,"replicas":[1]}]}')),
    Scenario("duplicate replicas", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,1]},'
                               '{"topic":"u","partition":3,"replicas":[4,4]}]}')),
    Scenario("log dirs length mismatch", T, [*BS, "--execute", *JF], brokers=False, norms=OFFLINE,
             prepare=json_file('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],'
                               '"log_dirs":["any","any"]}]}')),
    Scenario("topics file version 2", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}",
                                          "--broker-list", "1"], brokers=False, norms=OFFLINE,
             prepare=files(t_json='{"version":2,"topics":[{"topic":"t"}]}')),
    Scenario("topics file not JSON", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}",
                                         "--broker-list", "1"], brokers=False, norms=OFFLINE,
             prepare=files(t_json="t\n")),
    Scenario("topics file a list", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}",
                                      "--broker-list", "1"], brokers=False, norms=OFFLINE, prepare=files(t_json="[1]")),
    Scenario("duplicate topics", T, [*BS, "--generate", "--topics-to-move-json-file", "{t_json}",
                                     "--broker-list", "1"], brokers=False, norms=OFFLINE,
             prepare=files(t_json='{"topics":[{"topic":"t"},{"topic":"u"},{"topic":"t"}]}')),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)


# --- On a cluster of two Apache Kafka brokers: moves that really move data, and --generate's
# proposal, which Kafka draws from a random start. Kafka's tool and ours run on the same cluster.

# Kafka's --generate proposes the replicas of each partition from a random broker on: the two
# tools' proposals differ by that draw only. The proposal's JSON is rewritten to its shape
# (topics, partitions, the count of replicas); test_generate_shape checks ours further.
parity.NORMALIZE["proposed_assignment"] = lambda t: re.sub(
    r"(?m)(^Proposed partition reassignment configuration\n)(.*)$",
    lambda m: m.group(1) + json.dumps([(p["topic"], p["partition"], len(p["replicas"]), p["log_dirs"])
                                       for p in json.loads(m.group(2))["partitions"]]), t)


@pytest.fixture(scope="module")
def kafka_cluster():
    if not apache_kafka.available():
        raise AssertionError("Apache Kafka's jars are missing: run scripts/setup (it fetches them with Maven)")
    # Followers fetch 10 kB at a time, so that a throttle of 1000 B/s holds a move of 1 MB back
    # from its first fetch on (at the default 1 MB, one fetch would end it).
    small = {"replica.fetch.max.bytes": "10240", "replica.fetch.response.max.bytes": "10240"}
    first = apache_kafka.KafkaBroker(heap="-Xmx512M", overrides=small)
    second = apache_kafka.KafkaBroker(heap="-Xmx512M", node_id=2, controller=first, overrides=small)
    try:
        first.start()
        second.start()
        side = parity.Side("kafka", f"{first.bootstrap},{second.bootstrap}")
        side.controller = f"127.0.0.1:{first.controller_port}"  # the quorum's controller listener
        yield side
    finally:
        second.stop()
        first.stop()


def moved_topic(start=None, partitions=2):
    """A setup: a topic of two partitions with 1 MB of records each, one replica, and a
    reassignment file that moves every partition to the other broker; with `start`, Kafka's tool
    has started that move with a throttle of `start` bytes/s (which keeps it in progress)."""
    def setup(side, name):
        from confluent_kafka import Producer
        from confluent_kafka.admin import NewTopic
        # Placed alike for every run: partition i on broker 1 + i % 2.
        admin = side.admin()
        for f in admin.create_topics([NewTopic(name, partitions, replica_assignment=[[1 + i % 2] for i in range(partitions)])]).values():
            f.result(60)
        deadline = time.monotonic() + 30
        while True:
            t = admin.list_topics(name, timeout=10).topics.get(name)
            if t and t.error is None and len(t.partitions) == partitions and all(
                    q.leader >= 0 for q in t.partitions.values()):
                break
            assert time.monotonic() < deadline, f"topic {name} not ready"
            time.sleep(0.1)
        # Batches of at most 16 kB: a fetch returns at least one whole batch whatever its limit
        # (KIP-74), so one batch of the whole partition (librdkafka's default allows 1 MB)
        # would end a throttled move at its first fetch.
        p = Producer({"bootstrap.servers": side.bootstrap, "linger.ms": 5, "batch.size": 16384})
        for i in range(2000):
            p.produce(name, b"x" * 1000, partition=i % partitions)
        assert p.flush(60) == 0
        md = side.admin().list_topics(name, timeout=10).topics[name]
        parts = [{"topic": name, "partition": i, "replicas": [3 - md.partitions[i].replicas[0]]}
                 for i in range(partitions)]
        path = side_file(side, name + ".json")
        with open(path, "w") as f:
            json.dump({"version": 1, "partitions": parts}, f)
        if start is not None:
            r = apache_kafka.run_tool(T, "--bootstrap-server", side.bootstrap, "--execute", "--additional",
                                      "--reassignment-json-file", path, "--throttle", str(start), timeout=90)
            assert r.returncode == 0, r.stdout + r.stderr
        with open(side_file(side, name + ".topics.json"), "w") as f:
            json.dump({"version": 1, "topics": [{"topic": name}]}, f)
    return setup


CLUSTER_SCENARIOS = [
    Scenario("cluster: generate", T, [*BS, "--generate", *TOPICS_FILE, "--broker-list", "1,2"],
             setup=moved_topic(), norms=("proposed_assignment",)),
    # Other runs' moves may be under way: --additional.
    Scenario("cluster: execute a move with throttle", T, [*BS, "--execute", "--additional", *PER_TOPIC,
                                                           "--throttle", "1000"],
             setup=moved_topic(), fresh=True, after=topic_throttles),
    Scenario("cluster: verify a move in progress", T, [*BS, "--verify", *PER_TOPIC], setup=moved_topic(start=1000),
             fresh=True, after=topic_throttles),
    Scenario("cluster: cancel a move in progress", T, [*BS, "--cancel", *PER_TOPIC], setup=moved_topic(start=1000),
             fresh=True, after=topic_throttles),
    # kafka-topics shows a move in progress: Adding and Removing Replicas, and the replication
    # factor without the replica being added.
    Scenario("cluster: kafka-topics --describe of a move in progress", "kafka-topics",
             [*BS, "--describe", "--topic", "{topic}"], setup=moved_topic(start=1000), fresh=True,
             norms=("topic_id",)),
]


# Defined before the other cluster tests, so that they run first: --list lists every move of the
# cluster, and the moves of the tests after it end at any time (the cancels clear the throttles).
@pytest.mark.parametrize("action", [["--list"], ["--cancel", *PER_TOPIC], ["--cancel", *PER_TOPIC, "--preserve-throttles"]],
                         ids=["list", "cancel", "cancel, preserve throttles"])
def test_parity_through_the_controller(action, kafka_cluster):
    """--bootstrap-controller: every call goes to Kafka's controller listener (Moldau has none:
    its brokers refuse the option as Kafka's do, in the scenarios above). --list shows the move
    the setup started."""
    check(Scenario(f"cluster: bootstrap controller, {' '.join(a for a in action if a.startswith('--'))}", T,
                   ["--bootstrap-controller", kafka_cluster.controller, *action],
                   setup=moved_topic(start=1000 if action == ["--list"] else None)),
          [kafka_cluster])


@pytest.mark.parametrize("scn", CLUSTER_SCENARIOS, ids=lambda s: s.name)
def test_parity_on_a_cluster(scn, kafka_cluster):
    check(scn, [kafka_cluster])


def test_generate_shape(kafka_cluster):
    """Our --generate proposes, for every partition, as many distinct replicas as it has, from the
    broker list, with leaders spread evenly (Kafka's round robin from a random start)."""
    name = "shape-generate"
    moved_topic(partitions=4)(kafka_cluster, name)
    r = parity.run_ours(T, ["--bootstrap-server", kafka_cluster.bootstrap, "--generate", "--broker-list", "2,1",
                            "--topics-to-move-json-file", side_file(kafka_cluster, name + ".topics.json")])
    assert r.code == 0, r.out + r.err
    lines = r.out.splitlines()
    assert lines[0] == "Current partition replica assignment" and lines[3] == "Proposed partition reassignment configuration"
    proposed = json.loads(lines[4])
    assert proposed["version"] == 1
    parts = proposed["partitions"]
    assert [(p["topic"], p["partition"]) for p in parts] == [(name, i) for i in range(4)]
    assert all(len(p["replicas"]) == 1 and p["replicas"][0] in (1, 2) and p["log_dirs"] == ["any"] for p in parts)
    leaders = [p["replicas"][0] for p in parts]
    assert sorted(leaders) == [1, 1, 2, 2] and leaders[0] != leaders[1]
