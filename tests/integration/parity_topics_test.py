"""kafka-topics, ours and Apache Kafka's, side by side (parity.py): the notes' command lines,
Kafka's quickstart, every flag of --help, and the usual mistakes."""
import re

import pytest

from parity import Scenario, check, drop_help_rows

T = "kafka-topics"
BS = ["--bootstrap-server", "{bootstrap}"]


def topic(partitions=1, config=None):
    return lambda side, name: side.create_topic(name, partitions, config)


def zookeeper_hint(out, err):
    """Kept on purpose: Kafka 4 only says the option is unknown (with a stack trace); ours also
    says what to type instead."""
    return out, re.sub(r"(?m)^\(Moldau\) .*\n", "", err) + "\n"


# Kept on purpose: our --output json (docs/tools-json.md) is a row Kafka's help lacks.
no_output_flag = drop_help_rows("output")


SCENARIOS = [
    # The notes (001, 004), as typed.
    Scenario("notes create with zookeeper", T, ["--zookeeper", "127.0.0.1:2181", "--topic", "first_topic", "--create",
                                                "--partitions", "3", "--replication-factor", "2"],
             brokers=False, kept=zookeeper_hint),
    Scenario("notes list with zookeeper", T, ["--zookeeper", "127.0.0.1:2181", "--list"], brokers=False, kept=zookeeper_hint),
    Scenario("notes describe with zookeeper", T, ["--zookeeper", "127.0.0.1:2181", "--topic", "first_topic", "--describe"],
             brokers=False, kept=zookeeper_hint),
    Scenario("notes delete with zookeeper", T, ["--zookeeper", "127.0.0.1:2181", "--topic", "first_topic", "--delete"],
             brokers=False, kept=zookeeper_hint),
    Scenario("notes create", T, ["--create", *BS, "--replication-factor", "1", "--partitions", "1", "--topic", "{topic}"],
             fresh=True),
    Scenario("notes create rf 2 on one broker", T, ["--create", *BS, "--topic", "{topic}", "--partitions", "3",
                                                    "--replication-factor", "2"], fresh=True),
    # Kafka's quickstart.
    Scenario("quickstart create", T, ["--create", "--topic", "{topic}", *BS], fresh=True),
    Scenario("quickstart describe", T, ["--describe", "--topic", "{topic}", *BS], setup=topic(), norms=("topic_id",)),
    # Every flag of --help.
    Scenario("help", T, ["--help"], brokers=False, kept=no_output_flag),
    Scenario("no arguments", T, [], brokers=False, kept=no_output_flag),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("list", T, [*BS, "--list", "--exclude-internal"], setup=topic()),
    Scenario("list one", T, [*BS, "--list", "--topic", "{topic}"], setup=topic()),
    # joptsimple ignores a value attached to a flag that takes none.
    Scenario("flag with a value", T, [*BS, "--list=all", "--topic", "{topic}"], setup=topic()),
    Scenario("version with a value", T, ["--version=1"], brokers=False, norms=("version",)),
    Scenario("list regex", T, [*BS, "--list", "--topic", "{topic}|nope.*"], setup=topic()),
    Scenario("describe partitions", T, [*BS, "--describe", "--topic", "{topic}"], setup=topic(3),
             norms=("topic_id",)),
    Scenario("describe configs", T, [*BS, "--describe", "--topic", "{topic}"],
             setup=topic(2, {"cleanup.policy": "compact", "retention.ms": "1000"}), norms=("topic_id",)),
    Scenario("describe with overrides", T, [*BS, "--describe", "--topic", "{topic}", "--topics-with-overrides"],
             setup=topic(1, {"cleanup.policy": "compact"}), norms=("topic_id",)),
    Scenario("describe without overrides", T, [*BS, "--describe", "--topic", "{topic}", "--topics-with-overrides"],
             setup=topic()),
    Scenario("describe under-replicated", T, [*BS, "--describe", "--topic", "{topic}", "--under-replicated-partitions"],
             setup=topic()),
    Scenario("describe unavailable", T, [*BS, "--describe", "--topic", "{topic}", "--unavailable-partitions"],
             setup=topic()),
    Scenario("describe under-min-isr", T, [*BS, "--describe", "--topic", "{topic}", "--under-min-isr-partitions"],
             setup=topic()),
    Scenario("describe at-min-isr", T, [*BS, "--describe", "--topic", "{topic}", "--at-min-isr-partitions"],
             setup=topic(2), norms=("topic_id",)),
    Scenario("describe if-exists missing", T, [*BS, "--describe", "--topic", "nope-{topic}", "--if-exists"]),
    Scenario("describe topic-id unknown", T, [*BS, "--describe", "--topic-id", "AAAAAAAAAAAAAAAAAAAAAQ"]),
    Scenario("describe partition-size-limit", T, [*BS, "--describe", "--topic", "{topic}",
                                                  "--partition-size-limit-per-response", "1"],
             setup=topic(3), norms=("topic_id",)),
    Scenario("create with config", T, [*BS, "--create", "--topic", "{topic}", "--config", "retention.ms=1000",
                                       "--config", "cleanup.policy=compact"], fresh=True),
    Scenario("create replica assignment", T, [*BS, "--create", "--topic", "{topic}", "--replica-assignment", "1,1"],
             fresh=True),
    Scenario("create replica assignment duplicate", T, [*BS, "--create", "--topic", "{topic}",
                                                        "--replica-assignment", "1:1,1"], fresh=True),
    Scenario("create replica assignment with blanks", T, [*BS, "--create", "--topic", "{topic}",
                                                          "--replica-assignment", " 1 ,\t1"], fresh=True),
    Scenario("create replica assignment with a sign", T, [*BS, "--create", "--topic", "{topic}",
                                                           "--replica-assignment", "+1"], fresh=True),
    Scenario("create if-not-exists existing", T, [*BS, "--create", "--topic", "{topic}", "--if-not-exists"],
             setup=topic()),
    Scenario("create existing", T, [*BS, "--create", "--topic", "{topic}"], setup=topic()),
    Scenario("alter partitions", T, [*BS, "--alter", "--topic", "{topic}", "--partitions", "3"], setup=topic(),
             fresh=True),
    Scenario("alter fewer partitions", T, [*BS, "--alter", "--topic", "{topic}", "--partitions", "1"],
             setup=topic(2), fresh=True),
    Scenario("alter if-exists missing", T, [*BS, "--alter", "--topic", "nope-{topic}", "--partitions", "3",
                                            "--if-exists"]),
    Scenario("delete", T, [*BS, "--delete", "--topic", "{topic}"], setup=topic(), fresh=True),
    Scenario("delete if-exists missing", T, [*BS, "--delete", "--topic", "nope-{topic}", "--if-exists"]),
    Scenario("delete-config", T, [*BS, "--alter", "--topic", "{topic}", "--delete-config", "retention.ms"],
             setup=topic()),
    # Mistakes.
    Scenario("typo flag", T, [*BS, "--lst"], brokers=False),
    Scenario("abbreviated flag", T, ["--bootstrap", "127.0.0.1:9", "--list"], brokers=False),
    Scenario("missing argument", T, ["--bootstrap-server"], brokers=False),
    Scenario("two actions", T, [*BS, "--list", "--describe"]),
    Scenario("no action", T, [*BS, "--topic", "x"]),
    Scenario("no bootstrap", T, ["--list"], brokers=False),
    Scenario("create without topic", T, [*BS, "--create"]),
    Scenario("describe missing topic", T, [*BS, "--describe", "--topic", "nope-{topic}"]),
    Scenario("delete missing topic", T, [*BS, "--delete", "--topic", "nope-{topic}"]),
    Scenario("alter without partitions", T, [*BS, "--alter", "--topic", "{topic}"], setup=topic()),
    Scenario("alter with config", T, [*BS, "--alter", "--topic", "{topic}", "--config", "retention.ms=1"],
             setup=topic(), norms=("option_set_order",)),
    Scenario("partitions not a number", T, [*BS, "--create", "--topic", "{topic}", "--partitions", "abc"], fresh=True),
    Scenario("partitions zero", T, [*BS, "--create", "--topic", "{topic}", "--partitions", "0"], fresh=True),
    Scenario("replication factor zero", T, [*BS, "--create", "--topic", "{topic}", "--replication-factor", "0"],
             fresh=True),
    Scenario("invalid regex", T, [*BS, "--describe", "--topic", "[bad"]),
    Scenario("invalid topic name", T, [*BS, "--create", "--topic", "bad/name"]),
    Scenario("conflicting configs", T, [*BS, "--create", "--topic", "{topic}", "--config", "cleanup.policy=compact",
                                        "--config", "cleanup.policy=delete"], fresh=True),
    Scenario("config without value", T, [*BS, "--create", "--topic", "{topic}", "--config", "retention.ms"],
             fresh=True),
    Scenario("unknown config", T, [*BS, "--create", "--topic", "{topic}", "--config", "no.such.config=1"],
             fresh=True),
    Scenario("invalid config value", T, [*BS, "--create", "--topic", "{topic}", "--config", "retention.ms=abc"],
             fresh=True),
    Scenario("partitions with list", T, [*BS, "--list", "--partitions", "3"]),
    Scenario("if-not-exists with describe", T, [*BS, "--describe", "--if-not-exists"]),
    Scenario("replica assignment with partitions", T, [*BS, "--create", "--topic", "x", "--partitions", "1",
                                                       "--replica-assignment", "1"]),
    Scenario("topic twice", T, [*BS, "--describe", "--topic", "a", "--topic", "b"]),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--list"], brokers=False),
    Scenario("missing command config", T, [*BS, "--list", "--command-config", "/nonexistent/admin.properties"]),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:1", "--list", "--command-config", "{cfg}"],
             brokers=False, norms=("client_log",)),
    # Two mistakes at once: the one Kafka reports first.
    *[Scenario(f"combined: {name}", T, args, brokers=brokers) for name, args, brokers in (
        ("bad partitions and factor", [*BS, "--create", "--topic", "combo", "--partitions", "0",
                                       "--replication-factor", "0"], True),
        ("no topic and if-exists", [*BS, "--create", "--partitions", "1", "--if-exists"], False),
        ("describe with partitions and bad name", [*BS, "--describe", "--topic", "bad name!", "--partitions", "2"],
         False),
        # Kafka's admin client is connecting when --partitions is read: against a broker, not port 9.
        ("alter missing topic bad partitions", [*BS, "--alter", "--topic", "no-such", "--partitions", "abc"], True),
        ("two actions and a topic", [*BS, "--list", "--describe", "--topic", "x"], False),
        ("typo and no bootstrap", ["--lst", "--topic", "x"], False),
        ("no port and no topic", ["--bootstrap-server", "localhost", "--create"], False),
        ("delete with if-not-exists", [*BS, "--delete", "--topic", "a", "--if-not-exists"], False),
        ("bad config and assignment with partitions", [*BS, "--create", "--topic", "combo2", "--config", "bad",
                                                       "--replica-assignment", "1", "--partitions", "2"], False),
    )],
]


# Every usage error prints the help, with our --output row.
for _s in SCENARIOS:
    if _s.kept is None:
        _s.kept = no_output_flag


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides, tmp_path):
    if "{cfg}" in scn.args:
        cfg = tmp_path / "admin.properties"
        cfg.write_text("default.api.timeout.ms=3000\nrequest.timeout.ms=1000\n")
        scn = Scenario(**{**scn.__dict__, "args": [str(cfg) if a == "{cfg}" else a for a in scn.args]})
    check(scn, parity_sides)
