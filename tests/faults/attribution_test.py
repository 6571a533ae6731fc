"""A duplicated value is judged by the batches its copies are in: copies under two epochs of one
producer id were sent again by the client after an epoch bump (counted apart, not an anomaly);
copies under one epoch are the leader's fault and stay an anomaly, and so does any duplicate of a
Java writer's value ("j..."), whatever its batches: the Java client does not resend that way.
One broker of ours, batches written with chosen producer ids, epochs and sequences, then read
back from its segments."""
import os
import socket
import subprocess
import sys
import time
import types

from confluent_kafka.admin import AdminClient, NewTopic

import checker
from fault_cluster import BIN
from fault_run import Run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from raw_batches import batch, produce_raw  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(root):
    port = free_port()
    config = os.path.join(root, "server.properties")
    with open(config, "w") as f:
        f.write(f"node.id=1\nlisteners=PLAINTEXT://127.0.0.1:{port}\nlog.dirs={root}/data\n")
    log = open(os.path.join(root, "broker.log"), "w")
    proc = subprocess.Popen([os.path.join(BIN, "kafka-server-start"), config], stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"broker did not start (exit {proc.poll()})")
            time.sleep(0.1)


def test_copies_under_two_epochs_are_the_clients_unless_java_and_under_one_the_leaders(tmp_root):
    proc, bootstrap = start_broker(tmp_root)
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("dup", 1, replication_factor=1)])["dup"].result(60)
        pid = 4242
        sent = [(b"w0-1", pid, 0, 0), (b"w0-1", pid, 1, 0),       # resent from sequence 0 under epoch 1
                (b"w0-2", pid, 1, 1), (b"w0-2", pid, 1, 2),       # one epoch, two sequences
                (b"j0-1", pid + 1, 0, 0), (b"j0-1", pid + 1, 1, 0)]  # a Java writer's, as w0-1's
        for offset, (value, producer_id, epoch, seq) in enumerate(sent):
            err, base = produce_raw(bootstrap, "dup", 0, batch([value], producer_id=producer_id,
                                                               producer_epoch=epoch, base_sequence=seq))
            assert (err, base) == (0, offset)
    finally:
        proc.terminate()
        assert proc.wait(60) == 0

    report = checker.Report()
    for value, offsets in (("w0-1", [0, 1]), ("w0-2", [2, 3]), ("j0-1", [4, 5])):
        report.add("duplicated", {"topic": "dup", "partition": 0, "value": value, "offsets": offsets,
                                  "in_final_log": offsets})
    run = types.SimpleNamespace(report=report, format_text=lambda: None,
                                cluster=types.SimpleNamespace(brokers={1: types.SimpleNamespace(
                                    node_id=1, log_dir=os.path.join(tmp_root, "data"))}))
    Run.attribute_duplicates(run)

    assert report.counts["duplicated"] == 2
    assert [d["value"] for d in report.anomalies["duplicated"]] == ["w0-2", "j0-1"]
    assert report.stats["resent_after_epoch_bump"] == 1
    notes = "\n".join(report.notes)
    assert f"w0-1 at dup/0 offset 1: batch 1-1 of producerId {pid} epoch 1 sequences 0-0" in notes
    assert f"w0-2 at dup/0 offset 3: batch 3-3 of producerId {pid} epoch 1 sequences 2-2" in notes
    assert f"j0-1 at dup/0 offset 5: batch 5-5 of producerId {pid + 1} epoch 1 sequences 0-0" in notes
    assert "j0-1 was written by the Java client" in notes
