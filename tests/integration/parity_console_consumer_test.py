"""kafka-console-consumer, ours and Apache Kafka's, side by side (parity.py): the notes' and the
quickstart's command lines, the formatter properties, groups, and the usual mistakes. Every
run is bounded (--max-messages or --timeout-ms)."""
import os
import signal
import time
import re

import pytest

from conftest import wait_until

from parity import NORMALIZE, Scenario, check, drop_help_rows

T = "kafka-console-consumer"
BS = ["--bootstrap-server", "{bootstrap}"]

# A consumer that stops on --timeout-ms reports how many it printed; the timestamps of
# records are those the producer gave them, per run.
NORMALIZE["record_time"] = lambda t: re.sub(r"CreateTime:\d+", "CreateTime:<ts>", t)
# Kafka 4.4's Java consumer advertises its new group protocol (KIP-848), which the tool's
# client, librdkafka 2.0, does not have: a line about the Java client, not about the tool.
NORMALIZE["kip848_notice"] = lambda t: re.sub(r"(?m)^The consumer rebalance protocol \(KIP-848\) is production-ready!.*\n", "", t)


def records(partitions=1, values=("one", "two", "three"), keys=None):
    def setup(side, name):
        side.create_topic(name, partitions)
        side.produce(name, [v.encode() for v in values],
                     keys=[k.encode() if k is not None else None for k in keys] if keys else None, partition=0)
    return setup


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


def java_partition(key, partitions):
    """Kafka's Utils.abs(key.hashCode()) % partitions: where a group or transaction lives."""
    h = 0
    for c in key:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    return (0 if h == -(1 << 31) else abs(h)) % partitions


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
