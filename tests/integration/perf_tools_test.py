"""The perf tools against our broker: each runs briefly; its output must have Kafka 4.4's format
(parity_perf_tools_test.py compares them with Kafka's own tools).

Formats only: how fast anything runs is for scripts/bench, never asserted here.
"""
import re

from conftest import tool

PROGRESS = re.compile(r"^\d+ records sent, \d+\.\d records/sec \(\d+\.\d{2} MB/sec\), \d+\.\d ms avg latency, "
                      r"\d+\.\d ms max latency\.$")
SUMMARY = re.compile(r"^(\d+) records sent, \d+\.\d{6} records/sec \(\d+\.\d{2} MB/sec\), \d+\.\d{2} ms avg latency, "
                     r"\d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$")
HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
          "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DATE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}"
CSV = re.compile(rf"^{DATE}, {DATE}, \d+\.\d{{4}}, \d+\.\d{{4}}, (\d+), \d+\.\d{{4}}, \d+, \d+, "
                 r"(\d+\.\d{4}|Infinity|NaN), (\d+\.\d{4}|Infinity|NaN)$")


def create(bs, topic, partitions=1):
    r = tool("kafka-topics", "--bootstrap-server", bs, "--create", "--topic", topic, "--partitions", str(partitions))
    assert r.returncode == 0, r.stderr


def test_producer_perf_summary(broker):
    create(broker.bootstrap, "perf", 2)
    r = tool("kafka-producer-perf-test", "--topic", "perf", "--num-records", "2000", "--record-size", "100",
             "--throughput", "-1", "--command-property", f"bootstrap.servers={broker.bootstrap}", "acks=all",
             "linger.ms=5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert SUMMARY.match(lines[-1]), r.stdout
    assert SUMMARY.match(lines[-1]).group(1) == "2000"
    assert all(PROGRESS.match(l) for l in lines[:-1]), r.stdout


def test_producer_perf_payload_file_and_metrics(broker, tmp_path):
    create(broker.bootstrap, "perf-file")
    payloads = tmp_path / "payloads.txt"
    payloads.write_text("alpha\nbeta\ngamma\n")
    config = tmp_path / "producer.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\n")
    r = tool("kafka-producer-perf-test", "--topic", "perf-file", "--num-records", "30", "--payload-file",
             str(payloads), "--throughput", "1000", "--command-config", str(config), "--print-metrics")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Reading payloads from: {payloads}"
    assert lines[1] == "Number of records read: 3"
    assert SUMMARY.match(lines[2]) and SUMMARY.match(lines[2]).group(1) == "30", r.stdout
    assert lines[3] == ""
    assert re.match(r"^Metric Name +Value$", lines[4])
    assert any(re.match(r"^producer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 30\.000$", l)
               for l in lines[5:]), r.stdout


def metrics_table(stdout):
    """--print-metrics' rows: name -> value (as printed)."""
    rows = re.findall(r"(?m)^(\S+:\S+:\{[^}]*\}) +: (\S+)$", stdout)
    assert rows, stdout
    return dict(rows)


