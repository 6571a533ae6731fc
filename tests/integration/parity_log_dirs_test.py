"""kafka-log-dirs (Kafka's LogDirsCommand), ours and Apache Kafka's, side by side (parity.py):
every flag of --help and the usual mistakes. Both tools ask the same broker, so the log dir
paths and sizes they print are that broker's."""
import pytest

from parity import MISSING, Scenario, check, files, topic_with_records

T = "kafka-log-dirs"
BS = ["--bootstrap-server", "{bootstrap}"]
D = [*BS, "--describe"]
# A client that gives up on an absent broker in seconds rather than a minute.
FAST = "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n"


SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("describe a topic", T, [*D, "--topic-list", "{topic}"], setup=topic_with_records()),
    Scenario("describe every topic", T, D, setup=topic_with_records()),
    Scenario("topic list with a missing topic", T, [*D, "--topic-list", "{topic},nope-{topic},"],
             setup=topic_with_records()),
    Scenario("topic list of internal topics", T, [*D, "--topic-list", "__consumer_offsets"]),
    Scenario("broker list", T, [*D, "--topic-list", "{topic}", "--broker-list", "1"], setup=topic_with_records()),
    Scenario("broker list of commas", T, [*D, "--topic-list", "{topic}", "--broker-list", ",,"],
             setup=topic_with_records(1, (1,))),
    Scenario("command config", T, [*D, "--topic-list", "{topic}", "--command-config", "{cfg}"],
             setup=topic_with_records(1, (3,)), prepare=files(cfg="client.id=parity\n")),
    # Mistakes.
    Scenario("no describe", T, BS, brokers=False),
    Scenario("no bootstrap", T, ["--describe"], brokers=False),
    Scenario("typo flag", T, [*D, "--topics", "x"], brokers=False),
    Scenario("missing argument", T, [*D, "--topic-list"], brokers=False),
    Scenario("topic list twice", T, [*D, "--topic-list", "a", "--topic-list", "b"]),
    Scenario("missing brokers", T, [*D, "--broker-list", "1,5,7"]),
    Scenario("broker list not numbers", T, [*D, "--broker-list", "x"]),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--describe"], brokers=False),
    Scenario("missing command config", T, [*D, "--command-config", MISSING], brokers=False),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:9", "--describe", "--command-config", "{cfg}"],
             brokers=False, norms=("client_log",), prepare=files(cfg=FAST)),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
