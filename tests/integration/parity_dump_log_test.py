"""kafka-dump-log (Kafka's DumpLogSegments), ours and Apache Kafka's, side by side (parity.py):
both read the same files, written by Apache Kafka's broker and then by ours ({logdir}): a
topic's segment, index and time index (every flag of --help: shallow and deep iteration,
--print-data-log, --skip-record-metadata, --max-bytes, --verify-index-only, --index-sanity-check,
the decoder classes), compressed batches, transactions (control records, the transaction index,
--transaction-log-decoder over __transaction_state), __consumer_offsets with --offsets-decoder
(offset commits and a consumer group's metadata, as JSON), and the usual mistakes."""
import os
import shutil
import struct

import pytest

from conftest import java_partition
from parity import Scenario, check

T = "kafka-dump-log"
SEG = "{logdir}/{topic}-0/00000000000000000000"
LOG, INDEX, TIMEINDEX = SEG + ".log", SEG + ".index", SEG + ".timeindex"
TXN_ID = "parity-txn"


TXN_LOG = f"{{logdir}}/__transaction_state-{java_partition(TXN_ID, 50)}/00000000000000000000.log"
OFFSETS_LOGS = ",".join(f"{{logdir}}/__consumer_offsets-{p}/00000000000000000000.log" for p in range(5))


def settled(side, pattern):
    """Waits until the files `pattern` names (a glob under the side's log dir) stop growing: a
    coordinator finishes its writes (a transaction's completion, a group's metadata) after the
    client's call returned, and both tools must read the same bytes."""
    import glob
    import time
    last, stable_since, deadline = None, time.monotonic(), time.monotonic() + 20
    while time.monotonic() < deadline:
        sizes = sorted((f, os.path.getsize(f)) for f in glob.glob(os.path.join(side.log_dir, pattern)))
        if sizes != last:
            last, stable_since = sizes, time.monotonic()
        elif time.monotonic() - stable_since >= 1.0:
            return
        time.sleep(0.1)


