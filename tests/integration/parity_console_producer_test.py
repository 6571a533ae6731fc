"""kafka-console-producer, ours and Apache Kafka's, side by side (parity.py): the notes' and the
quickstart's command lines, the reader properties, the producer options of --help, and the
usual mistakes. After each run the topic's records are read back and compared too."""
import hashlib
import os
import re
import signal

import pytest

import parity
from parity import MISSING, NORMALIZE, Scenario, check, drop_help_rows, files

T = "kafka-console-producer"
BS = ["--bootstrap-server", "{bootstrap}"]

# Kafka's producer logs its own client id ("producer-1", "console-producer") in some lines.
NORMALIZE["producer_client_id"] = lambda t: re.sub(r"\[Producer clientId=[^\]]*\]", "[Producer clientId=<id>]", t)


def records(side, topic):
    text = parity.read_records(side, topic)
    # A huge value is compared by its length and digest.
    return re.sub(r"value=b'([^']{200,})'",
                  lambda m: f"value=<{len(m.group(1))} bytes {hashlib.sha1(m.group(1).encode()).hexdigest()[:12]}>",
                  text)


# Kept on purpose: --broker-list, which the notes type and Kafka 4 dropped, is in our help.
broker_list_row = drop_help_rows("broker-list")


def topic(partitions=1):
    return lambda side, name: side.create_topic(name, partitions)


LINES = "hello\nworld\n"
HUGE = "x" * (1024 * 1024 + 100)

