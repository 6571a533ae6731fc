"""kafka-leader-election (Kafka's LeaderElectionCommand), ours and Apache Kafka's, side by side
(parity.py), on a single broker: --help, the mistakes of the command line and of the JSON file,
elections that are not needed (one broker leads everything it holds), partitions and topics that
do not exist, a broker that is down. Elections that move leaders are tested on a cluster of ours
(cluster_leader_election_test.py).

Kafka prints the partitions of a result in its HashSet's order; ours computes that order."""
import atexit
import json
import os
import shutil
import tempfile

import pytest

from parity import MISSING, Scenario, check, files

T = "kafka-leader-election"
BS = ["--bootstrap-server", "{bootstrap}"]
# A client that gives up on an absent broker in seconds rather than half a minute.
FAST = "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n"

# JSON files named after each run's topic (they name the topic inside).
JSON_DIR = tempfile.mkdtemp(prefix="parity-leader-election-")
atexit.register(shutil.rmtree, JSON_DIR, True)
PER_TOPIC = ["--path-to-json-file", os.path.join(JSON_DIR, "{topic}.json")]


def topic(partitions=3, entries=None):
    """A setup: a topic, and with `entries` ((topic or None, partition) pairs) its JSON file."""
    def setup(side, name):
        side.create_topic(name, partitions)
        if entries is not None:
            doc = {"partitions": [{"topic": t or name, "partition": p} for t, p in entries]}
            with open(os.path.join(JSON_DIR, name + ".json"), "w") as f:
                json.dump(doc, f)
    return setup


def json_file(text):
    return files(election_json=text)


JF = ["--path-to-json-file", "{election_json}"]
PREF = ["--election-type", "preferred"]

SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # Elections on one broker: never needed.
    Scenario("all partitions, preferred", T, [*BS, *PREF, "--all-topic-partitions"], setup=topic()),
    Scenario("all partitions, unclean", T, [*BS, "--election-type", "UNCLEAN", "--all-topic-partitions"],
             setup=topic()),
    Scenario("one partition", T, [*BS, "--election-type", "PREFERRED", "--topic", "{topic}", "--partition", "1"],
             setup=topic()),
    Scenario("one partition, unclean", T, [*BS, "--election-type", "unclean", "--topic", "{topic}",
                                           "--partition", "2"], setup=topic()),
    Scenario("JSON file", T, [*BS, *PREF, *PER_TOPIC], setup=topic(entries=[(None, 1), (None, 0), (None, 2)])),
    Scenario("JSON file with an empty list", T, [*BS, *PREF, *JF], prepare=json_file('{"partitions": []}')),
    Scenario("admin.config", T, [*BS, *PREF, "--all-topic-partitions", "--admin.config", "{cfg}"],
             prepare=files(cfg="client.id=parity\n")),
    Scenario("command-config", T, [*BS, *PREF, "--all-topic-partitions", "--command-config", "{cfg}"],
             prepare=files(cfg="client.id=parity\n")),
    Scenario("extra argument", T, [*BS, *PREF, "--topic", "{topic}", "--partition", "0", "extra"], setup=topic(1)),
    # What does not exist.
    Scenario("missing topic", T, [*BS, *PREF, "--topic", "nope-topic", "--partition", "0"]),
    Scenario("missing partition", T, [*BS, *PREF, "--topic", "{topic}", "--partition", "7"], setup=topic()),
    Scenario("negative partition", T, [*BS, *PREF, "--topic", "{topic}", "--partition", "-1"], setup=topic(1)),
    Scenario("JSON file with missing partitions", T, [*BS, *PREF, *PER_TOPIC],
             setup=topic(entries=[(None, 0), ("nope-topic", 0), (None, 7), (None, 2)])),
    # Mistakes in the command line.
    Scenario("no bootstrap", T, [*PREF, "--all-topic-partitions"], brokers=False),
    Scenario("no election type", T, [*BS, "--all-topic-partitions"], brokers=False),
    Scenario("nothing required", T, ["--all-topic-partitions"], brokers=False),
    Scenario("bad election type", T, [*BS, "--election-type", "fast", "--all-topic-partitions"], brokers=False),
    Scenario("two election types", T, [*BS, *PREF, "--election-type", "unclean", "--all-topic-partitions"],
             brokers=False),
    Scenario("no partitions chosen", T, [*BS, *PREF], brokers=False),
    Scenario("topic and all partitions", T, [*BS, *PREF, "--topic", "t", "--partition", "0",
                                             "--all-topic-partitions"], brokers=False),
    Scenario("topic without partition", T, [*BS, *PREF, "--topic", "t"], brokers=False),
    Scenario("partition without topic", T, [*BS, *PREF, "--partition", "0", "--all-topic-partitions"],
             brokers=False),
    Scenario("partition not a number", T, [*BS, *PREF, "--topic", "t", "--partition", "one"], brokers=False),
    Scenario("typo flag", T, [*BS, *PREF, "--all-partitions"], brokers=False),
    Scenario("missing argument", T, [*BS, *PREF, "--topic"], brokers=False),
    Scenario("both config options", T, [*BS, *PREF, "--all-topic-partitions", "--admin.config", "{cfg}",
                                        "--command-config", "{cfg}"], brokers=False, prepare=files(cfg="")),
    Scenario("missing command config", T, [*BS, *PREF, "--all-topic-partitions", "--command-config", MISSING],
             brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", *PREF, "--all-topic-partitions"],
             brokers=False),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:9", *PREF, "--all-topic-partitions",
                                "--command-config", "{cfg}"], brokers=False, norms=("client_log",),
             prepare=files(cfg=FAST)),
    # Mistakes in the JSON file.
    Scenario("JSON file missing", T, [*BS, *PREF, "--path-to-json-file", MISSING], brokers=False),
    Scenario("JSON file is a directory", T, [*BS, *PREF, "--path-to-json-file", "{dir}"], brokers=False,
             prepare=files()),
    Scenario("empty JSON file", T, [*BS, *PREF, *JF], brokers=False, prepare=json_file("")),
    Scenario("not JSON", T, [*BS, *PREF, *JF], brokers=False, prepare=json_file("t 0\n")),
    Scenario("JSON array", T, [*BS, *PREF, *JF], brokers=False, prepare=json_file("[1]")),
    Scenario("no partitions field", T, [*BS, *PREF, *JF], brokers=False, prepare=json_file('{"version": 1}')),
    Scenario("partitions not a list", T, [*BS, *PREF, *JF], brokers=False,
             prepare=json_file('{"partitions": {"topic": "t"}}')),
    Scenario("entry without topic", T, [*BS, *PREF, *JF], brokers=False,
             prepare=json_file('{"partitions": [{"partition": 0}]}')),
    Scenario("partition as a string", T, [*BS, *PREF, *JF], brokers=False,
             prepare=json_file('{"partitions": [{"topic": "t", "partition": "0"}]}')),
    Scenario("duplicate partitions", T, [*BS, *PREF, *JF], brokers=False,
             prepare=json_file('{"partitions": [{"topic": "t", "partition": 1}, {"topic": "u", "partition": 0},'
                               ' {"topic": "t", "partition": 1}, {"topic": "u", "partition": 0}]}')),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