def produce(side, topic, records, **config):
    """Each record in a batch of its own: (key, value, headers)."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": side.bootstrap, "linger.ms": 0, **config})
    for key, value, headers in records:
        p.produce(topic, value, key=key, headers=headers, partition=0)
        assert p.flush(30) == 0


def records(side, topic):
    """Plain records: keys, headers, a tombstone, a multi-byte value."""
    side.create_topic(topic, 1)
    produce(side, topic, [(None, b"first", None), (b"k1", b"second", [("h1", b"x"), ("h2", b"y")]),
                          (b"k2", None, None), (b"k3", "caf\u00e9 \u2603".encode(), None)])
    side.produce(topic, [b"a", b"b", b"c"], partition=0)  # one batch of three


def indexed(side, topic):
    """Batches of about 100 bytes with an index entry every 100 bytes: indexes with entries."""
    side.create_topic(topic, 1, {"index.interval.bytes": "100"})
    produce(side, topic, [(f"k{i}".encode(), f"value {i} ".encode() * 4, None) for i in range(20)])
    settled(side, f"{topic}-0/*")


def compressed(side, topic):
    side.create_topic(topic, 1)
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        produce(side, topic, [(codec.encode(), f"{codec} value".encode(), None)], **{"compression.type": codec})


def numbers(side, topic):
    """8-byte keys and 4-byte values, for the Long and Integer decoders."""
    side.create_topic(topic, 1)
    produce(side, topic, [(struct.pack(">q", 1234567890123), struct.pack(">i", -42), None),
                          (struct.pack(">q", -1), struct.pack(">i", 7), None)])


def transactions(side, topic):
    """One committed and one aborted transaction on the topic (transactional id parity-txn)."""
    from confluent_kafka import Producer
    side.create_topic(topic, 1)
    p = Producer({"bootstrap.servers": side.bootstrap, "transactional.id": TXN_ID, "linger.ms": 0})
    p.init_transactions(30)
    for value, commit in ((b"committed", True), (b"aborted", False)):
        p.begin_transaction()
        p.produce(topic, value, partition=0)
        p.flush(30)
        if commit:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    settled(side, "__transaction_state-*/*.log")
    settled(side, f"{topic}-0/*")


def groups(side, topic):
    """Offsets committed by a group, and a consumer that joins a group and leaves it (group
    metadata: subscription and assignment)."""
    from confluent_kafka import Consumer, TopicPartition
    records(side, topic)
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": f"g-{topic}", "enable.auto.commit": False,
                  "client.id": "parity-client"})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    finally:
        c.close()
    import threading
    assigned = threading.Event()
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": f"m-{topic}", "client.id": "parity-client",
                  "enable.auto.commit": False})
    try:
        c.subscribe([topic], on_assign=lambda consumer, parts: assigned.set())
        for _ in range(300):
            c.poll(0.1)
            if assigned.is_set():
                break
        assert assigned.is_set(), f"no assignment on {side.kind}"
    finally:
        c.close()
    settled(side, "__consumer_offsets-*/*.log")


def odd_files(d):
    """A segment whose name is not an offset, and a file of an unknown kind."""
    with open(os.path.join(d, "foo.log"), "wb") as f:
        f.write(b"")
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("x\n")
    return {"{dir}": d}


SCENARIOS = [
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("no arguments", T, [], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    Scenario("typo flag", T, ["--file", "x.log"], brokers=False),
    Scenario("missing argument", T, ["--files"], brokers=False),
    Scenario("no files", T, ["--print-data-log"], brokers=False),
    # String.split: "," names no file at all, "" one file with an empty name.
    Scenario("files only commas", T, ["--files", ","], brokers=False),
    Scenario("files empty", T, ["--files", ""], brokers=False),
    Scenario("missing file", T, ["--files", "/nonexistent/00000000000000000000.log"], brokers=False),
    Scenario("odd names", T, ["--files", "{dir}/foo.log,{dir}/notes.txt,{dir}/noext"], brokers=False,
             prepare=odd_files),
    Scenario("segment", T, ["--files", LOG], setup=records),
    Scenario("deep iteration", T, ["--files", LOG, "--deep-iteration"], setup=records),
    Scenario("print data", T, ["--files", LOG, "--print-data-log"], setup=records),
    Scenario("skip record metadata", T, ["--files", LOG, "--print-data-log", "--skip-record-metadata"],
             setup=records),
    Scenario("max bytes", T, ["--files", LOG, "--max-bytes", "200", "--deep-iteration"], setup=records),
    Scenario("indexes", T, ["--files", f"{INDEX},{TIMEINDEX}"], setup=records),
    Scenario("indexes verify", T, ["--files", f"{INDEX},{TIMEINDEX}", "--verify-index-only",
                                   "--max-message-size", "1000"], setup=records),
    Scenario("indexes sanity", T, ["--files", f"{INDEX},{TIMEINDEX}", "--index-sanity-check"], setup=records),
    Scenario("indexes with entries", T, ["--files", f"{INDEX},{TIMEINDEX}"], setup=indexed),
    Scenario("indexes with entries verify", T, ["--files", f"{INDEX},{TIMEINDEX}", "--verify-index-only"],
             setup=indexed),
    Scenario("compressed", T, ["--files", LOG, "--print-data-log"], setup=compressed),
    Scenario("decoder classes", T, ["--files", LOG, "--key-decoder-class", "org.apache.kafka.tools.api.LongDecoder",
                                    "--value-decoder-class", "org.apache.kafka.tools.api.IntegerDecoder"],
             setup=numbers),
    Scenario("unknown decoder class", T, ["--files", LOG, "--value-decoder-class", "com.example.NoSuchDecoder"],
             setup=numbers),
    Scenario("bad max bytes", T, ["--files", LOG, "--max-bytes", "lots"], setup=numbers),
    Scenario("transactions", T, ["--files", LOG, "--print-data-log"], setup=transactions),
    Scenario("transaction index", T, ["--files", SEG + ".txnindex"], setup=transactions),
    Scenario("transaction log", T, ["--files", TXN_LOG, "--transaction-log-decoder"], setup=transactions),
    Scenario("offsets decoder", T, ["--files", OFFSETS_LOGS, "--offsets-decoder"], setup=groups),
    Scenario("offsets decoder on a topic", T, ["--files", LOG, "--offsets-decoder"], setup=records),
]

for _s in SCENARIOS:
    _s.norms = tuple(_s.norms) + ("java_uncaught",)


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)
