"""kafka-console-consumer, ours and Apache Kafka's, side by side (parity.py): the notes' and the
quickstart's command lines, the formatter properties, groups, and the usual mistakes. Every
run is bounded (--max-messages or --timeout-ms)."""
import os
import signal
import time
import re

import pytest

from conftest import java_partition, wait_until

from parity import MISSING, NORMALIZE, Scenario, check, drop_help_rows, files

T = "kafka-console-consumer"
BS = ["--bootstrap-server", "{bootstrap}"]

# A consumer that stops on --timeout-ms reports how many it printed; the timestamps of
# records are those the producer gave them, per run.
NORMALIZE["record_time"] = lambda t: re.sub(r"CreateTime:\d+", "CreateTime:<ts>", t)
# Kafka 4.4's Java consumer advertises its new group protocol (KIP-848), which the tool's
# client, librdkafka 2.0, does not have: a line about the Java client, not about the tool.
# A byte[] prints as its class and identity hash code ([B@1d7acb34), which differs per run.
NORMALIZE["java_identity_hash"] = lambda t: re.sub(r"\[B@[0-9a-f]+", "[B@<hash>", t)
NORMALIZE["kip848_notice"] = lambda t: re.sub(r"(?m)^The consumer rebalance protocol \(KIP-848\) is production-ready!.*\n", "", t)


def records(partitions=1, values=("one", "two", "three"), keys=None):
    def setup(side, name):
        side.create_topic(name, partitions)
        side.produce(name, [v.encode() for v in values],
                     keys=[k.encode() if k is not None else None for k in keys] if keys else None, partition=0)
    return setup


def long_values_and_a_tombstone(side, name):
    """Two 8-byte big-endian longs and a record with a null value."""
    import struct
    from confluent_kafka import Producer
    side.create_topic(name, 1)
    p = Producer({"bootstrap.servers": side.bootstrap, "linger.ms": 0})
    for key, value in ((b"a", struct.pack(">q", 7)), (b"b", struct.pack(">q", -1)), (b"c", None)):
        p.produce(name, value, key=key, partition=0)
    assert p.flush(60) == 0


def text_and_a_tombstone(side, name):
    from confluent_kafka import Producer
    side.create_topic(name, 1)
    p = Producer({"bootstrap.servers": side.bootstrap, "linger.ms": 0})
    for key, value in ((b"a", b"one"), (b"b", None), (b"c", b"three")):
        p.produce(name, value, key=key, partition=0)
    assert p.flush(60) == 0


def binary_values(side, name):
    """A text value and one with a NUL, a byte that is not UTF-8, a backslash and DEL."""
    side.create_topic(name, 1)
    side.produce(name, [b"one", b"t\x00\xffw\"o\\z~\x7f", b"a\xe2\x82z\xe2\x82\xac"], partition=0)