def test_producer_perf_metrics_values(broker):
    """The table's rows from librdkafka's statistics and the tool's counters: the record counts,
    sizes, transactional times, and the totals against each other."""
    create(broker.bootstrap, "perf-metrics", 2)
    r = tool("kafka-producer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "perf-metrics",
             "--num-records", "200", "--record-size", "100", "--throughput", "-1", "--transactional-id",
             "perf-metrics-tx", "--print-metrics")
    assert r.returncode == 0, r.stderr
    m = metrics_table(r.stdout)
    c = "{client-id=perf-producer-client}"
    t = "{client-id=perf-producer-client, topic=perf-metrics}"
    v = lambda name, tags=c: float(m[f"{name}:{tags}"])
    assert v("producer-metrics:record-send-total") == 200 and v("producer-topic-metrics:record-send-total", t) == 200
    assert v("producer-metrics:record-error-total") == 0 and v("producer-topic-metrics:record-error-total", t) == 0
    assert v("producer-metrics:record-size-avg") == 100 and v("producer-metrics:record-size-max") == 100
    # A run shorter than 30 s: Kafka's Rate divides by its length plus 30 s.
    assert 0 < v("producer-metrics:record-send-rate") <= round(200 / 30, 3)
    assert v("producer-metrics:txn-init-time-ns-total") > 0 and v("producer-metrics:txn-commit-time-ns-total") > 0
    assert v("producer-metrics:txn-abort-time-ns-total") == 0
    assert v("producer-metrics:batch-size-avg") > 200 * 100 / 200 and v("producer-topic-metrics:byte-total", t) > 20000
    assert v("producer-metrics:records-per-request-avg") > 0
    requests, responses = v("producer-metrics:request-total"), v("producer-metrics:response-total")
    assert requests > 0 and v("producer-metrics:network-io-total") == requests + responses
    assert abs(v("producer-metrics:request-size-avg") - v("producer-metrics:outgoing-byte-total") / requests) < 0.001
    nodes = {re.search(r"node-id=(node-\d+)", k).group(1) for k in m if "producer-node-metrics" in k}
    assert len(nodes) == 1, m
    assert float(m["kafka-metrics-count:count:" + c]) == len(m)
    assert int(m["app-info:start-time-ms:" + c]) > 0


def test_consumer_perf_metrics_values(broker):
    create(broker.bootstrap, "cperf-metrics", 3)
    r = tool("kafka-producer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf-metrics",
             "--num-records", "300", "--record-size", "50", "--throughput", "-1")
    assert r.returncode == 0, r.stderr
    r = tool("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf-metrics",
             "--num-records", "300", "--timeout", "30000", "--print-metrics")
    assert r.returncode == 0, r.stderr
    m = metrics_table(r.stdout)
    c = "{client-id=perf-consumer-client}"
    t = "{client-id=perf-consumer-client, topic=cperf-metrics}"
    v = lambda name, tags=c: float(m[f"consumer-{name}:{tags}"])
    assert v("fetch-manager-metrics:records-consumed-total") == 300
    assert v("fetch-manager-metrics:records-consumed-total", t) == 300
    assert v("fetch-manager-metrics:bytes-consumed-total") == 300 * 50
    assert v("coordinator-metrics:assigned-partitions") == 3 and v("coordinator-metrics:rebalance-total") == 1
    assert v("coordinator-metrics:rebalance-latency-total") == v("coordinator-metrics:rebalance-latency-max") > 0
    assert v("fetch-manager-metrics:fetch-total") > 0
    # Every record read: no lag, and each partition's lead is its records.
    lags = {k: float(x) for k, x in m.items() if ":records-lag:" in k}
    leads = [float(x) for k, x in m.items() if ":records-lead:" in k]
    assert len(lags) == 3 and set(lags.values()) == {0.0}, m
    assert sum(leads) == 300, m
    assert v("metrics:network-io-total") == v("metrics:request-total") + v("metrics:response-total")
    assert 0 < v("metrics:poll-idle-ratio-avg") <= 1 and v("metrics:time-between-poll-max") > 0

    # One record in two partitions: the empty one has its rows too.
    create(broker.bootstrap, "cperf-one", 2)
    r = tool("kafka-producer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf-one",
             "--num-records", "1", "--record-size", "5", "--throughput", "-1")
    assert r.returncode == 0, r.stderr
    r = tool("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf-one",
             "--num-records", "1", "--timeout", "30000", "--print-metrics")
    assert r.returncode == 0, r.stderr
    m = metrics_table(r.stdout)
    assert sorted(float(x) for k, x in m.items() if ":records-lead:" in k) == [0.0, 1.0], m
    assert [float(x) for k, x in m.items() if ":records-lag:" in k] == [0.0, 0.0], m
    assert float(m["kafka-metrics-count:count:" + c]) == len(m)


