"""kafka-dump-log --remote-log-metadata-decoder (Kafka's DumpLogSegments reading records of the
remote log metadata topic with RemoteLogMetadataSerde), ours and Apache Kafka's, side by side
(parity.py): both read the SAME files, segments an Apache Kafka broker wrote for two topics:

- "rlmm": values Kafka's own serde serialized (RemoteLogMetadataGen.java, run with Kafka's jars):
  every record type (segment metadata, its update, partition delete, the snapshot record), every
  state, with and without custom metadata, a non-ASCII topic name, extreme numbers;
- "bad": values that do not decode, each in its own way: records Kafka writes but whose values
  its objects refuse (a negative start offset, an unknown state, no leader epochs; from the
  generator), framing and field errors, garbage after a record, tagged fields, a name longer
  than a string may be, malformed UTF-8 in a name, an absent value, a record with a key.

Flags that change the output: shallow, --deep-iteration, --print-data-log,
--skip-record-metadata, --max-bytes, and which decoder wins when several are given. Each run
gets its own copy of the files ({dir}), put back as {dir} before comparing."""
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

import apache_kafka
from parity import Scenario, check

T = "kafka-dump-log"
FIRST = "00000000000000000000"
D = "--remote-log-metadata-decoder"
GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RemoteLogMetadataGen.java")
CAPTURED = {}


