"""kafka-configs (Kafka's ConfigCommand), ours and Apache Kafka's, side by side (parity.py): every
flag of --help, topic and broker configs (one broker and the cluster-wide default) described and
altered, and the usual mistakes on the command line and in the configs given.

Broker configs are shared by every scenario of a side, so a scenario that sets one is followed by
the scenarios that read it and then by one that removes it again; both tools of a side run at the
same time and set the same values. Topic scenarios that alter get a topic per run (fresh)."""
import pytest

from parity import MISSING, Scenario, check, files

T = "kafka-configs"
BS = ["--bootstrap-server", "{bootstrap}"]
# A client that gives up on an absent broker in seconds rather than a minute.
FAST = "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n"


def topic(config=None, partitions=1):
    def setup(side, name):
        side.create_topic(name, partitions, config)
    return setup


CONFIGURED = topic({"cleanup.policy": "compact", "max.message.bytes": "2000"})
TOPIC = ["--entity-type", "topics", "--entity-name", "{topic}"]

SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # Topics.
    Scenario("describe topic", T, [*BS, "--describe", *TOPIC], setup=CONFIGURED),
    Scenario("describe topic shortcut", T, [*BS, "--describe", "--topic", "{topic}"], setup=CONFIGURED),
    Scenario("describe topic without overrides", T, [*BS, "--describe", "--topic", "{topic}"], setup=topic()),
    Scenario("describe missing topic", T, [*BS, "--describe", "--topic", "no-such-topic"]),
    Scenario("describe invalid topic name", T, [*BS, "--describe", "--topic", "bad name!"]),
    Scenario("alter topic add", T, [*BS, "--alter", *TOPIC, "--add-config", "max.message.bytes=3000,cleanup.policy=compact"],
             setup=topic(), fresh=True),
    Scenario("describe topic with a double value", T, [*BS, "--describe", *TOPIC],
             setup=lambda side, name: (side.create_topic(name, 1, {"min.cleanable.dirty.ratio": "0.1"}))),
    Scenario("alter topic list value", T, [*BS, "--alter", "--topic", "{topic}", "--add-config",
                                           "cleanup.policy=[compact,delete]"], setup=topic(), fresh=True),
    Scenario("alter topic spaces", T, [*BS, "--alter", "--topic", "{topic}", "--add-config",
                                       " max.message.bytes = 4000 "], setup=topic(), fresh=True),
    Scenario("alter topic delete", T, [*BS, "--alter", "--topic", "{topic}", "--delete-config",
                                       "cleanup.policy,max.message.bytes"], setup=CONFIGURED, fresh=True),
    Scenario("alter topic delete absent key", T, [*BS, "--alter", "--topic", "{topic}", "--delete-config",
                                                  "segment.ms"], setup=topic(), fresh=True),
    Scenario("alter topic add and delete", T, [*BS, "--alter", "--topic", "{topic}", "--add-config",
                                               "max.message.bytes=5000", "--delete-config", "cleanup.policy"],
             setup=CONFIGURED, fresh=True),
    Scenario("alter topic add-config-file", T, [*BS, "--alter", "--topic", "{topic}", "--add-config-file", "{cfg}"],
             setup=topic(), fresh=True, prepare=files(cfg="max.message.bytes=6000\ncleanup.policy=compact\n")),
    Scenario("alter topic command config", T, [*BS, "--alter", "--topic", "{topic}", "--add-config",
                                               "max.message.bytes=7000", "--command-config", "{cfg}"],
             setup=topic(), fresh=True, prepare=files(cfg="client.id=parity\n")),
    Scenario("alter topic --all", T, [*BS, "--alter", "--all", "--topic", "{topic}", "--add-config",
                                      "max.message.bytes=8000"], setup=topic(), fresh=True),
    # Topic mistakes.
    Scenario("unknown topic config", T, [*BS, "--alter", "--topic", "{topic}", "--add-config", "no.such.config=1"],
             setup=topic()),
    Scenario("bad topic value", T, [*BS, "--alter", "--topic", "{topic}", "--add-config", "retention.ms=abc"],
             setup=topic()),
    Scenario("value below minimum", T, [*BS, "--alter", "--topic", "{topic}", "--add-config", "segment.bytes=1"],
             setup=topic()),
    Scenario("add and delete the same key", T, [*BS, "--alter", "--topic", "{topic}", "--add-config",
                                                "max.message.bytes=9000", "--delete-config", "max.message.bytes"],
             setup=topic()),
    Scenario("alter missing topic", T, [*BS, "--alter", "--topic", "no-such-topic", "--add-config", "retention.ms=1"]),
    Scenario("config without value", T, [*BS, "--alter", "--topic", "{topic}", "--add-config", "retention.ms"],
             setup=topic()),
    Scenario("config with two equals", T, [*BS, "--alter", "--topic", "{topic}", "--add-config", "a=1=2"],
             setup=topic()),
    Scenario("add-config and add-config-file", T, [*BS, "--alter", "--topic", "t", "--add-config", "a=1",
                                                   "--add-config-file", "{cfg}"], brokers=False,
             prepare=files(cfg="a=1\n")),
    Scenario("add-config-file missing", T, [*BS, "--alter", "--topic", "{topic}", "--add-config-file", MISSING],
             setup=topic()),
    # Brokers: set, read, remove (in this order).
    Scenario("describe broker", T, [*BS, "--describe", "--entity-type", "brokers", "--entity-name", "1"]),
    Scenario("describe broker defaults", T, [*BS, "--describe", "--entity-type", "brokers", "--entity-default"]),
    Scenario("describe all brokers", T, [*BS, "--describe", "--entity-type", "brokers"]),
    Scenario("describe topic --all", T, [*BS, "--describe", "--all", "--topic", "{topic}"], setup=CONFIGURED),
    Scenario("describe broker --all", T, [*BS, "--describe", "--all", "--broker", "1"]),
    Scenario("alter broker cleaner threads", T, [*BS, "--alter", "--broker", "1", "--add-config",
                                                 "log.cleaner.threads=2"]),
    Scenario("alter broker default retention", T, [*BS, "--alter", "--entity-type", "brokers", "--entity-default",
                                                   "--add-config", "log.retention.ms=300000,message.max.bytes=2000000"]),
    Scenario("describe broker after alter", T, [*BS, "--describe", "--broker", "1"]),
    Scenario("describe broker defaults after alter", T, [*BS, "--describe", "--broker-defaults"]),
    Scenario("describe topic under broker default", T, [*BS, "--describe", "--topic", "{topic}"],
             setup=topic({"max.message.bytes": "1000"})),
    Scenario("alter broker unknown key", T, [*BS, "--alter", "--broker", "1", "--add-config", "no.such.key=1"]),
    Scenario("describe broker unknown key", T, [*BS, "--describe", "--broker", "1"]),
    Scenario("remove broker configs", T, [*BS, "--alter", "--broker", "1", "--delete-config",
                                          "log.cleaner.threads,no.such.key"]),
    Scenario("remove broker default configs", T, [*BS, "--alter", "--broker-defaults", "--delete-config",
                                                  "log.retention.ms,message.max.bytes"]),
    Scenario("describe broker after removal", T, [*BS, "--describe", "--broker", "1"]),
    # Broker mistakes.
    Scenario("bad broker value", T, [*BS, "--alter", "--broker", "1", "--add-config", "log.cleaner.threads=many"]),
    Scenario("static broker key", T, [*BS, "--alter", "--broker", "1", "--add-config", "log.dirs=/tmp/elsewhere"]),
    Scenario("broker id not a number", T, [*BS, "--describe", "--entity-type", "brokers", "--entity-name", "one"]),
    Scenario("describe absent broker", T, [*BS, "--describe", "--broker", "7"]),
    Scenario("alter absent broker", T, [*BS, "--alter", "--broker", "7", "--add-config", "log.cleaner.threads=2",
                                        "--command-config", "{cfg}"], prepare=files(cfg=FAST),
             norms=("client_log",)),
    Scenario("broker add and delete the same key", T, [*BS, "--alter", "--broker", "1", "--add-config",
                                                       "message.max.bytes=2000000", "--delete-config",
                                                       "message.max.bytes"]),
    Scenario("broker and broker defaults", T, [*BS, "--describe", "--broker", "1", "--broker-defaults"],
             brokers=False),
    # Groups: set, read, remove (in this order); a group is known by its configs or members.
    Scenario("describe absent group", T, [*BS, "--describe", "--group", "parity-no-group"]),
    Scenario("alter group", T, [*BS, "--alter", "--group", "parity-group", "--add-config",
                                "consumer.session.timeout.ms=50000,share.delivery.count.limit=7"]),
    Scenario("describe group", T, [*BS, "--describe", "--entity-type", "groups", "--entity-name", "parity-group"]),
    Scenario("describe group --all", T, [*BS, "--describe", "--all", "--group", "parity-group"]),
    Scenario("remove group configs", T, [*BS, "--alter", "--group", "parity-group", "--delete-config",
                                         "consumer.session.timeout.ms,share.delivery.count.limit"]),
    Scenario("describe group after removal", T, [*BS, "--describe", "--group", "parity-group"]),
    Scenario("unknown group config", T, [*BS, "--alter", "--group", "parity-g", "--add-config", "no.such=1"]),
    Scenario("group config out of range", T, [*BS, "--alter", "--group", "parity-g", "--add-config",
                                              "consumer.session.timeout.ms=1"]),
    Scenario("bad group value", T, [*BS, "--alter", "--group", "parity-g", "--add-config",
                                    "consumer.heartbeat.interval.ms=soon"]),
    Scenario("alter group without name", T, [*BS, "--alter", "--entity-type", "groups", "--add-config", "a=1"],
             brokers=False),
    # Quotas and client metrics (none set on either broker).
    Scenario("describe users", T, [*BS, "--describe", "--entity-type", "users"]),
    Scenario("describe user and client", T, [*BS, "--describe", "--entity-type", "users", "--entity-name", "alice",
                                             "--entity-type", "clients", "--entity-name", "c1"]),
    Scenario("describe user defaults", T, [*BS, "--describe", "--user-defaults"]),
    Scenario("describe ip", T, [*BS, "--describe", "--ip", "10.1.2.3"]),
    Scenario("invalid ip", T, [*BS, "--describe", "--ip", "not..an.ip"], brokers=False),
    Scenario("describe absent client metrics", T, [*BS, "--describe", "--client-metrics", "parity-metrics"]),
    Scenario("describe client metrics", T, [*BS, "--describe", "--entity-type", "client-metrics"]),
    Scenario("unknown client quota", T, [*BS, "--alter", "--client", "c1", "--add-config", "foo=1,bar=2"]),
    Scenario("unknown user config deleted", T, [*BS, "--alter", "--user", "bob", "--delete-config", "foo"]),
    Scenario("bad quota value", T, [*BS, "--alter", "--client", "c1", "--add-config", "producer_byte_rate=fast"]),
    Scenario("unknown ip quota", T, [*BS, "--alter", "--ip", "10.1.2.3", "--add-config", "foo=5"]),
    Scenario("delete absent quota", T, [*BS, "--alter", "--user", "parity-user", "--delete-config",
                                        "producer_byte_rate"]),
    Scenario("describe client defaults", T, [*BS, "--describe", "--client-defaults"]),
    Scenario("describe ip defaults", T, [*BS, "--describe", "--ip-defaults"]),
    Scenario("describe user and client defaults", T, [*BS, "--describe", "--user-defaults", "--client-defaults"]),
    Scenario("alter client defaults unknown key", T, [*BS, "--alter", "--client-defaults", "--add-config", "foo=1"]),
    Scenario("alter ip defaults unknown key", T, [*BS, "--alter", "--ip-defaults", "--add-config", "foo=1"]),
    Scenario("client defaults with a name", T, [*BS, "--describe", "--client-defaults", "--client", "c1"],
             brokers=False),
    Scenario("describe broker logger", T, [*BS, "--describe", "--broker-logger", "1"]),
    Scenario("describe absent broker logger", T, [*BS, "--describe", "--broker-logger", "7"]),
    Scenario("broker logger not a number", T, [*BS, "--describe", "--broker-logger", "one"]),
    Scenario("alter broker logger unknown level", T, [*BS, "--alter", "--broker-logger", "1", "--add-config",
                                                      "root=LOUD"]),
    # Command-line mistakes.
    Scenario("no action", T, [*BS, "--entity-type", "topics"], brokers=False),
    Scenario("both actions", T, [*BS, "--describe", "--alter", "--topic", "t"], brokers=False),
    Scenario("no entity type", T, [*BS, "--describe"], brokers=False),
    Scenario("invalid entity type", T, [*BS, "--describe", "--entity-type", "tables"], brokers=False),
    Scenario("alter without entity name", T, [*BS, "--alter", "--entity-type", "topics", "--add-config", "a=1"],
             brokers=False),
    Scenario("alter brokers without name", T, [*BS, "--alter", "--entity-type", "brokers", "--add-config", "a=1"],
             brokers=False),
    Scenario("alter without configs", T, [*BS, "--alter", "--topic", "t"], brokers=False),
    Scenario("describe with add-config", T, [*BS, "--describe", "--topic", "t", "--add-config", "a=1"],
             brokers=False),
    Scenario("entity default of topics", T, [*BS, "--describe", "--entity-type", "topics", "--entity-default"],
             brokers=False),
    Scenario("two entity types", T, [*BS, "--describe", "--entity-type", "topics", "--entity-type", "brokers"],
             brokers=False),
    Scenario("entity flags mixed", T, [*BS, "--describe", "--entity-type", "topics", "--entity-name", "t",
                                       "--group", "g"], brokers=False),
    Scenario("duplicate entity type", T, [*BS, "--describe", "--entity-type", "topics", "--topic", "t"],
             brokers=False),
    Scenario("more names than types", T, [*BS, "--alter", "--entity-type", "topics", "--entity-name", "a",
                                          "--entity-name", "b", "--add-config", "retention.ms=1"], brokers=False),
    Scenario("describe broker-loggers without name", T, [*BS, "--describe", "--entity-type", "broker-loggers"],
             brokers=False),
    Scenario("topic given twice", T, [*BS, "--describe", "--topic", "a", "--topic", "b"], brokers=False),
    Scenario("no bootstrap", T, ["--describe", "--topic", "t"], brokers=False),
    Scenario("both bootstraps", T, [*BS, "--bootstrap-controller", "{bootstrap}", "--describe", "--topic", "t"],
             brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--describe", "--topic", "t"],
             brokers=False),
    Scenario("typo flag", T, [*BS, "--describe", "--topics", "t"], brokers=False),
    Scenario("missing argument", T, [*BS, "--describe", "--topic"], brokers=False),
    Scenario("missing command config", T, [*BS, "--describe", "--topic", "t", "--command-config", MISSING],
             brokers=False),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:9", "--describe", "--topic", "t",
                                "--command-config", "{cfg}"], brokers=False, prepare=files(cfg=FAST),
             norms=("client_log",)),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
