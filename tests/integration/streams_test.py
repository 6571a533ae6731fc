"""Kafka Streams (Apache Kafka 4.4.0's runtime) against our broker, on one broker for the module:

* Kafka's quickstart, step by step with our tools: WordCountDemo (Kafka's own example
  application) counts the words typed into streams-plaintext-input, and the console consumer
  prints the counts exactly as the quickstart shows them;
* a stateful application with processing.guarantee=exactly_once_v2 (EosWordCount.java: a
  repartition topic, a state store with its compacted changelog, Streams' transactions), killed
  with SIGKILL while input is still arriving and restarted: a read_committed reader of its
  output sees every count of every word exactly once, in order.
"""
import os
import signal
import struct
import subprocess
import threading
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

import java_programs
from conftest import tool, wait_until

QUICKSTART_LINES = ["all streams lead to kafka", "hello kafka streams", "join kafka summit"]
# What the quickstart says the console consumer prints, one update per word in input order.
QUICKSTART_COUNTS = ["all\t1", "streams\t1", "lead\t1", "to\t1", "kafka\t1", "hello\t1", "kafka\t2",
                     "streams\t2", "join\t1", "kafka\t3", "summit\t1"]


@pytest.fixture(scope="module")
def broker():
    yield from java_programs.module_broker("moldau-streams-")


class JavaApp:
    """A Streams application process; its stdout lines are collected by a thread."""

    def __init__(self, main_class, *args, cwd=None):
        self.proc = java_programs.popen(main_class, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=cwd, start_new_session=True)
        self.lines = []
        self.errors = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.errors), daemon=True).start()

    @staticmethod
    def _pump(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def output(self):
        return "\n".join(self.errors[-40:])

    def wait_state(self, state, timeout=120):
        def reached():
            if self.proc.poll() is not None:
                raise AssertionError(f"the application exited with {self.proc.returncode}:\n{self.output()}")
            return f"state {state}" in self.lines
        wait_until(reached, timeout, interval=0.1, message=f"Streams state {state}")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def test_quickstart_word_count(broker, tmp_path):
    bs = ["--bootstrap-server", broker.bootstrap]
    r = tool("kafka-topics", *bs, "--create", "--topic", "streams-plaintext-input", "--partitions", "1",
             "--replication-factor", "1")
    assert r.returncode == 0, r.stderr
    r = tool("kafka-topics", *bs, "--create", "--topic", "streams-wordcount-output", "--partitions", "1",
             "--replication-factor", "1", "--config", "cleanup.policy=compact")
    assert r.returncode == 0, r.stderr
    # WordCountDemo takes its configuration from a file (it defaults to localhost:9092).
    config = tmp_path / "wordcount.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\nstate.dir={tmp_path / 'state'}\n")
    app = JavaApp("org.apache.kafka.streams.examples.wordcount.WordCountDemo", str(config))
    try:
        r = tool("kafka-console-producer", *bs, "--topic", "streams-plaintext-input",
                 input="".join(line + "\n" for line in QUICKSTART_LINES))
        assert r.returncode == 0, r.stderr
        r = tool("kafka-console-consumer", *bs, "--topic", "streams-wordcount-output", "--from-beginning",
                 "--max-messages", str(len(QUICKSTART_COUNTS)), "--timeout-ms", "120000",
                 "--formatter", "kafka.tools.DefaultMessageFormatter",
                 "--formatter-property", "print.key=true", "--formatter-property", "print.value=true",
                 "--formatter-property", "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
                 "--formatter-property", "value.deserializer=org.apache.kafka.common.serialization.LongDeserializer",
                 timeout=180)
        assert r.returncode == 0, r.stderr + app.output()
        assert r.stdout.splitlines() == QUICKSTART_COUNTS
    finally:
        code = app.stop()
    # SIGTERM: the demo's shutdown hook closes Streams; the JVM exits 143 (128 + SIGTERM).
    assert code == 143, app.output()


WORDS = [f"w{i:02d}" for i in range(20)]


def produce_words(bootstrap, topic, start, count, pause_every=0, pause=0.0, halfway=None):
    """Records start..start+count-1 with value WORDS[i % 20]; returns per-word counts. Sets the
    event `halfway` once half of them are written."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": True})
    counts = defaultdict(int)
    for i in range(start, start + count):
        word = WORDS[i % len(WORDS)]
        p.produce(topic, key=f"k{i}", value=word)
        counts[word] += 1
        if pause_every and (i - start + 1) % pause_every == 0:
            p.flush(30)
            if halfway is not None and i - start + 1 >= count // 2:
                halfway.set()
            time.sleep(pause)
        p.poll(0)
    assert p.flush(60) == 0
    return counts


def read_counts(bootstrap, topic, partitions, isolation):
    """Every record of the output topic up to its end for `isolation`: {word: [counts...]}."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{time.monotonic_ns()}",
                  "enable.auto.commit": False, "isolation.level": isolation, "enable.partition.eof": True})
    try:
        tps = [TopicPartition(topic, p, 0) for p in range(partitions)]
        c.assign(tps)
        ends = {}
        for p in range(partitions):
            _, high = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
            ends[p] = high
        seen = defaultdict(list)
        at_end = {p for p, high in ends.items() if high == 0}
        deadline = time.monotonic() + 60
        while len(at_end) < partitions and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF: the end for this isolation level
                    at_end.add(m.partition())
                    continue
                raise AssertionError(str(m.error()))
            seen[m.key().decode()].append(struct.unpack(">q", m.value())[0])
        return seen
    finally:
        c.close()


