"""kafka-dump-log over a KRaft cluster's metadata log (Kafka's DumpLogSegments with
--cluster-metadata-decoder), ours and Apache Kafka's, side by side (parity.py): both read the
SAME files, taken from an Apache Kafka broker's __cluster_metadata-0 (ours keeps no such log):
a fresh cluster's log and bootstrap snapshot; the log after topics were created (with a
config), altered (topic, broker and client quota configs, a SCRAM credential, an ACL added
and removed), given
partitions and deleted, a transactional producer got its id, and the broker shut down; a
snapshot the controller wrote of all that; a topic's segment read as metadata (every record an
error); a segment this test writes of metadata records that do not decode (Kafka's wording for
each); and with --share-group-state-decoder, a share group's state in __share_group_state-0
after it consumed and acknowledged records. Flags that change the output: shallow, --deep-iteration (control records decoded),
--print-data-log, --skip-record-metadata, --max-bytes. Each run gets its own copy of the
files ({dir}), put back as {dir} before comparing: the only normalization besides parity.py's
defaults and java_uncaught."""
import glob
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time

import pytest

import apache_kafka
from parity import BIN, Scenario, check

T = "kafka-dump-log"
FIRST = "00000000000000000000"
CAPTURED = {}  # name -> dir of files captured from the reference broker
D = "--cluster-metadata-decoder"
# What a fresh cluster and the changes below write (Kafka 4.4), as the decoder names them.
EXPECTED_TYPES = {
    "BEGIN_TRANSACTION_RECORD", "END_TRANSACTION_RECORD", "FEATURE_LEVEL_RECORD", "CONFIG_RECORD",
    "REGISTER_CONTROLLER_RECORD", "REGISTER_BROKER_RECORD", "BROKER_REGISTRATION_CHANGE_RECORD", "NO_OP_RECORD",
    "TOPIC_RECORD", "PARTITION_RECORD", "PARTITION_CHANGE_RECORD", "REMOVE_TOPIC_RECORD", "CLEAR_ELR_RECORD",
    "PRODUCER_IDS_RECORD", "CLIENT_QUOTA_RECORD", "USER_SCRAM_CREDENTIAL_RECORD", "ACCESS_CONTROL_ENTRY_RECORD",
    "REMOVE_ACCESS_CONTROL_ENTRY_RECORD",
}


def _our_tool(name, *args):
    subprocess.run([os.path.join(BIN, name), *args], check=True, capture_output=True, timeout=60)


def _wait_for(pattern, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = glob.glob(pattern)
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"nothing matches {pattern} after {timeout}s")


def _kafka_java(main, *args, timeout=120):
    """Runs one of Kafka's tool classes that parity.py's table does not name (as its bin/*.sh would)."""
    cmd = apache_kafka.tool_command("kafka-configs")
    cmd[cmd.index(apache_kafka.TOOLS["kafka-configs"])] = main
    r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{main}: {r.stdout}{r.stderr}"
    return r


