"""The perf tools, ours and Apache Kafka's, side by side (parity.py): kafka-producer-perf-test
(Kafka's ProducerPerformance, argparse4j), kafka-consumer-perf-test (ConsumerPerformance,
joptsimple) and kafka-e2e-latency (EndToEndLatency, joptsimple with Kafka 3's positional form):
their help, the usual mistakes, and short real runs. What a run measures (rates, latencies, times)
differs from run to run and is rewritten by the named normalizations below; the record counts and
everything else must match."""
import os
import re
import threading

import pytest

import parity
from parity import NORMALIZE, Scenario, check, files

PP = "kafka-producer-perf-test"
CP = "kafka-consumer-perf-test"
E2E = "kafka-e2e-latency"
BS = ["--bootstrap-server", "{bootstrap}"]

# ConsumerPerformance draws its default group (shown in --help) per run: perf-consumer-<0..99999>.
# Its digits vary in number, and the help pads the column after them: the padding goes too.
NORMALIZE["perf_consumer_group"] = lambda t: re.sub(r"perf-consumer-\d+\) *", "perf-consumer-<n>)", t)
# ProducerPerformance's progress lines (one per --reporting-interval: how many come depends on the
# speed only) are dropped; its summary lines keep their record counts, the measures are rewritten.
NORMALIZE["producer_perf_measures"] = lambda t: re.sub(
    r"(?m)^(\d+)( steady state)? records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, "
    r"[\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$",
    r"\1\2 records sent, <rate> records/sec (<MB> MB/sec), <avg> ms avg latency, <max> ms max latency, "
    r"<p50> ms 50th, <p95> ms 95th, <p99> ms 99th, <p999> ms 99.9th.",
    re.sub(r"(?m)^\d+ records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, "
           r"[\d.]+ ms max latency\.\n", "", t))
# ConsumerPerformance's summary line: the times and rates are rewritten; the data consumed (MB and
# records) must match.
_DATE = r"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}|at <year>)"
_NUM = r"(?:-?[\d.]+|NaN|-?Infinity)"
NORMALIZE["consumer_perf_measures"] = lambda t: re.sub(
    rf"(?m)^{_DATE}, {_DATE}, ([\d.]+), {_NUM}, (\d+), {_NUM}, -?\d+, -?\d+, {_NUM}, {_NUM}$",
    r"<start>, <end>, \1, <MB.sec>, \2, <nMsg.sec>, <rebalance.ms>, <fetch.ms>, <fetch.MB.sec>, <fetch.nMsg.sec>", t)
# ConsumerPerformance with --date-format "'at' yyyy": the year it prints (before the measures).
NORMALIZE["year_dates"] = lambda t: re.sub(r"\bat \d{4}\b", "at <year>", t)


