"""kafka-replica-verification on a cluster of three brokers of ours: with replication factor 3
the tool fetches every partition from its leader and both followers (Fetch with replica id -2,
the debugging consumer, which followers answer up to their high watermark), finds the replicas
equal and reports max lag 0 among the partitions. Were a follower to refuse the fetch, its
replica would hold back the verified offset and the lag would be the partition's records."""
import re
import signal

from cluster import cluster_factory, describe, produce, topics  # noqa: F401 (fixture)
from conftest import wait_until
from parity import run_ours

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}: (.*)$")


def verify(bootstrap, *args, sig=signal.SIGINT):
    """Our tool until its first report, then `sig`: (exit code, report lines without times, stderr)."""
    r = run_ours("kafka-replica-verification", ["--broker-list", bootstrap, "--report-interval-ms", "1000", *args],
                 timeout=90, stop_on="max lag is", stop_signal=sig)
    lines = [LINE.match(line).group(1) for line in r.out.splitlines()]
    return r.code, lines, r.err


def test_replicas_agree_with_lag_zero(cluster_factory):
    c = cluster_factory(3)
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "rv", "--partitions", "3", "--replication-factor", "3")
    wait_until(lambda: all(len(r) == 3 and len(i) == 3 for l, r, i in describe(b1, "rv").values()), 60,
               message="three replicas in every ISR")
    produce(b1, "rv", [(f"k{i}".encode(), f"value-{i}".encode()) for i in range(90)])
    state = describe(b1, "rv")
    assert all(len(i) == 3 for l, r, i in state.values()), state

    # From the earliest offset: every batch of every partition compared across three replicas.
    code, lines, err = verify(b1, "--time", "-2", "--topics-include", "rv")
    assert code == 130, err
    assert lines[0] == "verification process is started"
    m = re.fullmatch(r"max lag is 0 for partition rv-([0-2]) at offset (\d+) among 3 partitions", lines[1])
    assert m, lines
    # The offset the report names is the partition's end: all of it was verified.
    assert int(m.group(2)) > 0, lines
    assert err.startswith("[") and "WARN This tool is deprecated" in err and err.count("\n") == 1, err

    # From the latest offset, through another broker, with SIGTERM.
    code, lines, err = verify(c.broker(3).bootstrap, "--topics-include", "r.*", sig=signal.SIGTERM)
    assert code == 143, err
    assert re.fullmatch(r"max lag is 0 for partition rv-[0-2] at offset \d+ among 3 partitions", lines[1]), lines
