"""A Jepsen-style fault run on 3 brokers and 3 etcd members, each in its own network namespace:
idempotent acks=all writers (two of librdkafka, one of the Java client), a consumer group,
transactional writers and read_committed readers under a seeded nemesis schedule (partitions,
etcd minorities, clean splits, kill -9, SIGSTOP), then recovery, a drain of every partition, and
the checker. Replication factor 3, min.insync.replicas=2: nothing acknowledged may be lost,
nothing duplicated, one record per offset, no aborted record read_committed, no gap the log does
not explain. A duplicate that librdkafka sent itself under a bumped producer epoch is counted
apart (fault_run.attribute_duplicates); one of the Java writer's never is. Java, javac and the
jars of scripts/setup are required: without them the test fails.

MOLDAU_FAULT_SECONDS (default: one round of every fault, 160 s) sets the schedule's length, MOLDAU_FAULT_SEED (default 1;
"random" for a fresh one) replays one, MOLDAU_FAULT_ARTIFACTS keeps the history and logs,
MOLDAU_FAULT_BROKER_LOG_LEVEL (e.g. DEBUG), MOLDAU_FAULT_CLIENT_DEBUG (librdkafka's debug
contexts for the writers, e.g. eos,msg) and MOLDAU_FAULT_CONSUMER_DEBUG (for the group members,
e.g. topic,metadata) make those logs tell more.
"""
import os
import random

from fault_run import execute
from nemesis import SHORT_RUN

SECONDS = float(os.environ.get("MOLDAU_FAULT_SECONDS", SHORT_RUN))


def seed():
    s = os.environ.get("MOLDAU_FAULT_SEED", "1")
    return random.SystemRandom().randrange(1 << 31) if s == "random" else int(s)


def test_nemesis_schedule(net, tmp_root):
    level = os.environ.get("MOLDAU_FAULT_BROKER_LOG_LEVEL")
    run = execute(net, tmp_root, seed(), SECONDS, artifacts=os.environ.get("MOLDAU_FAULT_ARTIFACTS"),
                  broker_overrides={"log4j.root.loglevel": level} if level else None)
    print(run.text)
    r = run.report
    assert r.stats["writes_ok"] > 0 and r.stats["txns_committed"] > 0 and r.stats["reads"] > 0, run.text
    assert r.stats["writes_ok_j0"] > 0, run.text  # the Java writer took part
    assert r.ok, run.text
    unclean = {b: code for b, code in run.stop_codes.items() if code != 0}
    assert not unclean, f"brokers exited uncleanly on SIGTERM: {unclean}\n{run.text}"
