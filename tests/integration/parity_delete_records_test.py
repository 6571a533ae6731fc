"""kafka-delete-records (Kafka's DeleteRecordsCommand), ours and Apache Kafka's, side by side
(parity.py): every flag of --help, deletions (with the records left afterwards) and the usual
mistakes in the command line and in the offset JSON file.

Both tools delete on one topic at the same time (not a fresh topic each): a deletion asked twice
ends the same. Kafka prints the partitions' results in an order random per JVM
(partition_line_order)."""
import atexit
import json
import os
import shutil
import tempfile

import pytest

from parity import MISSING, Scenario, check, files, read_records

T = "kafka-delete-records"
BS = ["--bootstrap-server", "{bootstrap}"]
# A client that gives up on an absent broker or topic in seconds rather than a minute.
FAST = "default.api.timeout.ms=3000\nrequest.timeout.ms=2000\n"

# Offset files named after each run's topic (they name the topic inside).
OFFSETS_DIR = tempfile.mkdtemp(prefix="parity-delete-records-")
atexit.register(shutil.rmtree, OFFSETS_DIR, True)
OFFSETS = ["--offset-json-file", os.path.join(OFFSETS_DIR, "{topic}.json")]


def offsets(entries, partitions=3, per_partition=(4, 0, 6), version=1):
    """A setup: a topic with records, and its offset file with (partition, offset) entries."""
    def setup(side, name):
        side.create_topic(name, partitions)
        for p, n in enumerate(per_partition[:partitions]):
            if n:
                side.produce(name, [f"v{i}".encode() for i in range(n)], partition=p)
        doc = {"partitions": [{"topic": t or name, "partition": p, "offset": o} for t, p, o in entries]}
        if version is not None:
            doc["version"] = version
        with open(os.path.join(OFFSETS_DIR, name + ".json"), "w") as f:
            json.dump(doc, f)
    return setup


def left(side, topic):
    return read_records(side, topic)


def json_file(text):
    return files(offsets_json=text)


OF = ["--offset-json-file", "{offsets_json}"]

SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("delete below offsets", T, [*BS, *OFFSETS], setup=offsets([(None, 0, 2), (None, 2, 5)]),
             after=left, norms=("partition_line_order",)),
    Scenario("delete everything (offset -1)", T, [*BS, *OFFSETS],
             setup=offsets([(None, 0, -1), (None, 1, -1), (None, 2, -1)]), after=left,
             norms=("partition_line_order",)),
    Scenario("no version field", T, [*BS, *OFFSETS], setup=offsets([(None, 2, 1)], version=None),
             after=left),
    Scenario("offset at the log end", T, [*BS, *OFFSETS], setup=offsets([(None, 0, 4)]), after=left),
    Scenario("command config", T, [*BS, *OFFSETS, "--command-config", "{cfg}"], setup=offsets([(None, 2, 3)]),
             after=left, prepare=files(cfg="client.id=parity\n")),
    Scenario("no partitions", T, [*BS, *OF], prepare=json_file('{"partitions": [], "version": 1}')),
    # Mistakes.
    Scenario("offset past the end", T, [*BS, *OFFSETS], setup=offsets([(None, 0, 2000), (None, 2, 1)]),
             after=left, norms=("client_log", "partition_line_order")),
    Scenario("negative offset", T, [*BS, *OFFSETS], setup=offsets([(None, 0, -5)]), after=left,
             norms=("client_log",)),
    Scenario("missing topic", T, [*BS, *OFFSETS, "--command-config", "{cfg}"],
             setup=offsets([("nope-topic", 0, 1)]), prepare=files(cfg=FAST), norms=("admin_call_timeout",)),
    Scenario("missing partition", T, [*BS, *OFFSETS, "--command-config", "{cfg}"],
             setup=offsets([(None, 7, 1)]), prepare=files(cfg=FAST), norms=("admin_call_timeout",)),
    Scenario("duplicate partitions", T, [*BS, *OFFSETS],
             setup=offsets([(None, 0, 1), (None, 1, 1), (None, 0, 2), (None, 1, 2), (None, 2, 1)])),
    Scenario("no bootstrap", T, OF, brokers=False, prepare=json_file("{}")),
    Scenario("no offset file", T, BS, brokers=False),
    Scenario("typo flag", T, [*BS, "--offset-json", "x"], brokers=False),
    Scenario("missing argument", T, [*BS, "--offset-json-file"], brokers=False),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", *OF], brokers=False,
             prepare=json_file("{}")),
    Scenario("offset file missing", T, [*BS, "--offset-json-file", MISSING]),
    Scenario("offset file is a directory", T, [*BS, "--offset-json-file", "{dir}"], prepare=files()),
    Scenario("missing command config", T, [*BS, *OF, "--command-config", MISSING], brokers=False,
             prepare=json_file("{}")),
    Scenario("not JSON", T, [*BS, *OF], prepare=json_file("partition 0 offset 3\n")),
    Scenario("empty file", T, [*BS, *OF], prepare=json_file("")),
    Scenario("JSON followed by text", T, [*BS, *OF], prepare=json_file('{"partitions": []} and more')),
    Scenario("extra argument", T, [*BS, *OF, "extra"], prepare=json_file('{"partitions": []}')),
    Scenario("JSON array", T, [*BS, *OF], prepare=json_file("[1, 2]")),
    Scenario("no partitions field", T, [*BS, *OF], prepare=json_file('{"version": 1}')),
    Scenario("version 2", T, [*BS, *OF], prepare=json_file('{"version": 2, "partitions": []}')),
    Scenario("version as a string", T, [*BS, *OF], prepare=json_file('{"version": "1", "partitions": []}')),
    Scenario("partitions not a list", T, [*BS, *OF], prepare=json_file('{"partitions": {"topic": "t"}}')),
    Scenario("entry without partition", T, [*BS, *OF], prepare=json_file('{"partitions": [{"topic": "t", "offset": 1}]}')),
    Scenario("partition as a string", T, [*BS, *OF],
             prepare=json_file('{"partitions": [{"topic": "t", "partition": "0", "offset": 1}]}')),
    Scenario("offset not a whole number", T, [*BS, *OF],
             prepare=json_file('{"partitions": [{"topic": "t", "partition": 0, "offset": 1.5}]}')),
    Scenario("topic as a number", T, [*BS, *OF],
             prepare=json_file('{"partitions": [{"topic": 7, "partition": 0, "offset": 1}]}')),
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:9", *OF, "--command-config", "{cfg}"],
             brokers=False, norms=("client_log",),
             prepare=files(cfg=FAST, offsets_json='{"partitions": [{"topic": "t", "partition": 0, "offset": 1}]}')),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
