"""kafka-get-offsets (Kafka's GetOffsetShell), ours and Apache Kafka's, side by side
(parity.py): every flag of --help and the usual mistakes."""
import pytest

from parity import Scenario, check, topic_with_records

T = "kafka-get-offsets"
BS = ["--bootstrap-server", "{bootstrap}"]


SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("latest of a topic", T, [*BS, "--topic", "{topic}"], setup=topic_with_records()),
    Scenario("earliest", T, [*BS, "--topic", "{topic}", "--time", "earliest"], setup=topic_with_records()),
    Scenario("time -1", T, [*BS, "--topic", "{topic}", "--time", "-1"], setup=topic_with_records()),
    Scenario("time -2", T, [*BS, "--topic", "{topic}", "--time", "-2"], setup=topic_with_records()),
    Scenario("time in the future", T, [*BS, "--topic", "{topic}", "--time", "99999999999999"],
             setup=topic_with_records()),
    Scenario("time zero", T, [*BS, "--topic", "{topic}", "--time", "0"], setup=topic_with_records()),
    Scenario("earliest-local", T, [*BS, "--topic", "{topic}", "--time", "earliest-local"],
             setup=topic_with_records(),
             broker_gap={"moldau": "ListOffsets v8 (earliest-local) not served; Kafka's tool needs it, ours answers "
                                   "the log start offset"}),
    Scenario("partitions", T, [*BS, "--topic", "{topic}", "--partitions", "0,2"], setup=topic_with_records()),
    Scenario("topic-partitions range", T, [*BS, "--topic-partitions", "{topic}:1-3"], setup=topic_with_records()),
    Scenario("topic-partitions single", T, [*BS, "--topic-partitions", "{topic}:2"], setup=topic_with_records()),
    Scenario("topic-partitions lower bound", T, [*BS, "--topic-partitions", "{topic}:1-"],
             setup=topic_with_records()),
    Scenario("topic-partitions upper bound", T, [*BS, "--topic-partitions", "{topic}:-1"],
             setup=topic_with_records()),
    Scenario("topic regex", T, [*BS, "--topic", "{topic}.*"], setup=topic_with_records()),
    Scenario("exclude internal", T, [*BS, "--topic", "__consumer_offsets|{topic}", "--exclude-internal-topics"],
             setup=topic_with_records()),
    Scenario("command config", T, [*BS, "--topic", "{topic}", "--command-config", "{cfg}"],
             setup=topic_with_records()),
    # Mistakes.
    Scenario("no bootstrap", T, ["--topic", "x"], brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--topic", "x"], brokers=False),
    Scenario("typo flag", T, [*BS, "--topik", "x"], brokers=False),
    Scenario("missing argument", T, [*BS, "--topic"], brokers=False),
    Scenario("missing topic", T, [*BS, "--topic", "nope-{topic}"]),
    Scenario("malformed time", T, [*BS, "--topic", "{topic}", "--time", "yesterday"], setup=topic_with_records()),
    Scenario("bad partitions", T, [*BS, "--topic", "{topic}", "--partitions", "a,b"], setup=topic_with_records()),
    Scenario("topic-partitions with topic", T, [*BS, "--topic-partitions", "x:1", "--topic", "x"]),
    Scenario("invalid rule", T, [*BS, "--topic-partitions", "x:a-b"]),
    Scenario("invalid regex", T, [*BS, "--topic", "[bad"]),
    # String.split: "" is one empty rule (every topic), "," no rule at all.
    Scenario("empty topic-partitions", T, [*BS, "--topic-partitions", ""], setup=topic_with_records()),
    Scenario("topic-partitions only commas", T, [*BS, "--topic-partitions", ",,"], setup=topic_with_records()),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides, tmp_path):
    if "{cfg}" in scn.args:
        cfg = tmp_path / "client.properties"
        cfg.write_text("request.timeout.ms=20000\n")
        scn = Scenario(**{**scn.__dict__, "args": [str(cfg) if a == "{cfg}" else a for a in scn.args]})
    check(scn, parity_sides)
