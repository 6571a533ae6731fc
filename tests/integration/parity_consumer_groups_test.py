"""kafka-consumer-groups (Kafka's ConsumerGroupCommand), ours and Apache Kafka's, side by side
(parity.py): the notes' command lines, every flag of --help (each reset scenario, --dry-run,
--execute, --export, --from-file, the --describe views, --list filters, --validate-regex), and
the usual mistakes (typos, a missing group or topic, bad values, a broker that is down).

Groups: "g-<topic>" has committed offsets and no members (Empty); "live-<topic>" has one
member, a confluent-kafka consumer started by the setup and closed after the scenario."""
import os
import re
import tempfile
import threading
import time

import pytest

from parity import MISSING, NORMALIZE, Scenario, check, drop_help_rows, files

T = "kafka-consumer-groups"
BS = ["--bootstrap-server", "{bootstrap}"]
PLANS = tempfile.mkdtemp(prefix="parity-plans-")

# Kafka names the members of a Set.of (option sets, valid states and types), whose order the
# JVM varies from run to run: such lists are compared sorted.
def _sorted_list(m):
    items = [i.strip("[]") for i in m.group(2).split(", ")]  # "[a], [b]" as well as "a, b"
    return m.group(1) + ", ".join(sorted(items))


NORMALIZE["set_order"] = lambda t: re.sub(
    r"((?:takes one of these options|takes the following options|Valid states are|Valid types are|requires one of the following scenarios): \[?)"
    r"([^\n\]]*(?:\], \[[^\n\]]*)*)", _sorted_list, t)

# The consumers that `live` setups start; closed after each scenario.
LIVE = []
_live_lock = threading.Lock()


def records(side, topic, partitions=3, per_partition=(2, 0, 5)):
    side.create_topic(topic, partitions)
    for p, n in enumerate(per_partition[:partitions]):
        if n:
            side.produce(topic, [f"v{i}".encode() for i in range(n)], partition=p)


def commit(side, group, offsets):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(t, p, o) for t, p, o in offsets], asynchronous=False)
    finally:
        c.close()


def group(side, topic):
    """A topic (3 partitions: 2, 0 and 5 records) and group g-<topic> with offsets 1 and 3
    committed for partitions 0 and 2, no members; and a --from-file plan for it."""
    records(side, topic)
    commit(side, f"g-{topic}", [(topic, 0, 1), (topic, 2, 3)])
    with open(os.path.join(PLANS, f"{topic}.csv"), "w") as f:
        f.write(f"{topic},0,0\n{topic},2,4\n")


def lenient_plan(side, topic):
    """group(), and a plan Kafka's CSV reader forgives: quoted values, a missing offset (0),
    CRLF, blanks around numbers."""
    group(side, topic)
    with open(os.path.join(PLANS, f"{topic}-lenient.csv"), "w") as f:
        f.write(f'"{topic}","0"\r\n{topic}, 1 ,\t2\n')


def live(side, topic):
    """group(), and a group live-<topic> whose one member (client id live-client) owns all
    three partitions until the scenario ends."""
    from confluent_kafka import Consumer
    group(side, topic)
    assigned = threading.Event()
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": f"live-{topic}", "client.id": "live-client",
                  "enable.auto.commit": False, "session.timeout.ms": 30000})
    c.subscribe([topic], on_assign=lambda consumer, parts: assigned.set())
    with _live_lock:
        LIVE.append(c)
    deadline = time.monotonic() + 60
    while not assigned.is_set() and time.monotonic() < deadline:
        c.poll(0.2)
    assert assigned.is_set(), f"live-{topic} got no assignment on {side.kind}"
    # The group is Stable once the assignment is in; heartbeats keep it so.
    wait = time.monotonic() + 30
    admin = side.admin()
    while time.monotonic() < wait:
        if any(g.state == "Stable" for g in admin.list_groups(f"live-{topic}", timeout=10)):
            return
        time.sleep(0.1)
    raise AssertionError(f"live-{topic} not stable on {side.kind}")


