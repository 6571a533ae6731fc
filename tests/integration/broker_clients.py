"""Helpers for the broker interop tests: consuming without a consumer group through
confluent-kafka, Kafka's murmur2 partitioner, and a minimal raw Kafka wire client for the
admin APIs that the installed client libraries do not expose (IncrementalAlterConfigs,
DeleteRecords, DescribeLogDirs, DescribeCluster, OffsetForLeaderEpoch, DeleteTopics by id).
"""
import socket
import struct
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING


def consume_partition(bootstrap, topic, partition, count, timeout=30.0, extra=None):
    """Reads exactly `count` records from the start of one partition (assign, no group)."""
    conf = {"bootstrap.servers": bootstrap, "group.id": "unused-no-commit",
            "enable.auto.commit": False, "enable.partition.eof": False}
    conf.update(extra or {})
    c = Consumer(conf)
    try:
        c.assign([TopicPartition(topic, partition, OFFSET_BEGINNING)])
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            out.append(m)
        assert len(out) == count, f"read {len(out)} of {count} records from {topic}-{partition}"
        return out
    finally:
        c.close()


def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2 (seed 0x9747b28c), as a signed 32-bit int."""
    m, r = 0x5bd1e995, 24
    length = len(data)
    h = (0x9747b28c ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rem = length % 4
    base = length - rem
    if rem == 3:
        h ^= data[base + 2] << 16
    if rem >= 2:
        h ^= data[base + 1] << 8
    if rem >= 1:
        h ^= data[base]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def kafka_partition(key: bytes, partitions: int) -> int:
    """The Java client's default partition for a keyed record."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


# --- raw wire ---------------------------------------------------------------------------

class Buf:
    """Encoder for request bodies (classic and flexible encodings)."""

    def __init__(self):
        self.b = bytearray()

    def i8(self, v): self.b += struct.pack(">b", v); return self
    def i16(self, v): self.b += struct.pack(">h", v); return self
    def i32(self, v): self.b += struct.pack(">i", v); return self
    def i64(self, v): self.b += struct.pack(">q", v); return self
    def boolean(self, v): return self.i8(1 if v else 0)

    def uvarint(self, v):
        while v >= 0x80:
            self.b.append((v & 0x7F) | 0x80)
            v >>= 7
        self.b.append(v)
        return self

    def string(self, s):
        if s is None:
            return self.i16(-1)
        e = s.encode()
        return self.i16(len(e)).raw(e)

    def cstring(self, s):
        if s is None:
            return self.uvarint(0)
        e = s.encode()
        return self.uvarint(len(e) + 1).raw(e)

    def raw(self, data): self.b += data; return self
    def array(self, n): return self.i32(n)
    def carray(self, n): return self.uvarint(n + 1)
    def tags(self): return self.uvarint(0)


class Reader:
    """Decoder for response bodies."""

    def __init__(self, data):
        self.d, self.p = data, 0

    def _take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def i8(self): return self._take(">b")
    def i16(self): return self._take(">h")
    def i32(self): return self._take(">i")
    def i64(self): return self._take(">q")
    def boolean(self): return self.i8() != 0

    def uvarint(self):
        shift = v = 0
        while True:
            byte = self.d[self.p]
            self.p += 1
            v |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return v
            shift += 7

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def cstring(self):
        n = self.uvarint() - 1
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def uuid(self):
        v = self.d[self.p:self.p + 16]
        self.p += 16
        return v

    def array(self): return self.i32()
    def carray(self): return self.uvarint() - 1

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.p += self.uvarint()


class Wire:
    """One connection; request() sends a body and returns a Reader over the response body."""

    def __init__(self, bootstrap, timeout=30.0):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.correlation = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_exact(self, n):
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("connection closed by the broker")
            out += chunk
        return bytes(out)

    def request(self, api_key, version, body: Buf, flexible: bool):
        self.correlation += 1
        head = Buf().i16(api_key).i16(version).i32(self.correlation).string("moldau-test")
        if flexible:
            head.tags()
        payload = bytes(head.b) + bytes(body.b)
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", self._read_exact(4))[0]
        r = Reader(self._read_exact(size))
        assert r.i32() == self.correlation
        if flexible:
            r.tags()
        return r