SCENARIOS = [
    # The notes (001, 004): --broker-list, which Kafka 4 dropped; ours keeps it (Kafka's tool runs
    # with --bootstrap-server in its place, and both must do the same).
    Scenario("notes broker-list", T, ["--broker-list", "{bootstrap}", "--topic", "{topic}"], stdin=LINES,
             setup=topic(), fresh=True, after=records,
             kafka_args=["--bootstrap-server", "{bootstrap}", "--topic", "{topic}"]),
    # Kafka's quickstart.
    Scenario("quickstart", T, ["--topic", "{topic}", *BS], stdin="This is my first event\nThis is my second event\n",
             setup=topic(), fresh=True, after=records),
    Scenario("keys", T, [*BS, "--topic", "{topic}", "--property", "parse.key=true", "--property", "key.separator=:"],
             stdin="user1:clicked\nuser2:scrolled\n", setup=topic(3), fresh=True, after=records),
    Scenario("reader-property keys and headers", T,
             [*BS, "--topic", "{topic}", "--reader-property", "parse.key=true", "--reader-property",
              "parse.headers=true"], stdin="h1:v1,h2:v2\tk\tv\n", setup=topic(), fresh=True, after=records),
    Scenario("null marker", T, [*BS, "--topic", "{topic}", "--reader-property", "parse.key=true",
                                "--reader-property", "null.marker=<null>"],
             stdin="<null>\tvalue\nkey\t<null>\n", setup=topic(), fresh=True, after=records),
    Scenario("missing key separator", T, [*BS, "--topic", "{topic}", "--property", "parse.key=true"],
             stdin="no separator here\n", setup=topic(), fresh=True, after=records),
    Scenario("ignore.error", T, [*BS, "--topic", "{topic}", "--property", "parse.key=true", "--property",
                                 "ignore.error=true"], stdin="no separator\n", setup=topic(), fresh=True,
             after=records),
    Scenario("sync", T, [*BS, "--topic", "{topic}", "--sync"], stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("gzip", T, [*BS, "--topic", "{topic}", "--compression-codec", "gzip"], stdin=LINES, setup=topic(),
             fresh=True, after=records),
    Scenario("compression without value", T, [*BS, "--topic", "{topic}", "--compression-codec"], stdin=LINES,
             setup=topic(), fresh=True, after=records),
    Scenario("acks 1", T, [*BS, "--topic", "{topic}", "--request-required-acks", "1"], stdin=LINES, setup=topic(),
             fresh=True, after=records),
    Scenario("command-property", T, [*BS, "--topic", "{topic}", "--command-property", "linger.ms=0"], stdin=LINES,
             setup=topic(), fresh=True, after=records),
    Scenario("producer-property", T, [*BS, "--topic", "{topic}", "--producer-property", "acks=1"], stdin=LINES,
             setup=topic(), fresh=True, after=records),
    Scenario("batch and timeouts", T, [*BS, "--topic", "{topic}", "--batch-size", "100", "--timeout", "10",
                                       "--request-timeout-ms", "3000", "--message-send-max-retries", "5",
                                       "--retry-backoff-ms", "50", "--metadata-expiry-ms", "10000",
                                       "--socket-buffer-size", "65536", "--max-memory-bytes", "10000000",
                                       "--max-block-ms", "10000"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("number with a blank", T, [*BS, "--topic", "{topic}", "--request-timeout-ms", " 3000"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("empty stdin", T, [*BS, "--topic", "{topic}"], stdin="", setup=topic(), fresh=True, after=records),
    # Config files and the reader class (--command-config, --producer.config, --reader-config,
    # --line-reader) and --max-partition-memory-bytes.
    Scenario("command-config", T, [*BS, "--topic", "{topic}", "--command-config", "{producer_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records,
             prepare=files(producer_properties="acks=1\nlinger.ms=0\n")),
    Scenario("command-config and command-property", T,
             [*BS, "--topic", "{topic}", "--command-config", "{producer_properties}", "--command-property", "acks=all"],
             stdin=LINES, setup=topic(), fresh=True, after=records,
             prepare=files(producer_properties="acks=2\n")),
    # A property the producer does not know is passed over.
    Scenario("command-config unknown property", T,
             [*BS, "--topic", "{topic}", "--command-config", "{producer_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records,
             prepare=files(producer_properties="no.such.property=1\nlinger.ms=0\n")),
    Scenario("producer.config", T, [*BS, "--topic", "{topic}", "--producer.config", "{producer_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records,
             prepare=files(producer_properties="acks=1\nlinger.ms=0\n")),
    Scenario("producer.config and command-config", T,
             [*BS, "--topic", "{topic}", "--producer.config", "{a_properties}", "--command-config", "{b_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records, kept=broker_list_row,
             prepare=files(a_properties="acks=1\n", b_properties="linger.ms=0\n")),
    Scenario("producer-property and command-property", T,
             [*BS, "--topic", "{topic}", "--producer-property", "acks=1", "--command-property", "linger.ms=0"],
             stdin=LINES, setup=topic(), fresh=True, after=records, kept=broker_list_row),
    Scenario("reader-config", T, [*BS, "--topic", "{topic}", "--reader-config", "{reader_properties}"],
             stdin="k1:v1\nk2:v2\n", setup=topic(), fresh=True, after=records,
             prepare=files(reader_properties="parse.key=true\nkey.separator=:\n")),
    Scenario("reader-property over reader-config", T,
             [*BS, "--topic", "{topic}", "--reader-config", "{reader_properties}", "--reader-property",
              "key.separator=="], stdin="k1=v1\nk2:x=v2\n", setup=topic(), fresh=True, after=records,
             prepare=files(reader_properties="parse.key=true\nkey.separator=:\n")),
    Scenario("line-reader", T, [*BS, "--topic", "{topic}", "--line-reader", "org.apache.kafka.tools.LineMessageReader"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("max-partition-memory-bytes", T, [*BS, "--topic", "{topic}", "--max-partition-memory-bytes", "100"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("max-partition-memory-bytes and batch-size", T,
             [*BS, "--topic", "{topic}", "--batch-size", "200", "--max-partition-memory-bytes", "100"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    # Their mistakes.
    Scenario("command-config missing", T, [*BS, "--topic", "{topic}", "--command-config", MISSING],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("producer.config missing", T, [*BS, "--topic", "{topic}", "--producer.config", MISSING],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("reader-config missing", T, [*BS, "--topic", "{topic}", "--reader-config", MISSING],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("reader-config is a directory", T, [*BS, "--topic", "{topic}", "--reader-config", "{dir}"],
             stdin=LINES, setup=topic(), fresh=True, after=records, prepare=files()),
    Scenario("command-config bad acks", T, [*BS, "--topic", "{topic}", "--command-config", "{producer_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records, prepare=files(producer_properties="acks=2\n")),
    Scenario("reader-config bad separators", T, [*BS, "--topic", "{topic}", "--reader-config", "{reader_properties}"],
             stdin=LINES, setup=topic(), fresh=True, after=records,
             prepare=files(reader_properties="headers.delimiter=,\n")),
    Scenario("line-reader unknown class", T, [*BS, "--topic", "{topic}", "--line-reader", "com.example.NoSuchReader"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    # Kafka 3's reader class, which Kafka 4 removed.
    Scenario("line-reader Kafka 3 class", T,
             [*BS, "--topic", "{topic}", "--line-reader", "kafka.tools.ConsoleProducer$LineMessageReader"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    # An option and its deprecated name together.
    Scenario("property and reader-property", T,
             [*BS, "--topic", "t", "--property", "parse.key=true", "--reader-property", "parse.key=true"],
             brokers=False, kept=broker_list_row),
    # Kafka prints its deprecation warnings in its own order.
    Scenario("every deprecation warning", T,
             [*BS, "--topic", "{topic}", "--max-partition-memory-bytes", "16384", "--producer.config",
              "{producer_properties}", "--producer-property", "acks=1", "--property", "parse.key=true"],
             stdin="k\tv\n", setup=topic(), fresh=True, after=records, prepare=files(producer_properties="linger.ms=0\n")),
    Scenario("batch-size not a number", T, [*BS, "--topic", "t", "--batch-size", "big"], brokers=False,
             kept=broker_list_row),
    Scenario("max-partition-memory-bytes not a number", T,
             [*BS, "--topic", "t", "--max-partition-memory-bytes", "lots"], brokers=False, kept=broker_list_row),
    Scenario("max-partition-memory-bytes too large", T,
             [*BS, "--topic", "t", "--max-partition-memory-bytes", "3000000000"], brokers=False, kept=broker_list_row),
    Scenario("max-partition-memory-bytes zero", T, [*BS, "--topic", "{topic}", "--max-partition-memory-bytes", "0"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("max-partition-memory-bytes negative", T,
             [*BS, "--topic", "{topic}", "--max-partition-memory-bytes", "-1"],
             stdin=LINES, setup=topic(), fresh=True, after=records),
    Scenario("help", T, ["--help"], brokers=False, kept=broker_list_row),
    Scenario("version", T, ["--version"], brokers=False, norms=("version",)),
    # Mistakes.
    Scenario("no arguments", T, [], brokers=False, kept=broker_list_row),
    Scenario("no topic", T, [*BS], brokers=False, kept=broker_list_row),
    Scenario("no bootstrap", T, ["--topic", "t"], brokers=False, kept=broker_list_row),
    Scenario("typo flag", T, [*BS, "--topik", "t"], brokers=False, kept=broker_list_row),
    Scenario("bootstrap without port", T, ["--bootstrap-server", "localhost", "--topic", "t"], brokers=False, kept=broker_list_row),
    Scenario("bad acks", T, [*BS, "--topic", "{topic}", "--request-required-acks", "2"], stdin=LINES,
             setup=topic(), fresh=True, after=records),
    # Client settings of the wrong type or below their minimum end the tool before it connects.
    Scenario("producer-property not a number", T, [*BS, "--topic", "t", "--producer-property", "max.block.ms=abc"],
             stdin=LINES, brokers=False),
    Scenario("command-property below minimum", T, [*BS, "--topic", "t", "--command-property", "linger.ms=-3"],
             stdin=LINES, brokers=False),
    Scenario("command-property not a boolean", T,
             [*BS, "--topic", "t", "--command-property", "enable.idempotence=maybe"], stdin=LINES, brokers=False),
    Scenario("command-property int overflow", T,
             [*BS, "--topic", "t", "--command-property", "max.request.size=3000000000"], stdin=LINES, brokers=False),
    Scenario("bad compression", T, [*BS, "--topic", "{topic}", "--compression-codec", "brotli"], stdin=LINES,
             setup=topic(), fresh=True, after=records),
    # A line larger than the largest request fails alone: the lines after it still arrive.
    Scenario("huge line then more", T, [*BS, "--topic", "{topic}"], stdin="before\n" + HUGE + "\nafter\n",
             setup=topic(), fresh=True, after=records, norms=("producer_client_id",)),
    # With --sync the producer stops at the failed record.
    Scenario("huge line with sync", T, [*BS, "--topic", "{topic}", "--sync"], stdin="before\n" + HUGE + "\nafter\n",
             setup=topic(), fresh=True, after=records, norms=("producer_client_id",)),
    # The broker is down: --max-block-ms bounds the wait, with Kafka's message.
    Scenario("broker down", T, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--max-block-ms", "2000"],
             stdin="one\n", brokers=False, norms=("client_log", "repeated_warnings", "producer_client_id")),
    # Two mistakes at once: the one Kafka reports first.
    *[Scenario(f"combined: {name}", T, args, stdin=LINES, brokers=False, kept=drop_help_rows("broker-list"))
      for name, args in (
        ("no bootstrap and bad property", ["--topic", "t", "--property", "parse.key=maybe"]),
        ("no port and missing argument", ["--bootstrap-server", "localhost", "--topic"]),
        ("two bad numbers", [*BS, "--topic", "t", "--batch-size", "abc", "--timeout", "xyz"]),
        ("bad acks and codec", [*BS, "--topic", "t", "--sync", "--request-required-acks", "7",
                                "--compression-codec", "zip"]),
        ("bad acks property and missing config", [*BS, "--topic", "t", "--producer-property", "acks=9",
                                                  "--producer.config", MISSING]),
        ("no bootstrap and deprecated clash", ["--topic", "t", "--property", "a=b", "--reader-property", "c=d"]),
        ("bad number and bad reader", [*BS, "--topic", "t", "--timeout", "x", "--line-reader", "nope.Reader"]),
        ("bad number and missing reader config", [*BS, "--topic", "t", "--timeout", "x", "--reader-config", MISSING]),
        ("bad number and missing producer config", [*BS, "--topic", "t", "--max-block-ms", "x", "--producer.config",
                                                    MISSING]),
        ("late bad numbers", [*BS, "--topic", "t", "--max-block-ms", "x", "--metadata-expiry-ms", "y",
                              "--socket-buffer-size", "z"]),
    )],
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.name)
def test_parity(scn, parity_sides):
    check(scn, parity_sides)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_producer_as_kafkas_does(parity_sides, sig):
    """A producer reading a stdin that stays open: stopped by SIGTERM or SIGINT it still delivers
    what it read (Kafka closes the producer in its shutdown hook) and exits as the JVM does,
    128 + the signal. (The JVM's main thread sometimes ends first and exits 0: a race inside
    Kafka's tool, so its code is checked to be one of the two.)"""
    import os
    import subprocess
    import time
    import apache_kafka
    from conftest import wait_until
    for side in parity_sides:
        counts = parity.COUNTS.setdefault(T, [0, 0])
        counts[1] += 1
        side.serial += 1
        results = []
        for who in ("kafka", "ours"):
            topic = f"signal-{sig.name.lower()}-{side.serial}-{who}"
            side.create_topic(topic)
            args = ["--bootstrap-server", side.bootstrap, "--topic", topic, "--sync"]
            if who == "kafka":
                proc = apache_kafka.popen_tool(T, *args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.PIPE, text=True)
            else:
                proc = subprocess.Popen([os.path.join(parity.BIN, T), *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                proc.stdin.write("a\nb\n")
                proc.stdin.flush()
                # --sync: both records are on the broker once it has read them.
                wait_until(lambda: records(side, topic).count("\n") == 2, 60, message="two records delivered")
                proc.send_signal(sig)
                out, err = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            results.append((proc.returncode, out, parity.normalize(err, parity.DEFAULT_NORMS), records(side, topic)))
        assert results[0][0] in (0, 128 + sig), f"[{side.kind}] Kafka's producer: {results[0]}"
        assert results[1][0] == 128 + sig, f"[{side.kind}] ours: {results[1]}"
        assert results[1][1:] == results[0][1:], f"[{side.kind}] kafka {results[0]} ours {results[1]}"
        counts[0] += 1


def test_a_transactional_id_ends_the_tool_at_the_first_send(parity_sides):
    """The tool never begins a transaction, so with a transactional.id Kafka's producer refuses
    the first send (before initTransactions) and the tool prints that exception. Kafka's JVM then
    hangs in its shutdown until it is killed; ours exits 1 (kept on purpose: a tool that never
    ends is no answer). Nothing is written either way. On both brokers; Kafka's tool is killed
    once it has printed the exception."""
    import subprocess
    import threading
    import time

    import apache_kafka
    args = ["--topic", "{topic}", "--producer-property", "transactional.id=console-tx"]
    for side in parity_sides:
        name = f"console-tx-{side.kind}"
        side.create_topic(name, 1)
        argv = [a.replace("{topic}", name) for a in ["--bootstrap-server", side.bootstrap, *args]]
        p = apache_kafka.popen_tool(T, *argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        err = []
        reader = threading.Thread(target=lambda: err.extend(iter(p.stderr.readline, "")), daemon=True)
        reader.start()
        p.stdin.write(LINES)
        p.stdin.close()
        deadline = time.monotonic() + 90
        while not any("IllegalStateException" in line for line in err) and time.monotonic() < deadline:
            if p.poll() is not None:
                break
            time.sleep(0.1)
        p.kill()
        p.wait(30)
        reader.join(10)
        theirs = NORMALIZE["java_stack_frames"]("".join(err))
        ours = parity.run_ours(T, argv, stdin=LINES, timeout=60)
        assert ours.code == 1, ours.err
        assert ours.err == theirs, f"Kafka's tool on {side.kind}:\n{theirs}\nours:\n{ours.err}"
        assert "Cannot add partition " + name + "-0 to transaction before completing a call to initTransactions" in ours.err
        assert parity.read_records(side, name) == ""  # nothing written