def test_producer_perf_usage_errors():
    r = tool("kafka-producer-perf-test", "--topic", "t", "--num-records", "10", "--record-size", "10",
             "--throughput", "-1")
    assert r.returncode == 1
    assert ("kafka-producer-perf-test: error: At  least  one  of  --bootstrap-server, --\n"
            "command-property, --producer-props,  --producer.config  or --command-config\n"
            "must be specified.") in r.stderr
    r = tool("kafka-producer-perf-test")
    assert r.returncode == 0 and r.stdout.startswith("usage: kafka-producer-perf-test")
    r = tool("kafka-producer-perf-test", "--version")
    assert r.returncode == 0 and r.stdout.startswith("4.4.0")


def test_consumer_perf_summary(broker):
    create(broker.bootstrap, "cperf", 2)
    r = tool("kafka-producer-perf-test", "--topic", "cperf", "--num-records", "3000", "--record-size", "50",
             "--throughput", "-1", "--producer-props", f"bootstrap.servers={broker.bootstrap}")
    assert r.returncode == 0, r.stderr
    r = tool("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf",
             "--messages", "3000", "--timeout", "30000")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Warning: --messages is deprecated. Use --num-records instead."
    assert lines[1] == HEADER
    m = CSV.match(lines[2])
    assert m, r.stdout
    assert m.group(1) == "3000"
    assert len(lines) == 3

    # Fewer records than asked: Kafka's warning, then the summary of what came.
    r = tool("kafka-consumer-perf-test", "--bootstrap-server", broker.bootstrap, "--topic", "cperf",
             "--num-records", "5000", "--timeout", "1500", "--hide-header", "--date-format", "yyyy-MM-dd HH:mm:ss:SSS")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == ("WARNING: Exiting before consuming the expected number of records: timeout (1500 ms) "
                        "exceeded. You can use the --timeout option to increase the timeout.")
    assert CSV.match(lines[1]) and CSV.match(lines[1]).group(1) == "3000", r.stdout


def test_consumer_perf_usage():
    r = tool("kafka-consumer-perf-test", "--topic", "x", "--bootstrap-server", "127.0.0.1:1")
    assert r.returncode == 1
    assert r.stderr.startswith("Exactly one of the following arguments is required: [messages], [num-records]")


def test_e2e_latency(broker):
    r = tool("kafka-e2e-latency", "--bootstrap-server", broker.bootstrap, "--topic", "latency", "--num-records", "1200",
             "--producer-acks", "1", "--record-size", "100", "--record-key-size", "4", "--num-headers", "2",
             "--record-header-key-size", "3", "--record-header-size", "5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == 'Topic "latency" does not exist. Will create topic with 1 partition(s) and replication factor = 1'
    assert re.match(r"^0\t\d+\.\d+(E-?\d+)?$", lines[1]), r.stdout
    assert re.match(r"^1000\t\d+\.\d+(E-?\d+)?$", lines[2]), r.stdout
    assert re.match(r"^Avg latency: \d+\.\d{4} ms$", lines[3]), r.stdout
    assert re.match(r"^Percentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+$", lines[4]), r.stdout
    assert len(lines) == 5
    assert re.search(r"Percentiles \(us\): 50th = \d+, 99th = \d+, 99\.9th = \d+; \d+ records/s", r.stderr)

    # The positional form of Kafka 3, with Kafka 4.4's deprecation warning.
    r = tool("kafka-e2e-latency", broker.bootstrap, "latency", "10", "1", "100")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("WARNING: Positional argument usage is deprecated")
    r = tool("kafka-e2e-latency", broker.bootstrap, "latency", "10", "0", "100")
    assert r.returncode == 1
    assert r.stderr.startswith("Invalid value for --producer-acks. Latency testing requires synchronous "
                               "acknowledgement. Please use '1' or 'all'.")
    r = tool("kafka-e2e-latency", broker.bootstrap)
    assert r.returncode == 1 and r.stderr.startswith("Invalid number of arguments. Expected 5 or 6 positional")