def share_group(k):
    """A share group (sg1, reading from the earliest offset) that consumes and acknowledges five
    records with Kafka's console share consumer: its state in __share_group_state-0."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": k.bootstrap})
    for f in admin.create_topics([NewTopic("s1", 1, 1)]).values():
        f.result(30)
    p = Producer({"bootstrap.servers": k.bootstrap, "linger.ms": 0})
    for i in range(5):
        p.produce("s1", f"v{i}".encode(), partition=0)
    p.flush(30)
    _our_tool("kafka-configs", "--bootstrap-server", k.bootstrap, "--alter", "--entity-type", "groups",
              "--entity-name", "sg1", "--add-config", "share.auto.offset.reset=earliest")
    r = _kafka_java("org.apache.kafka.tools.consumer.ConsoleShareConsumer", "--bootstrap-server", k.bootstrap,
                    "--topic", "s1", "--group", "sg1", "--max-messages", "5", "--timeout-ms", "30000")
    assert r.stdout.split() == [f"v{i}" for i in range(5)], r.stdout + r.stderr


@pytest.fixture(scope="module", autouse=True)
def metadata_files():
    """Runs an Apache Kafka broker through a fresh start and normal use, copying its metadata
    log at each stage into a dir of this module's own; stops it."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
    root = tempfile.mkdtemp(prefix="parity-metadata-")
    # A snapshot a few seconds after the last change, so the test sees one.
    # An authorizer (every client a super user) so that ACLs can be added and removed.
    k = apache_kafka.KafkaBroker({"metadata.log.max.snapshot.interval.ms": "4000",
                                  "share.coordinator.state.topic.num.partitions": "1",
                                  "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                                  "super.users": "User:ANONYMOUS"})
    k.start()
    try:
        meta = os.path.join(k.log_dir, "__cluster_metadata-0")
        time.sleep(1)
        shutil.copytree(meta, os.path.join(root, "fresh"))
        a = AdminClient({"bootstrap.servers": k.bootstrap})
        for f in a.create_topics([NewTopic("foo", 3, 1),
                                  NewTopic("bar", 1, 1, config={"cleanup.policy": "compact"})]).values():
            f.result(30)
        b = k.bootstrap
        _our_tool("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "topics", "--entity-name",
                  "foo", "--add-config", "retention.ms=1000000,max.message.bytes=2000000")
        _our_tool("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "brokers", "--entity-name",
                  "1", "--add-config", "log.cleaner.threads=2")
        _our_tool("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "clients", "--entity-name",
                  "c1", "--add-config", "producer_byte_rate=1024,request_percentage=12.5")
        r = apache_kafka.run_tool("kafka-configs", "--bootstrap-server", b, "--alter", "--entity-type", "users",
                                  "--entity-name", "alice", "--add-config",
                                  "SCRAM-SHA-256=[iterations=8192,password=alice-secret]", timeout=90)
        assert r.returncode == 0, r.stderr
        for action in (["--add"], ["--remove", "--force"]):
            _kafka_java("org.apache.kafka.tools.AclCommand", "--bootstrap-server", b, *action, "--allow-principal",
                        "User:bob", "--operation", "Read", "--topic", "foo")
        for f in a.create_partitions([NewPartitions("foo", 4)]).values():
            f.result(30)
        for f in a.delete_topics(["bar"]).values():
            f.result(30)
        p = Producer({"bootstrap.servers": b, "transactional.id": "t1", "linger.ms": 0})
        p.init_transactions(30)
        p.begin_transaction()
        p.produce("foo", b"x", partition=0)
        p.commit_transaction(30)
        del p
        share_group(k)
        # The controller's first snapshot after the bootstrap one (00000000000000000000-0000000000).
        _wait_for(os.path.join(meta, "*[1-9]*-*.checkpoint"), 30)
        time.sleep(1)
        # A controlled shutdown writes its records too; the dir is copied before it is removed.
        k.proc.send_signal(signal.SIGTERM)
        k.proc.wait(60)
        shutil.copytree(meta, os.path.join(root, "used"))
        shutil.copytree(os.path.join(k.log_dir, "foo-0"), os.path.join(root, "topic"))
        shutil.copytree(os.path.join(k.log_dir, "__share_group_state-0"), os.path.join(root, "share"))
        snaps = sorted(os.path.basename(f) for f in glob.glob(os.path.join(root, "used", "*[1-9]*-*.checkpoint")))
        # The record types the scenarios mean to compare are in the files.
        files = [os.path.join(root, "used", f"{FIRST}.log"), os.path.join(root, "used", snaps[-1])]
        r = subprocess.run([os.path.join(BIN, T), D, "--files", ",".join(files)], capture_output=True, text=True,
                           timeout=60)
        seen = set(re.findall(r'"type":"([A-Z_]+)"', r.stdout))
        assert EXPECTED_TYPES <= seen, f"missing: {EXPECTED_TYPES - seen}"
        # The acknowledgements are there to compare: a ShareUpdate record (type 1) with state batches.
        r = subprocess.run([os.path.join(BIN, T), "--share-group-state-decoder", "--files",
                            os.path.join(root, "share", f"{FIRST}.log")], capture_output=True, text=True, timeout=60)
        assert '"type":"1"' in r.stdout and '"deliveryState":' in r.stdout, r.stdout
        CAPTURED["snapshot"] = snaps[-1]
        CAPTURED["root"] = root
    finally:
        k.stop()
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def _varint(v):
    v = (v << 1) ^ (v >> 63)
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


def malformed_segment(path):
    """One record batch (v2, no key) of metadata record values that do not decode, each in its
    own way, and one of a version Kafka does not know: what the decoder says of each."""
    values = [
        bytes([1, 2, 0, 4]) + b"f",  # a TopicRecord cut short
        bytes([1, 99, 0, 0]),  # an api key no record has
        bytes([1, 20, 0, 0, 7, 7]),  # bytes after a NoOpRecord
        bytes([0, 2, 0]),  # frame version 0
        bytes([1, 20, 5, 0]),  # a NoOpRecord of version 5
        bytes([1, 2, 0, 0]),  # a TopicRecord whose name is null
        bytes([1]),  # nothing after the frame version
        None,  # no value
    ]
    records = b""
    for i, v in enumerate(values):
        body = (b"\x00" + _varint(0) + _varint(i) + _varint(-1) +
                (_varint(len(v)) + v if v is not None else _varint(-1)) + _varint(0))
        records += _varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, 1000, 1000, -1, -1, -1, len(values)) + records
    rest = struct.pack(">ibI", 0, 2, _crc32c(after_crc)) + after_crc
    with open(path, "wb") as f:
        f.write(struct.pack(">qi", 0, len(rest)) + rest)


def copy_files(d):
    """A Scenario's prepare: this run's own copy of the captured files under {dir}."""
    for sub in ("fresh", "used", "topic", "share"):
        shutil.copytree(os.path.join(CAPTURED["root"], sub), os.path.join(d, sub))
    os.makedirs(os.path.join(d, "malformed"))
    malformed_segment(os.path.join(d, "malformed", f"{FIRST}.log"))
    return {"{dir}": d, "{snapshot}": os.path.join(d, "used", CAPTURED["snapshot"])}


def scn(name, *args):
    return Scenario(name, T, list(args), brokers=False, prepare=copy_files, norms=("java_uncaught",))


FRESH_LOG = f"{{dir}}/fresh/{FIRST}.log"
BOOTSTRAP = f"{{dir}}/fresh/{FIRST}-0000000000.checkpoint"
LOG = f"{{dir}}/used/{FIRST}.log"

SCENARIOS = [
    scn("fresh log", "--files", FRESH_LOG, D),
    scn("fresh bootstrap snapshot", "--files", BOOTSTRAP, D),
    scn("log after use", "--files", LOG, D),
    scn("snapshot", "--files", "{snapshot}", D),
    scn("log and snapshot together", "--files", f"{LOG},{{snapshot}}", D),
    scn("skip record metadata", "--files", LOG, D, "--skip-record-metadata"),
    scn("max bytes", "--files", LOG, D, "--max-bytes", "3000"),
    scn("shallow", "--files", LOG),
    scn("print data log", "--files", LOG, "--print-data-log"),
    scn("deep iteration without decoder", "--files", LOG, "--deep-iteration"),
    scn("snapshot deep iteration", "--files", "{snapshot}", "--deep-iteration"),
    scn("offsets decoder wins", "--files", FRESH_LOG, "--offsets-decoder", D),
    scn("a topic's segment as metadata", "--files", f"{{dir}}/topic/{FIRST}.log", D),
    scn("malformed metadata records", "--files", f"{{dir}}/malformed/{FIRST}.log", D),
    scn("share group state", "--files", f"{{dir}}/share/{FIRST}.log", "--share-group-state-decoder"),
    scn("share group state, no record metadata", "--files", f"{{dir}}/share/{FIRST}.log",
        "--share-group-state-decoder", "--skip-record-metadata"),
    scn("a topic's segment as share group state", "--files", f"{{dir}}/topic/{FIRST}.log",
        "--share-group-state-decoder"),
    scn("metadata log as share group state", "--files", FRESH_LOG, "--share-group-state-decoder"),
]


@pytest.mark.parametrize("s", SCENARIOS, ids=lambda s: s.name)
def test_parity(s):
    check(s, None)