def end_offsets(bootstrap, topic, partitions, isolation):
    """Each partition's end for `isolation`: the last stable offset for read_committed, the high
    watermark for read_uncommitted (librdkafka's ListOffsets follows isolation.level)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "end-offsets", "isolation.level": isolation})
    try:
        return [c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)]
    finally:
        c.close()


def freeze_in_open_transaction(app, bootstrap, topic, partitions):
    """Stops the process and keeps it stopped if a transaction of it holds records in `topic`;
    lets it run on otherwise."""
    app.proc.send_signal(signal.SIGSTOP)
    stable = end_offsets(bootstrap, topic, partitions, "read_committed")
    high = end_offsets(bootstrap, topic, partitions, "read_uncommitted")
    if any(s < h for s, h in zip(stable, high)):
        return True
    app.proc.send_signal(signal.SIGCONT)
    return False


def topic_configs(bootstrap, topic):
    r = tool("kafka-topics", "--bootstrap-server", bootstrap, "--describe", "--topic", topic)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    configs = first.split("Configs: ", 1)[1] if "Configs: " in first else ""
    partitions = int(first.split("PartitionCount: ")[1].split()[0])
    return partitions, dict(kv.split("=", 1) for kv in configs.split(",") if kv)


def test_exactly_once_survives_sigkill(broker, tmp_path):
    bs = broker.bootstrap
    app_id = "eos-count"
    for topic in ("eos-input", "eos-output"):
        r = tool("kafka-topics", "--bootstrap-server", bs, "--create", "--topic", topic, "--partitions", "3",
                 "--replication-factor", "1")
        assert r.returncode == 0, r.stderr
    state_dir = str(tmp_path / "state")
    args = (bs, app_id, state_dir, "eos-input", "eos-output")
    expected = defaultdict(int)

    def add(counts):
        for w, n in counts.items():
            expected[w] += n

    add(produce_words(bs, "eos-input", 0, 2000))
    app = JavaApp("EosWordCount", *args)
    try:
        app.wait_state("RUNNING")
        wait_until(lambda: sum(len(v) for v in read_counts(bs, "eos-output", 3, "read_committed").values()) >= 500,
                   120, interval=0.5, message="the first committed counts")
        # More input arrives, slowly (100 records every 0.2 s), and the application is killed
        # halfway through it: mid-stream, with a transaction of its most likely open.
        feeder_counts = {}
        halfway = threading.Event()
        feeder = threading.Thread(target=lambda: feeder_counts.update(
            produce_words(bs, "eos-input", 2000, 2000, pause_every=100, pause=0.2, halfway=halfway)))
        feeder.start()
        assert halfway.wait(120), "the second batch did not get halfway"
        # Killed inside a transaction that has output in the log: frozen (SIGSTOP) until one is
        # seen open (an output partition's last stable offset below its high watermark).
        wait_until(lambda: freeze_in_open_transaction(app, bs, "eos-output", 3), 60, interval=0.05,
                   message="the application in an open transaction")
        app.stop(signal.SIGKILL)
        assert feeder.is_alive(), "the input was complete before the kill; the test proves nothing"
        feeder.join(120)
        add(feeder_counts)
    finally:
        app.stop(signal.SIGKILL)
    add(produce_words(bs, "eos-input", 4000, 1000))

    app = JavaApp("EosWordCount", *args)
    try:
        app.wait_state("RUNNING", timeout=180)

        def done():
            seen = read_counts(bs, "eos-output", 3, "read_committed")
            return seen if {w: (v[-1] if v else 0) for w, v in seen.items()} == dict(expected) else None
        seen = wait_until(done, 180, interval=1, message="the final counts of every word")
    finally:
        code = app.stop()
    assert code == 143, app.output()  # closed by its shutdown hook on SIGTERM

    # Exactly once: each word's counts are 1, 2, ..., n with no repeat and no gap.
    assert sum(expected.values()) == 5000
    for word, n in expected.items():
        assert seen[word] == list(range(1, n + 1)), word
    # What the killed transaction wrote is in the log, aborted: read_uncommitted sees it too.
    uncommitted = read_counts(bs, "eos-output", 3, "read_uncommitted")
    assert sum(len(v) for v in uncommitted.values()) > 5000

    # Streams' internal topics, created through our broker: the repartition topic (deletable
    # once processed) and the state store's changelog (compacted).
    parts, repartition = topic_configs(bs, f"{app_id}-by-word-repartition")
    assert parts == 3 and repartition.get("cleanup.policy") == "delete", repartition
    parts, changelog = topic_configs(bs, f"{app_id}-word-counts-changelog")
    assert parts == 3 and changelog.get("cleanup.policy") == "compact", changelog
    # The changelog holds the same counts (read_committed), the store's last word per key.
    store = read_counts(bs, f"{app_id}-word-counts-changelog", 3, "read_committed")
    assert {w: v[-1] for w, v in store.items()} == dict(expected)
    # The group's committed input offsets are the end of the input: nothing left to process.
    r = tool("kafka-consumer-groups", "--bootstrap-server", bs, "--describe", "--group", app_id)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith(app_id + " ")]
    input_rows = [row for row in rows if row[1] == "eos-input"]
    assert len(input_rows) == 3 and sum(int(row[3]) for row in input_rows) == 5000, r.stdout
    assert all(row[5] == "0" for row in input_rows), r.stdout