def group_offsets(side, topic):
    """The committed offsets of the scenario's group (named after the topic)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": f"g-{topic}", "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10).topics[topic]
        res = c.committed([TopicPartition(topic, p) for p in sorted(md.partitions)], timeout=30)
        return "".join(f"{tp.topic}-{tp.partition}: {tp.offset}\n" for tp in res)
    finally:
        c.close()


FMT_GROUP, FMT_TXN = "formatter-group", "formatter-txn"


def coordinator_records(side, topic):
    """Offsets committed by group formatter-group, a member that joins and leaves it (group
    metadata), and a committed and an aborted transaction of formatter-txn."""
    import threading
    from confluent_kafka import Consumer, Producer, TopicPartition
    records()(side, topic)
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": FMT_GROUP, "enable.auto.commit": False,
                  "client.id": "formatter-client"})
    try:
        assigned = threading.Event()
        c.subscribe([topic], on_assign=lambda consumer, parts: assigned.set())
        for _ in range(300):
            c.poll(0.1)
            if assigned.is_set():
                break
        assert assigned.is_set()
        c.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    finally:
        c.close()
    p = Producer({"bootstrap.servers": side.bootstrap, "transactional.id": FMT_TXN})
    p.init_transactions(30)
    for commit in (True, False):
        p.begin_transaction()
        p.produce(topic, b"in a transaction", partition=0)
        p.flush(30)
        p.commit_transaction(30) if commit else p.abort_transaction(30)
    # The coordinators finish their writes (group metadata, transaction completion) after the
    # clients' calls return: wait until both partitions stop growing.
    from confluent_kafka import Consumer as C2
    probe = C2({"bootstrap.servers": side.bootstrap, "group.id": "formatter-probe"})
    try:
        last, stable = None, 0
        for _ in range(200):
            marks = [probe.get_watermark_offsets(TopicPartition(t, part), timeout=10)[1]
                     for t, part in (("__consumer_offsets", java_partition(FMT_GROUP, 5)),
                                     ("__transaction_state", java_partition(FMT_TXN, 50)))]
            stable = stable + 1 if marks == last else 0
            last = marks
            if stable >= 5:
                break
            time.sleep(0.2)
    finally:
        probe.close()


FROM_START = ["--from-beginning", "--max-messages", "3"]
STRING_DESERIALIZER = "org.apache.kafka.common.serialization.StringDeserializer"


def internal(topic_name, partition, formatter):
    return [*BS, "--topic", topic_name, "--partition", str(partition), "--offset", "earliest", "--timeout-ms", "3000",
            "--formatter", f"org.apache.kafka.tools.consumer.{formatter}"]


SCENARIOS = [
    # The notes and the quickstart.
    Scenario("notes from-beginning", T, ["--bootstrap-server", "{bootstrap}", "--topic", "{topic}", "--from-beginning",
                                         "--max-messages", "3"], setup=records()),
    Scenario("quickstart", T, ["--topic", "{topic}", "--from-beginning", *BS, "--max-messages", "3"], setup=records()),
    Scenario("notes group", T, [*BS, "--topic", "{topic}", "--group", "g-{topic}", "--from-beginning",
                                "--max-messages", "3"], setup=records(), fresh=True, after=group_offsets),
    # A group commits the position of every assigned partition, also those it read nothing from.
    Scenario("group commits idle partitions", T, [*BS, "--topic", "{topic}", "--group", "g-{topic}",
                                                  "--from-beginning", "--max-messages", "3"],
             setup=records(partitions=3), fresh=True, after=group_offsets),
    Scenario("timeout", T, [*BS, "--topic", "{topic}", "--from-beginning", "--timeout-ms", "3000"], setup=records()),
    Scenario("print key and timestamp", T, [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3",
                                            "--property", "print.key=true", "--property", "print.timestamp=true"],
             setup=records(keys=["a", None, "c"]), norms=("record_time",)),
    Scenario("formatter-property everything", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3",
              "--formatter-property", "print.key=true", "--formatter-property", "print.partition=true",
              "--formatter-property", "print.offset=true", "--formatter-property", "print.headers=true",
              "--formatter-property", "key.separator=|", "--formatter-property", "null.literal=NULL"],
             setup=records(keys=["a", None, "c"])),
    Scenario("partition and offset", T, [*BS, "--topic", "{topic}", "--partition", "0", "--offset", "1",
                                         "--max-messages", "2"], setup=records()),
    # Numbers are read as Long.parseLong reads them: a blank around one is refused.
    Scenario("offset with a blank", T, [*BS, "--topic", "{topic}", "--partition", "0", "--offset", " 1",
                                        "--max-messages", "2"], setup=records()),
    Scenario("timeout with a blank", T, [*BS, "--topic", "{topic}", "--from-beginning", "--timeout-ms", "300 "],
             setup=records()),
    Scenario("offset earliest", T, [*BS, "--topic", "{topic}", "--partition", "0", "--offset", "earliest",
                                    "--max-messages", "3"], setup=records()),
    Scenario("include", T, [*BS, "--include", "{topic}.*", "--from-beginning", "--max-messages", "3"],
             setup=records()),
    # Internal topics are not part of an --include pattern's match (exclude.internal.topics).
    Scenario("include skips internal topics", T, [*BS, "--include", "__consumer_offsets|{topic}", "--from-beginning",
                                                  "--timeout-ms", "5000"], setup=records()),
    Scenario("skip-message-on-error", T, [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3",
                                          "--skip-message-on-error"], setup=records()),
    Scenario("isolation level", T, [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3",
                                    "--isolation-level", "read_committed"], setup=records()),
    Scenario("key deserializer", T, [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3",
                                     "--property", "print.key=true", "--key-deserializer",
                                     "org.apache.kafka.common.serialization.StringDeserializer"],
             setup=records(keys=["a", "b", "c"])),
    # Kafka 4.4's formatters of its coordinators' records, over the internal topics.
    Scenario("offsets formatter", T, internal("__consumer_offsets", java_partition(FMT_GROUP, 5),
                                              "OffsetsMessageFormatter"), setup=coordinator_records),
    Scenario("group metadata formatter", T, internal("__consumer_offsets", java_partition(FMT_GROUP, 5),
                                                     "GroupMetadataMessageFormatter"), setup=coordinator_records),
    Scenario("transaction log formatter", T, internal("__transaction_state", java_partition(FMT_TXN, 50),
                                                      "TransactionLogMessageFormatter"), setup=coordinator_records),
    # Config files and properties of the consumer and the formatter, the value deserializer,
    # and the system tests' events.
    Scenario("command-config", T, [*BS, "--topic", "{topic}", *FROM_START, "--command-config", "{consumer_properties}"],
             setup=records(), prepare=files(consumer_properties="max.poll.records=1\nclient.id=parity-client\n")),
    Scenario("command-property", T, [*BS, "--topic", "{topic}", *FROM_START, "--command-property", "max.poll.records=1",
                                     "--command-property", "client.id=parity-client"], setup=records()),
    # A property the consumer does not know is passed over.
    Scenario("command-property unknown property", T, [*BS, "--topic", "{topic}", *FROM_START, "--command-property",
                                                      "no.such.property=1"], setup=records()),
    # Java names the assignors by class.
    Scenario("command-property assignment strategy", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--command-property",
              "partition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor,"
              "org.apache.kafka.clients.consumer.RangeAssignor"], setup=records()),
    Scenario("command-property over command-config", T,
             [*BS, "--topic", "{topic}", "--max-messages", "3", "--command-config", "{consumer_properties}",
              "--command-property", "auto.offset.reset=earliest"],
             setup=records(), prepare=files(consumer_properties="auto.offset.reset=latest\n")),
    Scenario("consumer-property", T, [*BS, "--topic", "{topic}", *FROM_START, "--consumer-property",
                                      "max.poll.records=1"], setup=records()),
    Scenario("consumer.config", T, [*BS, "--topic", "{topic}", *FROM_START, "--consumer.config",
                                    "{consumer_properties}"],
             setup=records(), prepare=files(consumer_properties="max.poll.records=1\n")),
    Scenario("formatter-config", T, [*BS, "--topic", "{topic}", *FROM_START, "--formatter-config",
                                     "{formatter_properties}"], setup=records(keys=["a", None, "c"]),
             prepare=files(formatter_properties="print.key=true\nkey.separator=|\nnull.literal=NULL\n")),
    # java.util.Properties' syntax: ":" and blanks as separators, \\u escapes, "!" comments,
    # a continued line.
    Scenario("formatter-config in Java's syntax", T, [*BS, "--topic", "{topic}", *FROM_START, "--formatter-config",
                                                     "{formatter_properties}"],
             setup=records(keys=["a", None, "c"]),
             prepare=files(formatter_properties="print.key: true\nkey.separator =\\u007c\n# a comment\n"
                                                "! another\nprint.partition  true\nnull.literal=\\\n  NIL\n")),
    Scenario("formatter-property over formatter-config", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--formatter-config", "{formatter_properties}",
              "--formatter-property", "key.separator=::"], setup=records(keys=["a", None, "c"]),
             prepare=files(formatter_properties="print.key=true\nkey.separator=|\n")),
    Scenario("value deserializer", T, [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer",
                                       STRING_DESERIALIZER], setup=records()),
    Scenario("value deserializer in formatter-config", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--formatter-config", "{formatter_properties}"],
             setup=records(), prepare=files(formatter_properties=f"value.deserializer={STRING_DESERIALIZER}\n")),
    # LongDeserializer refuses a value that is not 8 bytes.
    Scenario("value deserializer refuses", T, [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer",
                                               "org.apache.kafka.common.serialization.LongDeserializer"],
             setup=records()),
    Scenario("value deserializer refuses skipped", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--timeout-ms", "3000", "--skip-message-on-error",
              "--value-deserializer", "org.apache.kafka.common.serialization.LongDeserializer"], setup=records()),
    Scenario("value deserializer Long", T, [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "2",
                                            "--value-deserializer",
                                            "org.apache.kafka.common.serialization.LongDeserializer"],
             setup=long_values_and_a_tombstone),
    # Kafka's formatter deserializes a null value as the null literal's bytes.
    Scenario("value deserializer on a tombstone", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3", "--value-deserializer",
              "org.apache.kafka.common.serialization.LongDeserializer"], setup=long_values_and_a_tombstone),
    Scenario("string deserializer on a tombstone", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--max-messages", "3", "--value-deserializer",
              STRING_DESERIALIZER, "--formatter-property", "null.literal=<none>"], setup=text_and_a_tombstone),
    # Kafka's byte deserializers print what Java's toString() of their object prints.
    Scenario("value deserializer ByteArray", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer",
              "org.apache.kafka.common.serialization.ByteArrayDeserializer"], setup=binary_values,
             norms=("java_identity_hash",)),
    Scenario("value deserializer Bytes", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer",
              "org.apache.kafka.common.serialization.BytesDeserializer"], setup=binary_values),
    Scenario("value deserializer ByteBuffer", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer",
              "org.apache.kafka.common.serialization.ByteBufferDeserializer"], setup=binary_values),
    # StringDeserializer replaces what is not UTF-8.
    Scenario("value deserializer String on bytes", T,
             [*BS, "--topic", "{topic}", *FROM_START, "--value-deserializer", STRING_DESERIALIZER],
             setup=binary_values),
    Scenario("enable-systest-events", T, [*BS, "--topic", "{topic}", *FROM_START, "--enable-systest-events"],
             setup=records()),
    Scenario("enable-systest-events with timeout", T, [*BS, "--topic", "{topic}", "--from-beginning",
                                                       "--timeout-ms", "3000", "--enable-systest-events"],
             setup=records()),
    # Their mistakes.
    Scenario("command-config missing", T, [*BS, "--topic", "t", "--command-config", MISSING], brokers=False),
    Scenario("consumer.config missing", T, [*BS, "--topic", "t", "--consumer.config", MISSING], brokers=False),
    Scenario("command-config is a directory", T, [*BS, "--topic", "t", "--command-config", "{dir}"], brokers=False,
             prepare=files()),
    Scenario("formatter-config missing", T, [*BS, "--topic", "t", "--formatter-config", MISSING], brokers=False),
    Scenario("formatter-config is a directory", T, [*BS, "--topic", "t", "--formatter-config", "{dir}"],
             brokers=False, prepare=files()),
    Scenario("consumer-property and command-property", T,
             [*BS, "--topic", "t", "--consumer-property", "a=b", "--command-property", "a=b"], brokers=False),
    Scenario("consumer.config and command-config", T,
             [*BS, "--topic", "t", "--consumer.config", "{a_properties}", "--command-config", "{b_properties}"],
             brokers=False, prepare=files(a_properties="", b_properties="")),
    Scenario("property and formatter-property", T,
             [*BS, "--topic", "t", "--property", "print.key=true", "--formatter-property", "print.key=true"],
             brokers=False),
    Scenario("group and command-config group", T, [*BS, "--topic", "t", "--group", "g", "--command-config",
                                                   "{consumer_properties}"],
             brokers=False, prepare=files(consumer_properties="group.id=cfg-group\n")),
    Scenario("group and command-property group", T, [*BS, "--topic", "t", "--group", "g", "--command-property",
                                                     "group.id=other"], brokers=False),
    Scenario("three group ids", T, [*BS, "--topic", "t", "--group", "alpha", "--consumer-property",
                                    "group.id=beta", "--consumer.config", "{consumer_properties}"],
             brokers=False, prepare=files(consumer_properties="group.id=gamma\n")),
    Scenario("command-property bad auto.offset.reset", T,
             [*BS, "--topic", "{topic}", "--timeout-ms", "2000", "--command-property", "auto.offset.reset=soon"],
             setup=records()),
    # A property without "=" has an empty value.
    Scenario("command-property without a value", T,
             [*BS, "--topic", "{topic}", "--timeout-ms", "2000", "--command-property", "max.poll.records"],
             setup=records()),
    Scenario("command-config bad number", T,
             [*BS, "--topic", "{topic}", "--timeout-ms", "2000", "--command-config", "{consumer_properties}"],
             setup=records(), prepare=files(consumer_properties="session.timeout.ms=soon\n")),
    Scenario("command-property bad boolean", T,
             [*BS, "--topic", "{topic}", "--timeout-ms", "2000", "--command-property", "enable.auto.commit=yes"],
             setup=records()),
    Scenario("command-property auto.offset.reset and from-beginning", T,
             [*BS, "--topic", "t", "--from-beginning", "--command-property", "auto.offset.reset=latest"], brokers=False),
    Scenario("value deserializer unknown class", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--timeout-ms", "3000", "--value-deserializer",
              "com.example.NoSuchDeserializer"], setup=records()),
    Scenario("key deserializer unknown in formatter-config", T,
             [*BS, "--topic", "{topic}", "--from-beginning", "--timeout-ms", "3000", "--formatter-config",
              "{formatter_properties}"], setup=records(keys=["a", "b", "c"]),
             prepare=files(formatter_properties="print.key=true\nkey.deserializer=com.example.Nope\n"
                                                "value.deserializer=com.example.AlsoNope\n")),
    Scenario("formatter unknown class", T, [*BS, "--topic", "t", "--formatter", "com.example.NoSuchFormatter"],
             brokers=False),
    Scenario("help", T, ["--help"], brokers=False),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # Mistakes.
    Scenario("no arguments", T, [], brokers=False),
    Scenario("from beginning typo", T, [*BS, "--topic", "t", "--from", "beginning"], brokers=False),
    Scenario("no topic", T, [*BS], brokers=False),
    Scenario("no bootstrap", T, ["--topic", "t"], brokers=False),
    Scenario("group and partition", T, [*BS, "--topic", "t", "--group", "g", "--partition", "0"], brokers=False),
    Scenario("offset without partition", T, [*BS, "--topic", "t", "--offset", "1"], brokers=False),
    Scenario("bad offset", T, [*BS, "--topic", "t", "--partition", "0", "--offset", "soon"], brokers=False),
    Scenario("bad max-messages", T, [*BS, "--topic", "t", "--max-messages", "many"], brokers=False),
    Scenario("missing topic with timeout", T, [*BS, "--topic", "nope-{topic}", "--timeout-ms", "2000"]),
    # Two mistakes at once: the one Kafka reports first.
    *[Scenario(f"combined: {name}", T, args, brokers=False) for name, args in (
        ("from-beginning and offset without partition", [*BS, "--topic", "t", "--from-beginning", "--offset", "5"]),
        ("topic and include, group and partition", [*BS, "--topic", "t", "--include", "x", "--group", "g",
                                                    "--partition", "0"]),
        ("two bad numbers", [*BS, "--topic", "t", "--max-messages", "abc", "--timeout-ms", "xyz"]),
        ("bad formatter and property", [*BS, "--topic", "t", "--formatter", "nope", "--property", "print.key=maybe"]),
        ("bad isolation and deserializer", [*BS, "--topic", "t", "--isolation-level", "maybe",
                                            "--key-deserializer", "nope"]),
    )],
]


for _s in SCENARIOS:
    _s.norms = tuple(_s.norms) + ("kip848_notice", "client_log")


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)


def consumer_first(run, side, topic):
    """Kafka's quickstart in the order people type it: the consumer (--from-beginning) on a topic
    that does not exist yet, then the first record. Kafka's consumer asks the broker to create
    the topic when it subscribes, so the topic is there before anything is written, and the
    consumer prints the first record."""
    proc = run(["--topic", topic, "--from-beginning", "--bootstrap-server", side.bootstrap, "--max-messages", "1",
                "--timeout-ms", "30000"])
    try:
        admin = side.admin()
        wait_until(lambda: topic in admin.list_topics(timeout=5).topics, 60,
                   message=f"{topic} created by the consumer's subscription")
        side.produce(topic, [b"first event"])
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


def test_consumer_first_sees_the_first_record(parity_sides):
    import subprocess
    import apache_kafka
    import parity
    for side in parity_sides:
        counts = parity.COUNTS.setdefault(T, [0, 0])
        counts[1] += 1
        side.serial += 1
        results = []
        for who, tag in (("kafka", "k"), ("ours", "o")):
            topic = f"consumer-first-{side.serial}-{tag}"
            if who == "kafka":
                run = lambda args: apache_kafka.popen_tool(T, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            else:
                run = lambda args: subprocess.Popen([os.path.join(parity.BIN, T), *args], stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE, text=True)
            code, out, err = consumer_first(run, side, topic)
            results.append((code, out, parity.normalize(err, parity.DEFAULT_NORMS + ("kip848_notice", "client_log"),
                                                         topic)))
        assert results[0] == (0, "first event\n", results[0][2]), f"[{side.kind}] Kafka's consumer: {results[0]}"
        assert results[1] == results[0], f"[{side.kind}] kafka {results[0]} ours {results[1]}"
        counts[0] += 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_consumer_as_kafkas_does(parity_sides, sig):
    """A consumer with no --max-messages runs until it is stopped: on SIGTERM or SIGINT it leaves
    its group, prints its count, and exits as the JVM does (128 + the signal)."""
    import subprocess
    import apache_kafka
    import parity
    for side in parity_sides:
        counts = parity.COUNTS.setdefault(T, [0, 0])
        counts[1] += 1
        side.serial += 1
        topic = f"signal-{sig.name.lower()}-{side.serial}"
        records()(side, topic)
        results = []
        for who in ("kafka", "ours"):
            args = ["--bootstrap-server", side.bootstrap, "--topic", topic, "--from-beginning"]
            if who == "kafka":
                proc = apache_kafka.popen_tool(T, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            else:
                proc = subprocess.Popen([os.path.join(parity.BIN, T), *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
            try:
                lines = [proc.stdout.readline() for _ in range(3)]  # all three printed: it is polling
                proc.send_signal(sig)
                out, err = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            results.append((proc.returncode, "".join(lines) + out,
                            parity.normalize(err, parity.DEFAULT_NORMS + ("kip848_notice", "client_log"))))
        assert results[0][1] == "one\ntwo\nthree\n", f"[{side.kind}] Kafka's consumer: {results[0]}"
        assert results[1] == results[0], f"[{side.kind}] kafka {results[0]} ours {results[1]}"
        counts[0] += 1
