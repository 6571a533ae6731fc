"""A confluent-kafka group consumer run as its own process by the groups_* tests, so that a
test can kill it with SIGKILL. It prints one JSON object per line on stdout:

  {"assignment": [[topic, partition], ...]}   after every assignment change
  {"processed": [partition, offset, value]}   in the process modes, per message processed

Modes:
  assign              report assignments; a line "close" on stdin closes the consumer cleanly
  at-most-once        commit each message's offset, then process it
  at-least-once       process each message, then commit its offset
With --crash-at V (process modes) the process kills itself with SIGKILL between the two steps
for the message whose value is V.
"""
import argparse
import json
import os
import signal
import sys
import threading

from confluent_kafka import Consumer, TopicPartition


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--strategy", default="range")
    ap.add_argument("--session-timeout", type=int, default=6000)
    ap.add_argument("--mode", default="assign")
    ap.add_argument("--crash-at", default=None)
    ap.add_argument("--stop-after", type=int, default=0, help="exit after this many idle polls while owning partitions")
    a = ap.parse_args()

    owned = set()
    conf = {
        "bootstrap.servers": a.bootstrap,
        "group.id": a.group,
        "partition.assignment.strategy": a.strategy,
        "session.timeout.ms": a.session_timeout,
        "heartbeat.interval.ms": 300,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    consumer = Consumer(conf)

    def on_assign(c, parts):
        for p in parts:
            owned.add((p.topic, p.partition))
        emit({"assignment": sorted(owned)})

    def on_revoke(c, parts):
        for p in parts:
            owned.discard((p.topic, p.partition))
        emit({"assignment": sorted(owned)})

    consumer.subscribe([a.topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)

    closing = threading.Event()

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "close":
                closing.set()
                return

    threading.Thread(target=read_stdin, daemon=True).start()

    idle = 0
    while not closing.is_set():
        msg = consumer.poll(0.2)
        if msg is None:
            if owned:  # idle polls count once the consumer owns partitions
                idle += 1
            if a.stop_after and idle >= a.stop_after:
                break
            continue
        if msg.error():
            continue
        idle = 0
        if a.mode == "assign":
            continue
        value = msg.value().decode()
        commit = [TopicPartition(msg.topic(), msg.partition(), msg.offset() + 1)]
        record = [msg.partition(), msg.offset(), value]
        if a.mode == "at-most-once":
            consumer.commit(offsets=commit, asynchronous=False)
            if value == a.crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
            emit({"processed": record})
        else:
            emit({"processed": record})
            if value == a.crash_at:
                os.kill(os.getpid(), signal.SIGKILL)
            consumer.commit(offsets=commit, asynchronous=False)
    consumer.close()
    emit({"closed": True})


if __name__ == "__main__":
    main()