def generated():
    """The generator's values: {"valid": [bytes], "rejected": [bytes]}."""
    r = subprocess.run(["java", "-cp", os.path.join(apache_kafka.libs_dir(), "*"), GEN], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = {"valid": [], "rejected": []}
    for line in r.stdout.splitlines():
        group, value = line.split()
        out[group].append(bytes.fromhex(value))
    assert len(out["valid"]) == 13 and len(out["rejected"]) == 10, r.stdout
    return out


def _uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


def delete_record(name, state=0):
    """A RemotePartitionDeleteMetadataRecord (frame 1, api key 2, version 0) for a topic name of
    these bytes: the name, a topic id, partition 4; broker 1, event time 1000, the state."""
    tip = _uvarint(len(name) + 1) + name + bytes(range(16)) + (4).to_bytes(4, "big") + b"\x00"
    return bytes([1, 2, 0]) + tip + (1).to_bytes(4, "big") + (1000).to_bytes(8, "big") + bytes([state, 0])


def malformed(valid):
    """(value, key) pairs that do not decode, or decode only as Kafka's reader allows."""
    segment, delete = valid[0], valid[8]
    assert segment[-1] == 0 and delete[-1] == 0  # no tagged fields
    return [
        (b"", None),  # no bytes at all
        (None, None),  # no value
        (b"hello world", None),  # a topic's record: frame version 104
        (bytes([0, 0, 0]), None),  # frame version 0
        (bytes([2, 0, 0]), None),  # frame version 2
        (bytes([0xff, 0xff, 0xff, 0xff, 0x0f]), None),  # a frame version that is negative as a short
        (bytes([0xff] * 6), None),  # a varint that never ends
        (bytes([1, 9, 0, 0]), None),  # an api key no record has
        (bytes([1, 0x80, 0x80, 0x02, 0]), None),  # an api key beyond a short
        (bytes([1, 0, 0x80, 0x80, 0x80, 0x80, 0x01]), None),  # a version beyond a short (negative as an int)
        (segment[:20], None),  # a segment record cut short
        (delete + b"\x00\x07", None),  # bytes after a record
        (delete[:2] + b"\x01" + delete[3:], None),  # version 1 of a record that has only 0
        (delete[:2] + b"\x05" + delete[3:], None),  # version 5
        (delete[:2] + bytes([0xff, 0xff, 0xff, 0xff, 0x0f]) + delete[3:], None),  # version -1 (as a short)
        (segment[:2] + bytes([0xff, 0xff, 0xff, 0xff, 0x0f]) + segment[3:], None),  # the same for a segment
        (segment[:-1] + bytes([1, 0, 0, 1]), None),  # txnIndexEmpty tagged with size 0: read anyway
        (segment[:-1] + bytes([1, 0, 5, 1]), None),  # ... with size 5: still the one byte
        (segment[:-1] + bytes([2, 0, 1, 1, 0, 1, 0]), None),  # the tag twice: the later wins
        (segment[:-1] + bytes([1, 9, 2, 0xaa, 0xbb]), None),  # a tag it does not know: skipped
        (segment[:-1] + bytes([1, 9, 9, 0xaa]), None),  # ... whose size runs past the end
        (delete_record(b"x" * 32767), None),  # the longest name a string may have
        (delete_record(b"x" * 32768), None),  # one longer
        (delete_record(b"bad\xff\xfe\xc3name\xe2\x82"), None),  # malformed UTF-8 in the name
        (delete_record(b"orders", state=0x80), None),  # a state that is negative as a byte
        (delete, b"a key"),  # a key: not shown
        (bytes([1, 2, 0, 0]), None),  # a delete record whose name is null
        (bytes([1, 0, 0]) + b"\x00" * 10, None),  # a segment record whose name is null
    ]


def produce(bootstrap, topic, pairs):
    """The records, five to a flush: batches of one to five records."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for i, (value, key) in enumerate(pairs):
        p.produce(topic, value, key=key, partition=0)
        if i % 5 == 4:
            assert p.flush(30) == 0
    assert p.flush(30) == 0


@pytest.fixture(scope="module", autouse=True)
def remote_files():
    """An Apache Kafka broker writes the values into two topics; their segments are copied into a
    dir of this module's own; the broker is stopped."""
    from confluent_kafka.admin import AdminClient, NewTopic
    values = generated()
    root = tempfile.mkdtemp(prefix="parity-remote-")
    k = apache_kafka.KafkaBroker()
    k.start()
    try:
        a = AdminClient({"bootstrap.servers": k.bootstrap})
        for f in a.create_topics([NewTopic("rlmm", 1, 1), NewTopic("bad", 1, 1)]).values():
            f.result(30)
        produce(k.bootstrap, "rlmm", [(v, None) for v in values["valid"]])
        produce(k.bootstrap, "bad", [(v, None) for v in values["rejected"]] + malformed(values["valid"]))
        k.proc.send_signal(signal.SIGTERM)
        k.proc.wait(60)
        for t in ("rlmm", "bad"):
            shutil.copytree(os.path.join(k.log_dir, f"{t}-0"), os.path.join(root, t))
        CAPTURED["root"] = root
    finally:
        k.stop()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def copy_files(d):
    """A Scenario's prepare: this run's own copy of the captured segments under {dir}."""
    for sub in ("rlmm", "bad"):
        shutil.copytree(os.path.join(CAPTURED["root"], sub), os.path.join(d, sub))
    return {"{dir}": d}


def scn(name, *args):
    return Scenario(name, T, list(args), brokers=False, prepare=copy_files, norms=("java_uncaught",))


GOOD = f"{{dir}}/rlmm/{FIRST}.log"
BAD = f"{{dir}}/bad/{FIRST}.log"

SCENARIOS = [
    scn("every record type", "--files", GOOD, D),
    scn("every record type, no record metadata", "--files", GOOD, D, "--skip-record-metadata"),
    scn("records that do not decode", "--files", BAD, D),
    scn("records that do not decode, no record metadata", "--files", BAD, D, "--skip-record-metadata"),
    scn("both segments", "--files", f"{GOOD},{BAD}", D),
    scn("max bytes", "--files", GOOD, D, "--max-bytes", "1000"),
    scn("shallow", "--files", GOOD),
    scn("deep iteration without decoder", "--files", GOOD, "--deep-iteration"),
    scn("print data log", "--files", GOOD, "--print-data-log"),
    scn("with a value decoder class", "--files", GOOD, D, "--value-decoder-class",
        "org.apache.kafka.tools.api.LongDecoder"),
    scn("cluster metadata decoder wins", "--files", GOOD, D, "--cluster-metadata-decoder"),
    scn("remote wins over share group state", "--files", GOOD, "--share-group-state-decoder", D),
    scn("offsets decoder wins", "--files", GOOD, D, "--offsets-decoder"),
]


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_parity(s):
    check(s, None)
