"""kafka-replica-verification (Kafka's ReplicaVerificationTool), ours and Apache Kafka's, side by
side (parity.py), on a single broker: --help, the mistakes of the command line, runs over a
topic with records (the tool runs until it is stopped: each run gets SIGINT or SIGTERM once it
has printed its first report, and the JVM's exit codes 130 and 143 are expected of ours too),
include regexes, a regex that is invalid or matches nothing, a broker that is down.

Kafka's tool fetches without asking the broker's versions, at the newest Fetch it knows (v17:
topic ids, the replica id in ReplicaState), so it reads our broker only because we serve those.

Every run names its topic in --topics-include: the brokers hold the other scenarios' topics too.
Ours also takes --bootstrap-server and --topic-white-list for Kafka's --broker-list and
--topics-include (kafka_args: Kafka's tool gets its own names). Replicas that agree on a cluster
are tested in cluster_replica_verification_test.py; replicas that differ (the checksum and offset
lines) in tests/unit/ops/replica_verification_test.cpp."""
import signal

import pytest

from parity import Scenario, check, topic_with_records

T = "kafka-replica-verification"
BL = ["--broker-list", "{bootstrap}"]
ONLY = ["--topics-include", "{topic}"]
# A report a second after the start, so that a run ends in seconds.
SOON = ["--report-interval-ms", "1000"]
REPORT = "max lag is"


def records(partitions=3, per_partition=(2, 0, 5)):
    return topic_with_records(partitions, per_partition)


def running(name, args, sig=signal.SIGINT, setup=None, kafka_args=None):
    """A run that reports: stopped with `sig` after its first report."""
    return Scenario(name, T, args, setup=setup or records(), stop_on=REPORT, stop_signal=sig,
                    norms=("report_time",), kafka_args=kafka_args)


SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # Runs over a topic with records, stopped after the first report.
    running("records, latest", [*BL, *ONLY, *SOON]),
    running("records, earliest, SIGTERM", [*BL, *ONLY, *SOON, "--time", "-2"], sig=signal.SIGTERM),
    running("records, small fetches", [*BL, *ONLY, *SOON, "--time", "-2", "--fetch-size", "1", "--max-wait-ms", "200"]),
    running("one partition", [*BL, *ONLY, *SOON, "--time", "-2"], setup=records(1, (7,))),
    running("empty topic", [*BL, *ONLY, *SOON], setup=records(2, (0, 0))),
    running("include list with a comma", [*BL, "--topics-include", "{topic},nothing-else", *SOON]),
    running("include regex", [*BL, "--topics-include", "({topic})?", *SOON]),
    running("extra argument", [*BL, *ONLY, *SOON, "extra"]),
    running("Moldau's option names", ["--bootstrap-server", "{bootstrap}", "--topic-white-list", "{topic}", *SOON],
            kafka_args=[*BL, *ONLY, *SOON]),
    # What matches nothing, and what is not a regex.
    Scenario("regex matching nothing", T, [*BL, "--topics-include", "nothing-matches-this", *SOON], setup=records()),
    Scenario("invalid regex", T, [*BL, "--topics-include", "[", *SOON], setup=records()),
    Scenario("two include regexes", T, [*BL, *ONLY, "--topics-include", "x"], setup=records()),
    # Numbers the tool cannot use (each is read where Kafka's tool reads it: after the metadata).
    Scenario("fetch size not a number", T, [*BL, *ONLY, "--fetch-size", "x"], setup=records()),
    Scenario("max wait too large", T, [*BL, *ONLY, "--max-wait-ms", "2147483648"], setup=records()),
    Scenario("time not a number", T, [*BL, *ONLY, "--time", "1.5"], setup=records()),
    Scenario("report interval not a number", T, [*BL, *ONLY, "--report-interval-ms", "x"], setup=records()),
    Scenario("negative time", T, [*BL, *ONLY, "--time", "-3"], setup=records()),
    Scenario("time without records at or after it", T, [*BL, *ONLY, "--time", "0"], setup=records()),
    # Mistakes in the command line.
    Scenario("unknown flag", T, [*BL, "--bogus"], brokers=False),
    Scenario("missing argument", T, ["--broker-list"], brokers=False),
    Scenario("no broker list", T, [*ONLY], brokers=False),
    Scenario("broker list without port", T, ["--broker-list", "localhost", *ONLY], brokers=False),
    Scenario("empty broker list", T, ["--broker-list", " ", *ONLY], brokers=False),
    # The admin client gives up after its default.api.timeout.ms (60 s).
    Scenario("broker down", T, ["--broker-list", "127.0.0.1:9"], brokers=False, timeout=150,
             norms=("client_log", "repeated_warnings", "admin_call_timeout")),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
