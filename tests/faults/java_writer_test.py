"""workload.JavaWriter: the Java client's writer (tests/java FaultWriter) against one broker of
ours, and the Python side's reading of the program's lines (a stand-in program that reports a
fatal producer, or dies)."""
import os
import sys
import textwrap

import pytest

import fault_run  # noqa: F401 - puts tests/integration on sys.path for java_programs
import java_programs
from attribution_test import start_broker
from confluent_kafka.admin import AdminClient, NewTopic
from fault_cluster import wait_until
from workload import History, JavaWriter


def test_java_writer_writes_round_robin_and_reports_every_record(tmp_root):
    why = java_programs.missing()
    assert why is None, why
    command = java_programs.java_command("FaultWriter", heap="-Xmx256M")
    proc, bootstrap = start_broker(tmp_root)
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic("jw", 3, replication_factor=1)])["jw"].result(60)
        h = History()
        w = JavaWriter("j0", h, bootstrap, "jw", 3, command, os.path.join(tmp_root, "j0.client.log")).start()
        wait_until(lambda: sum(1 for e in h.of("write") if e["ok"]) >= 200 or not w.thread.is_alive(), 120,
                   message="200 acknowledged writes of the Java writer")
        w.stop()
        w.join(120)
    finally:
        proc.terminate()
        assert proc.wait(60) == 0

    writes = h.of("write")
    assert len(writes) == w.n and len(writes) >= 200
    assert all(e["ok"] and e["error"] is None for e in writes), [e for e in writes if not e["ok"]][:3]
    assert {e["value"] for e in writes} == {f"j0-{n}" for n in range(w.n)}
    for p in range(3):
        mine = sorted((int(e["value"].split("-")[1]), e["offset"]) for e in writes if e["partition"] == p)
        assert all(n % 3 == p for n, _ in mine)
        # One producer, in order per partition: the offsets follow the values.
        assert [o for _, o in mine] == list(range(len(mine)))
    assert all(e["invoke"] <= e["complete"] for e in writes)
    assert w.producers_made == 1 and w.done["sent"] == w.n and not h.of("client-fatal")


STAND_IN = textwrap.dedent("""
    import json, sys
    def out(**e):
        print(json.dumps(e), flush=True)
    out(event="producer", count=1)
    for line in sys.stdin:
        line = line.strip()
        if line == "stop":
            break
        n = int(line.split()[1])
        v = f"j9-{n}"
        out(event="invoke", value=v, partition=n % 3)
        if n == 2 and "die" in sys.argv:
            sys.exit(3)
        if n == 2:
            out(event="fatal", error="OutOfOrderSequenceException: x")
            out(event="complete", value=v, partition=n % 3, ok=False, error="fatal producer: x")
            out(event="producer", count=2)
        else:
            out(event="complete", value=v, partition=n % 3, ok=True, offset=n // 3)
    out(event="done", sent=n + 1, producers=2)
""")


def stand_in(tmp_root, *args):
    path = os.path.join(tmp_root, "stand_in.py")
    with open(path, "w") as f:
        f.write(STAND_IN)
    return [sys.executable, path, *args]


def test_a_fatal_producer_is_logged_and_its_records_failed(tmp_root):
    h = History()
    w = JavaWriter("j9", h, "unused:1", "jw", 3, stand_in(tmp_root), os.path.join(tmp_root, "j9.log")).start()
    wait_until(lambda: len(h.of("write")) >= 5, 30, message="5 writes")
    w.stop()
    w.join(30)
    writes = {e["value"]: e for e in h.of("write")}
    assert len(writes) == w.n
    assert writes["j9-2"]["ok"] is False and writes["j9-2"]["error"] == "fatal producer: x"
    assert writes["j9-4"] == {**writes["j9-4"], "ok": True, "offset": 1, "partition": 1}
    assert [f["error"] for f in h.of("client-fatal")] == ["OutOfOrderSequenceException: x"]
    assert w.producers_made == 2


def test_a_dead_program_is_the_writers_crash(tmp_root):
    w = JavaWriter("j9", History(), "unused:1", "jw", 3, stand_in(tmp_root, "die"),
                   os.path.join(tmp_root, "j9.log")).start()
    wait_until(lambda: not w.thread.is_alive(), 30, message="the writer noticing its program died")
    with pytest.raises(AssertionError, match="exited with 3"):
        w.join(1)