def offsets_after(side, topic):
    """The committed offsets of g-<topic> after the command."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": f"g-{topic}", "enable.auto.commit": False})
    try:
        res = c.committed([TopicPartition(topic, p) for p in range(3)], timeout=30)
        return "".join(f"p{tp.partition}: {tp.offset}\n" for tp in res)
    finally:
        c.close()


def groups_after(side, topic):
    """Whether g-<topic> still exists after the command."""
    gs = side.admin().list_groups(timeout=30)
    return f"g-{{topic}} listed: {any(g.id == f'g-{topic}' for g in gs)}\n"


G = ["--group", "g-{topic}"]
LG = ["--group", "live-{topic}"]
RESET = [*BS, *G, "--topic", "{topic}", "--reset-offsets"]

# Kept on purpose: our --output json (docs/tools-json.md) is a row Kafka's help lacks.
no_output_flag = drop_help_rows("output")


def zookeeper_hint(out, err):
    """Kept on purpose: Kafka 4 only says the option is unknown; ours also says what to type."""
    return out, "Error: " + re.sub(r"(?m)^\(Moldau\) .*\n", "", err)


SCENARIOS = [
    # The notes (001), as typed: describe, the typo'd flag, reset to earliest, shift-by.
    Scenario("notes describe", T, [*BS, *G, "--describe"], setup=group),
    Scenario("notes bootrap typo", T, ["--bootrap-server", "localhost:9092", "--group", "group1", "--describe"],
             brokers=False),
    Scenario("notes reset to earliest", T, [*BS, *G, "--topic", "{topic}", "--reset-offsets", "--to-earliest"],
             setup=group),
    Scenario("notes shift-by execute", T, [*RESET, "--shift-by", "-1", "--execute"], setup=group, fresh=True,
             after=offsets_after),
    Scenario("notes zookeeper", T, ["--zookeeper", "127.0.0.1:2181", "--list"], brokers=False, kept=zookeeper_hint),
    # Every flag of --help.
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("list", T, [*BS, "--list"], setup=group),
    Scenario("list state", T, [*BS, "--list", "--state"], setup=group),
    Scenario("list state filter", T, [*BS, "--list", "--state", "stable,EMPTY"], setup=group),
    Scenario("list type", T, [*BS, "--list", "--type", "--state"], setup=group),
    Scenario("list type filter", T, [*BS, "--list", "--type", "consumer"], setup=group),
    Scenario("describe offsets verbose", T, [*BS, *G, "--describe", "--offsets", "--verbose"], setup=group),
    Scenario("describe members", T, [*BS, *G, "--describe", "--members"], setup=group),
    Scenario("describe state verbose", T, [*BS, *G, "--describe", "--state", "--verbose"], setup=group),
    Scenario("describe live", T, [*BS, *LG, "--describe"], setup=live),
    Scenario("describe live members verbose", T, [*BS, *LG, "--describe", "--members", "--verbose"], setup=live),
    Scenario("describe live state", T, [*BS, *LG, "--describe", "--state"], setup=live),
    Scenario("reset to-latest", T, [*RESET, "--to-latest", "--dry-run"], setup=group),
    Scenario("reset to-current all-topics", T, [*BS, *G, "--all-topics", "--reset-offsets", "--to-current",
                                                "--dry-run"], setup=group),
    Scenario("reset to-offset clamped", T, [*RESET, "--to-offset", "1", "--dry-run"], setup=group),
    Scenario("reset shift-by clamped", T, [*BS, *G, "--all-topics", "--reset-offsets", "--shift-by", "-5",
                                           "--dry-run"], setup=group),
    Scenario("reset to-datetime", T, [*RESET, "--to-datetime", "2020-01-01T00:00:00.000", "--dry-run"], setup=group),
    Scenario("reset by-duration", T, [*RESET, "--by-duration", "P1D", "--dry-run"], setup=group),
    Scenario("reset from-file", T, [*BS, *G, "--reset-offsets", "--from-file", os.path.join(PLANS, "{topic}.csv"),
                                    "--dry-run"], setup=group),
    # Plans that cannot be used: missing, malformed, numbers that are not numbers, empty.
    Scenario("reset from-file missing", T, [*BS, *G, "--reset-offsets", "--from-file", MISSING, "--dry-run"],
             setup=group),
    *[Scenario(f"reset from-file {name}", T, [*BS, *G, "--reset-offsets", "--from-file", "{plan}", "--dry-run"],
               setup=group, prepare=files(plan=plan))
      for name, plan in (("bad partition", "t,x,5\n"), ("bad offset", "t,0,five\n"), ("empty", ""),
                         ("newline only", "\n"), ("blank line", "t,0,1\n\nt,1,1\n"),
                         ("other group", "other-group,t,0,1\n"), ("two formats", "t,0,1\nother-group,t,0,1\n"),
                         ("too many values", "g,t,0,1,2\n"), ("int overflow", "g,t,99999999999,1\n"),
                         ("long overflow", "g,t,0,99999999999999999999\n"), ("float", "g,t,1.5,1\n"),
                         ("unterminated quote", 'g,"t,0,1\n'), ("bad offset with group", "g,t,0,abc\n"))],
    Scenario("reset from-file directory", T, [*BS, *G, "--reset-offsets", "--from-file", "{dir}", "--dry-run"],
             setup=group, prepare=files()),
    # What Kafka's reader forgives: quoting, blanks around numbers, a missing offset (0), CRLF.
    Scenario("reset from-file lenient", T, [*BS, *G, "--reset-offsets", "--from-file",
                                            os.path.join(PLANS, "{topic}-lenient.csv"), "--dry-run"],
             setup=lenient_plan),
    Scenario("reset partitions export", T, [*BS, *G, "--topic", "{topic}:0,2", "--reset-offsets", "--to-earliest",
                                            "--dry-run", "--export"], setup=group),
    Scenario("reset execute", T, [*RESET, "--to-earliest", "--execute"], setup=group, fresh=True, after=offsets_after),
    Scenario("reset live group", T, [*BS, *LG, "--topic", "{topic}", "--reset-offsets", "--to-earliest", "--dry-run"],
             setup=live),
    Scenario("reset missing group", T, [*BS, "--group", "nope-{topic}", "--topic", "{topic}", "--reset-offsets",
                                        "--to-earliest", "--dry-run"], setup=group),
    Scenario("delete", T, [*BS, *G, "--delete"], setup=group, fresh=True, after=groups_after),
    Scenario("delete live group", T, [*BS, *LG, "--delete"], setup=live),
    Scenario("delete-offsets", T, [*BS, *G, "--delete-offsets", "--topic", "{topic}"], setup=group, fresh=True,
             after=offsets_after),
    Scenario("delete-offsets partition", T, [*BS, *G, "--delete-offsets", "--topic", "{topic}:2"], setup=group,
             fresh=True, after=offsets_after),
    Scenario("delete-offsets live group", T, [*BS, *LG, "--delete-offsets", "--topic", "{topic}"], setup=live),
    Scenario("validate-regex", T, ["--validate-regex", "topic-.*"], brokers=False),
    Scenario("validate-regex invalid", T, ["--validate-regex", "a(b"], brokers=False),
    # Mistakes.
    Scenario("typo flag", T, [*BS, "--lst"], brokers=False),
    Scenario("missing argument", T, ["--bootstrap-server"], brokers=False),
    Scenario("no bootstrap", T, ["--list"], brokers=False),
    Scenario("no action", T, [*BS, "--group", "g"], brokers=False),
    Scenario("two actions", T, [*BS, "--list", "--validate-regex", "x"], brokers=False),
    Scenario("describe without group", T, [*BS, "--describe"], brokers=False),
    Scenario("members without describe", T, [*BS, "--list", "--members", "--verbose"], brokers=False),
    Scenario("members and state", T, [*BS, "--describe", "--group", "g", "--members", "--state"], brokers=False),
    Scenario("describe state value", T, [*BS, "--describe", "--group", "g", "--state", "Stable"], brokers=False),
    Scenario("group and all-groups", T, [*BS, "--describe", "--group", "g", "--all-groups"], brokers=False),
    Scenario("group with list", T, [*BS, "--list", "--group", "g"], brokers=False),
    Scenario("topic with describe", T, [*BS, "--describe", "--group", "g", "--topic", "t"], brokers=False),
    Scenario("delete with topic", T, [*BS, "--delete", "--group", "g", "--topic", "t"], brokers=False),
    Scenario("delete-offsets without topic", T, [*BS, "--delete-offsets", "--group", "g"], brokers=False),
    Scenario("reset dry-run and execute", T, [*BS, "--reset-offsets", "--group", "g", "--to-earliest", "--dry-run",
                                              "--execute"], brokers=False),
    Scenario("reset two scenarios", T, [*BS, "--reset-offsets", "--group", "g", "--to-earliest", "--to-latest"],
             brokers=False),
    Scenario("reset without scope", T, [*BS, *G, "--reset-offsets", "--to-earliest", "--dry-run"], setup=group),
    Scenario("reset without scenario", T, [*BS, *G, "--all-topics", "--reset-offsets", "--dry-run"], setup=group),
    Scenario("reset shift-by without commit", T, [*RESET, "--shift-by", "1", "--dry-run"], setup=group),
    Scenario("reset missing topic", T, [*BS, *G, "--topic", "nope-{topic}", "--reset-offsets", "--to-earliest",
                                        "--dry-run"], setup=group),
    Scenario("reset missing partition", T, [*BS, *G, "--topic", "{topic}:7", "--reset-offsets", "--to-earliest",
                                            "--dry-run"], setup=group),
    Scenario("reset bad partition", T, [*BS, *G, "--topic", "{topic}:x", "--reset-offsets", "--to-earliest",
                                        "--dry-run"], setup=group),
    # String.split leaves no partition of "t:," (every piece empty), and "t:" names no partitions at all.
    Scenario("reset empty partition list", T, [*BS, *G, "--topic", "{topic}:,", "--reset-offsets", "--to-earliest",
                                               "--dry-run"], setup=group),
    Scenario("reset no partition list", T, [*BS, *G, "--topic", "{topic}:", "--reset-offsets", "--to-earliest",
                                            "--dry-run"], setup=group),
    Scenario("reset bad datetime", T, [*RESET, "--to-datetime", "yesterday", "--dry-run"], setup=group),
    Scenario("reset bad duration", T, [*RESET, "--by-duration", "1h", "--dry-run"], setup=group),
    Scenario("reset bad offset", T, [*BS, "--reset-offsets", "--group", "g", "--all-topics", "--to-offset", "abc"],
             brokers=False),
    Scenario("bad timeout", T, [*BS, "--list", "--timeout", "soon"], brokers=False),
    Scenario("list bad state", T, [*BS, "--list", "--state", "bogus"], brokers=False),
    Scenario("list bad type", T, [*BS, "--list", "--type", "bogus"], brokers=False),
    Scenario("describe missing group", T, [*BS, "--describe", "--group", "nope-{topic}"]),
    Scenario("delete missing group", T, [*BS, "--delete", "--group", "nope-{topic}"]),
    Scenario("delete-offsets missing group", T, [*BS, "--delete-offsets", "--group", "nope-{topic}", "--topic",
                                                 "{topic}"], setup=group),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--list"], brokers=False),
    Scenario("missing command config", T, [*BS, "--list", "--command-config", "/nonexistent/admin.properties"],
             brokers=False),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:1", "--list", "--timeout", "2000"], brokers=False,
             norms=("client_log", "repeated_warnings")),
    # Two mistakes at once: the one Kafka reports first.
    *[Scenario(f"combined: {name}", T, args, brokers=False) for name, args in (
        ("describe and list", [*BS, "--describe", "--list"]),
        ("all-groups and group", [*BS, "--reset-offsets", "--all-groups", "--group", "g", "--to-earliest"]),
        ("delete with topic and execute", [*BS, "--delete", "--group", "g", "--topic", "t", "--execute"]),
        ("members and offsets", [*BS, "--describe", "--group", "g", "--members", "--offsets"]),
        ("bad to-offset and shift-by", [*BS, "--reset-offsets", "--group", "g", "--to-offset", "abc",
                                        "--shift-by", "2"]),
    )],
]

for _s in SCENARIOS:
    _s.norms = tuple(_s.norms) + ("set_order", "java_uncaught", "client_log")
    if _s.kept is None:
        _s.kept = no_output_flag


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    try:
        check(scn, parity_sides)
    finally:
        with _live_lock:
            consumers, LIVE[:] = list(LIVE), []
        for c in consumers:
            c.close()
