"""kafka-broker-api-versions (Kafka's BrokerApiVersionsCommand), ours and Apache Kafka's, side by
side (parity.py): every flag of --help and the usual mistakes. Against each broker both tools
describe that broker, so Kafka's broker and ours list their own APIs, and the two tools must
print the same list for each."""
import pytest

from parity import MISSING, Scenario, check, files

T = "kafka-broker-api-versions"
BS = ["--bootstrap-server", "{bootstrap}"]
# A broker nobody listens on; Kafka's tool names it in its error.
DOWN = ["--bootstrap-server", "127.0.0.1:9"]

SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("describe", T, [*BS]),
    Scenario("command config", T, [*BS, "--command-config", "{cfg}"],
             prepare=files(cfg="request.timeout.ms=20000\nclient.id=parity\n")),
    Scenario("bootstrap listed twice in one flag", T, ["--bootstrap-server", "127.0.0.1:9,{bootstrap}"],
             norms=("client_log",)),
    # Mistakes.
    Scenario("no bootstrap", T, ["--command-config", "x"], brokers=False),
    Scenario("typo flag", T, ["--bootstrapserver", "x"], brokers=False),
    Scenario("missing argument", T, ["--bootstrap-server"], brokers=False),
    Scenario("bootstrap twice", T, ["--bootstrap-server", "a:1", "--bootstrap-server", "b:2"], brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost"], brokers=False),
    Scenario("unresolvable host", T, ["--bootstrap-server", "nohost.invalid:9"], brokers=False,
             norms=("client_log",)),
    Scenario("broker down", T, DOWN, brokers=False, norms=("client_log",)),
    Scenario("broker down, two bootstrap servers", T, ["--bootstrap-server", "127.0.0.1:9,localhost:7"],
             brokers=False, norms=("client_log", "bootstrap_node_order")),
    Scenario("missing command config", T, [*BS, "--command-config", MISSING], brokers=False),
    Scenario("extra argument", T, [*BS, "extra"]),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
