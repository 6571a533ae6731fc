"""A full disk: the log dir is a small tmpfs, a filler file takes the rest of it.

Produce then fails with KAFKA_STORAGE_ERROR (retriable), a short write is cut off so the segment
holds exactly what it held before, fetches keep working, and once the filler is gone writes
resume at the next offset. After a kill -9 and a restart every acknowledged record is still
there. Needs `mount -t tmpfs` (root); skips, saying so, only when the mount fails.
"""
import errno
import os
import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

import raw_batches as rb
from broker_clients import consume_partition
from conftest import Broker

KAFKA_STORAGE_ERROR = 56


@pytest.fixture
def small_disk(tmp_root):
    mnt = os.path.join(tmp_root, "disk")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the full-disk test: {r.stderr.strip() or r.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)


def fill(path):
    """Writes `path` until the disk is full; returns its size."""
    chunk = b"\xab" * 65536
    size = 0
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                n = f.write(chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
                break
            size += n
            if n < len(chunk):
                break
    # A few bytes may still fit in the file's last page; take them too.
    with open(path, "ab", buffering=0) as f:
        for _ in range(4096):
            try:
                if f.write(b"\xab") != 1:
                    break
            except OSError:
                break
    return size


def segment_sizes(log_dir, topic):
    d = os.path.join(log_dir, f"{topic}-0")
    return {n: os.path.getsize(os.path.join(d, n)) for n in sorted(os.listdir(d)) if n.endswith(".log")}


def test_full_disk_refuses_writes_keeps_reads_and_recovers(small_disk, tmp_root):
    log_dir = os.path.join(small_disk, "logs")
    os.makedirs(log_dir)
    broker = Broker(log_dir, overrides={"num.partitions": "1", "log.segment.bytes": "1048576"})
    broker.log_path = os.path.join(tmp_root, "disk-broker.log")  # not on the small disk
    broker.start()
    try:
        topic = "full"
        bootstrap = broker.bootstrap
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
        values = []
        offset = 0
        for i in range(20):  # 20 batches of 5 records, ~20 KB
            vals = [f"before-{i}-{j}".encode() + bytes(800) for j in range(5)]
            assert rb.produce_raw(bootstrap, topic, 0, rb.batch(vals)) == (0, offset)
            values += vals
            offset += 5

        filler = os.path.join(small_disk, "filler")
        fill(filler)
        before = segment_sizes(log_dir, topic)
        # 64 KiB: more than any slack left in the segment's last page, so the write is short.
        big = rb.batch([b"x" * 16000 for _ in range(4)])
        for _ in range(3):
            assert rb.produce_raw(bootstrap, topic, 0, big) == (KAFKA_STORAGE_ERROR, -1)
        # The torn tail is cut off: the segment files hold exactly what they held.
        assert segment_sizes(log_dir, topic) == before
        # Reads keep working while the disk is full.
        got = consume_partition(bootstrap, topic, 0, len(values))
        assert [m.value() for m in got] == values
        assert [m.offset() for m in got] == list(range(len(values)))

        os.unlink(filler)
        # Writes resume at the next offset: the failed ones took none.
        assert rb.produce_raw(bootstrap, topic, 0, big) == (0, offset)
        values += [b"x" * 16000] * 4
        offset += 4
        more = [b"after-%d" % j for j in range(3)]
        assert rb.produce_raw(bootstrap, topic, 0, rb.batch(more)) == (0, offset)
        values += more

        # Full again, then a crash and a restart with room: nothing acknowledged is lost.
        fill(filler)
        assert rb.produce_raw(bootstrap, topic, 0, big) == (KAFKA_STORAGE_ERROR, -1)
        broker.kill()
        os.unlink(filler)
        broker.start()
        got = consume_partition(bootstrap, topic, 0, len(values))
        assert [m.value() for m in got] == values
        assert [m.offset() for m in got] == list(range(len(values)))
        assert rb.produce_raw(bootstrap, topic, 0, rb.batch([b"last"])) == (0, len(values))
    finally:
        broker.stop()