# The rows of Kafka's --print-metrics tables that ours prints ("group:name"; each with every tag
# Kafka gives it: client-id, node-id, topic, partition), from what librdkafka's statistics and
# the tool itself measure. The rest of Kafka's rows are computed from what librdkafka does not
# measure (the man pages say which are printed).
MEASURED_METRICS = {
    PP: {"app-info:start-time-ms", "kafka-metrics-count:count", *(
        "producer-metrics:" + n for n in (
            "batch-size-avg", "batch-size-max", "connection-close-rate", "connection-close-total",
            "connection-count", "connection-creation-rate", "connection-creation-total", "flush-time-ns-total",
            "incoming-byte-rate", "incoming-byte-total", "metadata-age", "network-io-rate", "network-io-total",
            "outgoing-byte-rate", "outgoing-byte-total", "produce-throttle-time-avg", "produce-throttle-time-max",
            "record-error-rate", "record-error-total", "record-queue-time-avg", "record-queue-time-max",
            "record-send-rate", "record-send-total", "record-size-avg", "record-size-max",
            "records-per-request-avg", "request-latency-avg", "request-latency-max", "request-rate",
            "request-size-avg", "request-total", "requests-in-flight", "response-rate", "response-total",
            "txn-abort-time-ns-total", "txn-begin-time-ns-total", "txn-commit-time-ns-total",
            "txn-init-time-ns-total", "txn-prepare-time-ns-total", "txn-send-offsets-time-ns-total")), *(
        "producer-node-metrics:" + n for n in (
            "incoming-byte-rate", "incoming-byte-total", "outgoing-byte-rate", "outgoing-byte-total",
            "request-latency-avg", "request-latency-max", "request-rate", "request-size-avg", "request-total",
            "response-rate", "response-total")), *(
        "producer-topic-metrics:" + n for n in (
            "byte-rate", "byte-total", "record-error-rate", "record-error-total", "record-send-rate",
            "record-send-total"))},
    CP: {"app-info:start-time-ms", "kafka-metrics-count:count", *(
        "consumer-coordinator-metrics:" + n for n in (
            "assigned-partitions", "commit-rate", "commit-total", "heartbeat-rate", "heartbeat-total", "join-rate",
            "join-total", "last-rebalance-seconds-ago", "rebalance-latency-avg", "rebalance-latency-max",
            "rebalance-latency-total", "rebalance-rate-per-hour", "rebalance-total", "sync-rate", "sync-total")), *(
        "consumer-fetch-manager-metrics:" + n for n in (
            "bytes-consumed-rate", "bytes-consumed-total", "fetch-rate", "fetch-throttle-time-avg",
            "fetch-throttle-time-max", "fetch-total", "records-consumed-rate", "records-consumed-total",
            "records-lag", "records-lead")), *(
        "consumer-metrics:" + n for n in (
            "commit-sync-time-ns-total", "committed-time-ns-total", "connection-close-rate",
            "connection-close-total", "connection-count", "connection-creation-rate", "connection-creation-total",
            "incoming-byte-rate", "incoming-byte-total", "last-poll-seconds-ago", "network-io-rate",
            "network-io-total", "poll-idle-ratio-avg", "outgoing-byte-rate", "outgoing-byte-total", "request-rate", "request-size-avg",
            "request-total", "response-rate", "response-total", "time-between-poll-avg",
            "time-between-poll-max")), *(
        "consumer-node-metrics:" + n for n in (
            "incoming-byte-rate", "incoming-byte-total", "outgoing-byte-rate", "outgoing-byte-total",
            "request-latency-avg", "request-latency-max", "request-rate", "request-size-avg", "request-total",
            "response-rate", "response-total"))},
}
# The values that must match: the record counts. The others (rates, latencies, byte counts of
# each client's own framing, times) differ from run to run and between the clients.
EXACT_METRICS = {"producer-metrics:record-send-total", "producer-metrics:record-error-total",
                 "producer-topic-metrics:record-send-total", "producer-topic-metrics:record-error-total",
                 "consumer-fetch-manager-metrics:records-consumed-total"}
# The rows of every table a metrics normalization read, per thread, in the order read: each
# side's thread normalizes Kafka's output, then ours (parity.compare). test_parity checks them.
METRICS_TABLES = {}


def _metrics_table(tool):
    """ToolsUtils.printMetrics' table: a blank line, "Metric Name" padded to the longest name,
    three spaces, "Value", then one "<name> : <value>" row per metric, sorted, each name padded
    alike. The layout is checked: the rows without the topic (already rewritten to {topic},
    which moved its rows' padding) end their names where the header's padding ends, the topic's
    rows all at one column, and one name has no padding; a table of another layout is left as
    it is (and differs). Then the table is reduced to the rows of MEASURED_METRICS[tool], with
    every tag, unpadded, and values rewritten but for EXACT_METRICS. Two kinds of Kafka's
    connection rows go: its client keeps the bootstrap connection (node--1) apart from the
    learned broker's, where librdkafka's goes on as that broker's, and it tags the group
    coordinator's connection with an id of its own (node-+1), a connection ours prints no rows
    for (librdkafka's logical broker). Every row read is kept in METRICS_TABLES, so that test_parity
    checks that each row ours prints is in Kafka's table, with its name and tags, and counts
    how many of Kafka's rows ours has."""
    measured = MEASURED_METRICS[tool]

    def norm(t):
        m = re.search(r"(?m)^Metric Name( +)Value\n((?:.+ : .*\n?)+)", t)
        if not m:
            return t
        width = len("Metric Name") + len(m.group(1)) - 3
        parsed, columns, unpadded = [], {False: set(), True: set()}, False
        for r in m.group(2).splitlines():
            row = re.match(r"^(.*?\S)( *) : (.*)$", r)
            if not row:
                return t
            name, pad, value = row.groups()
            columns["{topic}" in name].add(len(name) + len(pad))
            unpadded = unpadded or not pad
            parsed.append((name, value))
        if columns[False] - {width} or len(columns[True]) > 1 or not unpadded:
            return t
        METRICS_TABLES.setdefault(threading.get_ident(), []).append([name for name, _ in parsed])
        kept = []
        for name, value in parsed:
            group_name = ":".join(name.split(":")[:2])
            if group_name not in measured or re.search(r"node-id=node-[-+]", name):
                continue
            kept.append(f"{name} : {value if group_name in EXACT_METRICS else '<value>'}\n")
        return t[:m.start()] + "Metric Name   Value\n" + "".join(kept) + t[m.end():]
    return norm


def check_metrics_rows(tool, tables):
    """The tables one metrics scenario's sides read, Kafka's then ours per side: every row ours
    prints must be in Kafka's table (name and tags) and in MEASURED_METRICS. Returns a line per
    side: how many of Kafka's rows ours has."""
    lines = []
    for rows in tables:
        assert len(rows) == 2, f"expected Kafka's table and ours, read {len(rows)}"
        kafka, ours = rows
        missing = [r for r in ours if r not in kafka]
        assert not missing, f"{tool}: rows ours prints that Kafka's table lacks: {missing}"
        unlisted = [r for r in ours if ":".join(r.split(":")[:2]) not in MEASURED_METRICS[tool]]
        assert not unlisted, f"{tool}: rows ours prints that MEASURED_METRICS does not list: {unlisted}"
        lines.append(f"{tool} --print-metrics: ours prints {len(ours)} of Kafka's {len(kafka)} rows")
    return lines


# --print-metrics, each tool's table reduced to the rows ours prints (see _metrics_table).
NORMALIZE["producer_metrics_table"] = _metrics_table(PP)
NORMALIZE["consumer_metrics_table"] = _metrics_table(CP)
# EndToEndLatency's latencies: the progress line (record 0, 1000, ...), the average, the percentiles.
NORMALIZE["e2e_latencies"] = lambda t: re.sub(
    r"(?m)^Percentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+$", "Percentiles: 50th = <p50>, 99th = <p99>, 99.9th = <p999>",
    re.sub(r"(?m)^Avg latency: [\d.]+ ms$", "Avg latency: <avg> ms",
           re.sub(r"(?m)^(\d+)\t[\d.]+(E-?\d+)?$", r"\1\t<ms>", t)))


def e2e_microseconds(out, err):
    """Kept on purpose: our kafka-e2e-latency adds one stderr line with the percentiles in
    microseconds and the rate reached (Kafka's whole milliseconds show 0 for every fast run)."""
    return out, re.sub(r"(?m)^Percentiles \(us\): .*\n", "", err)


def topic(partitions=1):
    return lambda side, name: side.create_topic(name, partitions)


def topic_with_records(n=10, partitions=1):
    def setup(side, name):
        side.create_topic(name, partitions)
        side.produce(name, [f"value-{i:04d}".encode() for i in range(n)], partition=0)
    return setup


def group_offsets(side, name):
    """The offsets the group `<topic>-g` committed on the topic (what --group did)."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": side.bootstrap, "group.id": name + "-g", "enable.auto.commit": False})
    try:
        parts = c.committed([TopicPartition(name, 0)], timeout=30)
        return "".join(f"p{p.partition} committed {p.offset}\n" for p in parts)
    finally:
        c.close()


def files(**contents):
    """prepare: files of the given contents ({name} is the file's path)."""
    def prepare(d):
        paths = {}
        for name, text in contents.items():
            path = os.path.join(d, name.replace("_", "."))
            with open(path, "wb") as f:
                f.write(text.encode("utf-8", "surrogateescape"))
            paths["{" + name + "}"] = path
        paths["{dir}"] = d
        return paths
    return prepare


RUN = ["--num-records", "10", "--throughput", "-1"]
# What a real producer run prints besides its own lines: the client's log, the measures.
PP_NORMS = ("producer_perf_measures", "client_log")
CP_NORMS = ("consumer_perf_measures", "client_log")

SCENARIOS = [
    # kafka-producer-perf-test
    Scenario("help", PP, ["--help"], brokers=False),
    Scenario("short help", PP, ["-h"], brokers=False),
    Scenario("no arguments", PP, [], brokers=False),
    Scenario("no topic", PP, [*BS, *RUN, "--record-size", "10"], brokers=False),
    Scenario("no num-records", PP, [*BS, "--topic", "t", "--throughput", "-1", "--record-size", "10"], brokers=False),
    Scenario("no record size", PP, [*BS, "--topic", "t", *RUN], brokers=False),
    Scenario("no bootstrap", PP, ["--topic", "t", *RUN, "--record-size", "10"], brokers=False),
    Scenario("typo flag", PP, [*BS, "--topik", "t", *RUN, "--record-size", "10"], brokers=False),
    Scenario("unknown flag", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--zzzzzzzz"], brokers=False),
    Scenario("ambiguous prefix", PP, [*BS, "--t", "t", *RUN, "--record-size", "10"], brokers=False),
    Scenario("unique prefix", PP, ["--bootstrap", "127.0.0.1:1", "--topic", "t", "--num-records", "0",
                                   "--throughput", "-1", "--record-size", "10"], brokers=False),
    Scenario("missing value", PP, [*BS, "--topic", "t", *RUN, "--record-size"], brokers=False),
    Scenario("num-records not a number", PP, [*BS, "--topic", "t", "--num-records", "abc", "--throughput", "-1",
                                              "--record-size", "10"], brokers=False),
    Scenario("throughput not a number", PP, [*BS, "--topic", "t", "--num-records", "10", "--throughput", "fast",
                                             "--record-size", "10"], brokers=False),
    Scenario("num-records zero", PP, [*BS, "--topic", "t", "--num-records", "0", "--throughput", "-1",
                                      "--record-size", "10"], brokers=False),
    Scenario("record size zero", PP, [*BS, "--topic", "t", *RUN, "--record-size", "0"], brokers=False),
    Scenario("two payload options", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--payload-monotonic"],
             brokers=False),
    Scenario("bad key distribution", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--key-distribution",
                                          "bogus"], brokers=False),
    Scenario("key distribution without range", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                                    "--key-distribution", "range"], brokers=False),
    Scenario("warmup not fewer", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--warmup-records", "10"],
             brokers=False),
    Scenario("props and command-property", PP, ["--topic", "t", *RUN, "--record-size", "10", "--producer-props",
                                                "a=b", "--command-property", "c=d"], brokers=False),
    Scenario("bootstrap without port", PP, ["--bootstrap-server", "localhost", "--topic", "t", *RUN,
                                            "--record-size", "10"], brokers=False),
    Scenario("short run", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "10"], setup=topic(), fresh=True,
             norms=("producer_perf_measures", "client_log")),
    Scenario("short run with producer-props", PP, ["--topic", "{topic}", *RUN, "--record-size", "10",
                                                   "--producer-props", "bootstrap.servers={bootstrap}", "acks=all"],
             setup=topic(), fresh=True, norms=("producer_perf_measures", "client_log")),
    Scenario("monotonic payload with warmup", PP, [*BS, "--topic", "{topic}", *RUN, "--payload-monotonic",
                                                   "--warmup-records", "4"],
             setup=topic(), fresh=True, after=parity.read_records, norms=("producer_perf_measures", "client_log")),

    Scenario("payload file", PP, [*BS, "--topic", "{topic}", *RUN, "--payload-file", "{payloads_txt}"],
             prepare=files(payloads_txt="alpha\nbeta\ngamma\n"), setup=topic(), fresh=True, after=parity.read_records,
             norms=PP_NORMS),
    # Kafka decodes the file as UTF-8: a byte that is no UTF-8 becomes U+FFFD.
    Scenario("payload file not UTF-8", PP, [*BS, "--topic", "{topic}", "--num-records", "4", "--throughput", "-1",
                                            "--payload-file", "{payloads_txt}"],
             prepare=files(payloads_txt="\udcc3(\ncaf\udce9\n\udce2\udc82x\n\udcf0\udc9f\udc98\n"), setup=topic(),
             fresh=True, after=parity.read_records, norms=PP_NORMS),
    Scenario("payload file missing", PP, [*BS, "--topic", "t", *RUN, "--payload-file", "{dir}/missing.txt"],
             prepare=files(), brokers=False),
    # Kafka names the file as Path.toAbsolutePath does: "." is not resolved.
    Scenario("payload file empty", PP, [*BS, "--topic", "t", *RUN, "--payload-file", "{dir}/./empty.txt"],
             prepare=files(empty_txt=""), brokers=False),
    Scenario("payload file is a directory", PP, [*BS, "--topic", "{topic}", *RUN, "--payload-file", "{dir}"],
             prepare=files(), setup=topic(), norms=("client_log",)),
    Scenario("payload file with delimiter", PP, [*BS, "--topic", "{topic}", *RUN, "--payload-file", "{payloads_txt}",
                                                 "--payload-delimiter", ";"],
             prepare=files(payloads_txt=";x;yy;;zzz;"), setup=topic(), fresh=True, after=parity.read_records,
             norms=PP_NORMS),
    Scenario("payload file of newlines only", PP, [*BS, "--topic", "{topic}", "--num-records", "3", "--throughput",
                                                   "-1", "--payload-file", "{payloads_txt}"],
             prepare=files(payloads_txt="\n\n\n"), setup=topic(), fresh=True, after=parity.read_records,
             norms=PP_NORMS),
    Scenario("payload delimiter as regex", PP, [*BS, "--topic", "{topic}", *RUN, "--payload-file", "{payloads_txt}",
                                                "--payload-delimiter", "[0-9]+"],
             prepare=files(payloads_txt="a1b22c333d"), setup=topic(), fresh=True, after=parity.read_records,
             norms=PP_NORMS),
    Scenario("payload delimiter unclosed group", PP, [*BS, "--topic", "t", *RUN, "--payload-file", "{payloads_txt}",
                                                      "--payload-delimiter", "x("],
             prepare=files(payloads_txt="a\n"), brokers=False),
    Scenario("payload delimiter unclosed class", PP, [*BS, "--topic", "t", *RUN, "--payload-file", "{payloads_txt}",
                                                      "--payload-delimiter", "[a"],
             prepare=files(payloads_txt="a\n"), brokers=False),
    Scenario("payload delimiter dangling quantifier", PP, [*BS, "--topic", "t", *RUN, "--payload-file",
                                                           "{payloads_txt}", "--payload-delimiter", "a**"],
             prepare=files(payloads_txt="a\n"), brokers=False),
    Scenario("payload delimiter unmatched parenthesis", PP, [*BS, "--topic", "t", *RUN, "--payload-file",
                                                             "{payloads_txt}", "--payload-delimiter", ")"],
             prepare=files(payloads_txt="a\n"), brokers=False),
    Scenario("random seed with random keys", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "6",
                                                  "--random-seed", "42", "--key-distribution", "random",
                                                  "--record-key-range", "5", "--payload-delimiter", ","],
             setup=topic(), fresh=True, after=parity.read_records, norms=PP_NORMS),
    Scenario("record key range", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "3", "--key-distribution",
                                      "range", "--record-key-range", "3"],
             setup=topic(), fresh=True, after=parity.read_records, norms=PP_NORMS),
    Scenario("record key range zero", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--key-distribution",
                                           "range", "--record-key-range", "0"], brokers=False),
    Scenario("record key range not a number", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                                   "--record-key-range", "abc"], brokers=False),
    Scenario("record key range without distribution", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                                           "--record-key-range", "3"], brokers=False),
    Scenario("random seed not a number", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--random-seed",
                                              "abc"], brokers=False),
    Scenario("transactional id", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "4", "--transactional-id",
                                      "{topic}-tx"],
             setup=topic(), fresh=True, after=parity.read_records, norms=PP_NORMS),
    Scenario("empty transactional id", PP, [*BS, "--topic", "t", *RUN, "--record-size", "4", "--transactional-id", ""],
             brokers=False),
    Scenario("transaction duration", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "4",
                                          "--transaction-duration-ms", "60000"],
             setup=topic(), fresh=True, after=parity.read_records, norms=PP_NORMS),
    Scenario("transaction duration zero", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                               "--transaction-duration-ms", "0"], brokers=False),
    Scenario("transaction duration not a number", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                                       "--transaction-duration-ms", "abc"], brokers=False),
    Scenario("deprecated producer.config", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "10",
                                                "--producer.config", "{producer_properties}"],
             prepare=files(producer_properties="acks=all\nlinger.ms=5\n"), setup=topic(), fresh=True, norms=PP_NORMS),
    Scenario("producer.config missing", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10", "--producer.config",
                                             "{dir}/missing.properties"],
             prepare=files(), brokers=False, norms=("java_uncaught",)),
    # A config file that is a directory: the JVM's IOException, as for every tool (load_props_as_java).
    Scenario("producer.config a directory", PP, [*BS, "--topic", "t", *RUN, "--record-size", "10",
                                                 "--producer.config", "{dir}"], prepare=files(), brokers=False),
    Scenario("print metrics", PP, [*BS, "--topic", "{topic}", *RUN, "--record-size", "10", "--print-metrics"],
             setup=topic(), fresh=True, norms=(*PP_NORMS, "producer_metrics_table")),

    # kafka-consumer-perf-test
    Scenario("help", CP, ["--help"], brokers=False, norms=("perf_consumer_group",)),
    Scenario("no arguments", CP, [], brokers=False, norms=("perf_consumer_group",)),
    Scenario("version", CP, ["--version"], brokers=False, norms=("version",)),
    Scenario("no num-records", CP, [*BS, "--topic", "t"], brokers=False, norms=("perf_consumer_group",)),
    Scenario("no topic", CP, [*BS, "--num-records", "10"], brokers=False, norms=("perf_consumer_group",)),
    Scenario("no bootstrap", CP, ["--topic", "t", "--num-records", "10"], brokers=False,
             norms=("perf_consumer_group",)),
    Scenario("typo flag", CP, [*BS, "--topik", "t", "--num-records", "10"], brokers=False,
             norms=("perf_consumer_group",)),
    Scenario("missing value", CP, [*BS, "--num-records", "10", "--topic"], brokers=False,
             norms=("perf_consumer_group",)),
    Scenario("topic and include", CP, [*BS, "--topic", "t", "--include", "x.*", "--num-records", "10"],
             brokers=False, norms=("perf_consumer_group",)),
    Scenario("messages and num-records", CP, [*BS, "--topic", "t", "--messages", "10", "--num-records", "10"],
             brokers=False, norms=("perf_consumer_group",)),
    Scenario("both config options", CP, [*BS, "--topic", "t", "--num-records", "10", "--consumer.config", "/nonexistent",
                                         "--command-config", "/nonexistent"], brokers=False,
             norms=("perf_consumer_group",)),
    Scenario("num-records not a number", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records",
                                              "abc"], brokers=False),
    Scenario("reporting interval zero", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records",
                                             "10", "--reporting-interval", "0"], brokers=False),
    Scenario("missing config file", CP, [*BS, "--topic", "t", "--num-records", "10", "--command-config",
                                         "/nonexistent"], brokers=False),
    Scenario("config file a directory", CP, [*BS, "--topic", "t", "--num-records", "10", "--command-config", "{dir}"],
             prepare=files(), brokers=False),
    Scenario("bootstrap without port", CP, ["--bootstrap-server", "localhost", "--topic", "t", "--num-records", "10"],
             brokers=False),
    Scenario("short run", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000"],
             setup=topic_with_records(), norms=("consumer_perf_measures", "client_log")),
    Scenario("deprecated messages", CP, [*BS, "--topic", "{topic}", "--messages", "10", "--timeout", "30000",
                                         "--hide-header"],
             setup=topic_with_records(), norms=("consumer_perf_measures", "client_log")),
    Scenario("fewer records than asked", CP, [*BS, "--topic", "{topic}", "--num-records", "20", "--timeout", "3000"],
             setup=topic_with_records(), norms=("consumer_perf_measures", "client_log")),
    Scenario("detailed stats without header", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout",
                                                   "30000", "--show-detailed-stats", "--hide-header"],
             setup=topic_with_records(), norms=("consumer_perf_measures", "client_log")),
    Scenario("date format", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000",
                                 "--date-format", "'at' yyyy"],
             setup=topic_with_records(), norms=("year_dates", *CP_NORMS)),
    Scenario("bad date format", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10",
                                     "--date-format", "bogus"], brokers=False),
    Scenario("date format unterminated quote", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t",
                                                    "--num-records", "10", "--date-format", "'at yyyy"],
             brokers=False),
    Scenario("fetch size", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000",
                                "--fetch-size", "100"],
             setup=topic_with_records(), norms=CP_NORMS),
    Scenario("fetch size zero, OS socket buffer", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout",
                                                       "30000", "--fetch-size", "0", "--socket-buffer-size", "-1"],
             setup=topic_with_records(), norms=CP_NORMS),
    Scenario("negative fetch size", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10",
                                         "--fetch-size", "-5"], brokers=False),
    Scenario("fetch size not a number", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records",
                                             "10", "--fetch-size", "1MB"], brokers=False),
    Scenario("socket buffer size", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000",
                                        "--socket-buffer-size", "65536"],
             setup=topic_with_records(), norms=CP_NORMS),
    Scenario("socket buffer size zero", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records",
                                             "10", "--socket-buffer-size", "0"], brokers=False),
    Scenario("socket buffer size below -1", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t",
                                                 "--num-records", "10", "--socket-buffer-size", "-2"], brokers=False),
    Scenario("socket buffer size not a number", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t",
                                                     "--num-records", "10", "--socket-buffer-size", "big"],
             brokers=False),
    Scenario("from latest", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "2000",
                                 "--from-latest"],
             setup=topic_with_records(), norms=CP_NORMS),
    # Kafka's tool counts (and its group commits) every record of the poll that reached
    # --num-records: here all 20.
    Scenario("group", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000", "--group",
                           "{topic}-g"],
             setup=topic_with_records(20), fresh=True, after=group_offsets, norms=CP_NORMS),
    Scenario("empty group", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10",
                                 "--group", ""], brokers=False),
    Scenario("blank group", CP, ["--bootstrap-server", "127.0.0.1:1", "--topic", "t", "--num-records", "10",
                                 "--group", "  "], brokers=False),
    Scenario("poll size from command-property", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout",
                                                      "30000", "--command-property", "max.poll.records=3"],
             setup=topic_with_records(20), norms=CP_NORMS),
    Scenario("print metrics", CP, [*BS, "--topic", "{topic}", "--num-records", "10", "--timeout", "30000",
                                   "--print-metrics"],
             setup=topic_with_records(), norms=(*CP_NORMS, "consumer_metrics_table")),

    # kafka-e2e-latency
    Scenario("no arguments", E2E, [], brokers=False),
    Scenario("help", E2E, ["--help"], brokers=False),
    Scenario("help with named options", E2E, ["--help", "--topic", "t"], brokers=False),
    Scenario("version", E2E, ["--version"], brokers=False),
    Scenario("no record size", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "1"],
             brokers=False),
    Scenario("typo flag", E2E, [*BS, "--topik", "t", "--num-records", "10", "--producer-acks", "1",
                                "--record-size", "10"], brokers=False),
    Scenario("bad acks", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "2",
                               "--record-size", "10"], brokers=False),
    Scenario("num-records zero", E2E, [*BS, "--topic", "t", "--num-records", "0", "--producer-acks", "1",
                                       "--record-size", "10"], brokers=False),
    Scenario("num-records not a number", E2E, [*BS, "--topic", "t", "--num-records", "abc", "--producer-acks", "1",
                                               "--record-size", "10"], brokers=False),
    Scenario("negative record size", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "1",
                                           "--record-size", "-1"], brokers=False),
    Scenario("bad header size", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "1",
                                      "--record-size", "10", "--record-header-size", "-2"], brokers=False),
    Scenario("positional bad acks", E2E, ["127.0.0.1:1", "t", "10", "2", "10"], brokers=False),
    Scenario("positional too few", E2E, ["a", "b", "c"], brokers=False),
    Scenario("bootstrap without port", E2E, ["--bootstrap-server", "localhost", "--topic", "t", "--num-records", "10",
                                             "--producer-acks", "1", "--record-size", "10"], brokers=False),
    Scenario("positional bootstrap without port", E2E, ["localhost", "t", "10", "1", "10"], brokers=False),
    Scenario("short run creating the topic", E2E, [*BS, "--topic", "{topic}", "--num-records", "10",
                                                   "--producer-acks", "1", "--record-size", "10"],
             fresh=True, norms=("e2e_latencies", "client_log", "repeated_warnings"), kept=e2e_microseconds),
    Scenario("short run with keys and headers", E2E, [*BS, "--topic", "{topic}", "--num-records", "10",
                                                      "--producer-acks", "all", "--record-size", "10",
                                                      "--record-key-size", "4", "--num-headers", "2",
                                                      "--record-header-key-size", "3", "--record-header-size", "-1"],
             setup=topic(), fresh=True, norms=("e2e_latencies", "client_log"), kept=e2e_microseconds),
    Scenario("missing command config", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "1",
                                             "--record-size", "10", "--command-config", "{dir}/missing.properties"],
             prepare=files(), brokers=False),
    Scenario("command config a directory", E2E, [*BS, "--topic", "t", "--num-records", "10", "--producer-acks", "1",
                                                 "--record-size", "10", "--command-config", "{dir}"],
             prepare=files(), brokers=False),
    Scenario("positional short run", E2E, ["{bootstrap}", "{topic}", "10", "1", "10"], setup=topic(), fresh=True,
             norms=("e2e_latencies", "client_log"), kept=e2e_microseconds),
]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_parity(scn, parity_sides, capsys):
    METRICS_TABLES.clear()
    check(scn, parity_sides)
    if any(n.endswith("_metrics_table") for n in scn.norms):
        lines = check_metrics_rows(scn.tool, list(METRICS_TABLES.values()))
        with capsys.disabled():
            print("\n" + "\n".join(lines))
