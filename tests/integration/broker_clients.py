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


def topic_id(w, name):
    """The 16-byte id of topic `name`, from Metadata v12 on connection `w`."""
    b = Buf().carray(1).raw(bytes(16)).cstring(name).tags().boolean(False).boolean(False).tags()
    r = w.request(3, 12, b, flexible=True)
    r.i32()
    for _ in range(r.carray()):  # brokers
        r.i32(), r.cstring(), r.i32(), r.cstring()
        r.tags()
    r.cstring(), r.i32()  # cluster id, controller
    assert r.carray() == 1
    error, got = r.i16(), r.cstring()
    assert (error, got) == (0, name)
    return r.uuid()


def fetch(w, session_id, epoch, parts, forgotten=(), max_wait_ms=0, version=11, replica_id=-1, leaders=None):
    """Fetch v11 to v17; parts: [(topic, partition, offset)], the topic a name before v13 and a
    16-byte topic id from v13. Returns (error, session id, {(topic, partition): (error, high
    watermark, record bytes)}) in response order. `leaders`, a dict, receives v16's current
    leaders ({(topic, partition): (leader id, epoch)}) and node endpoints ({id: (host, port)})."""
    flexible = version >= 12
    ids = version >= 13
    b = Buf()
    if version <= 14:
        b.i32(replica_id)
    b.i32(max_wait_ms).i32(1).i32(1 << 20).i8(0).i32(session_id).i32(epoch)
    topics = {}
    for t, p, off in parts:
        topics.setdefault(t, []).append((p, off))
    arr = b.carray if flexible else b.array
    s = b.raw if ids else b.cstring if flexible else b.string
    arr(len(topics))
    for t, ps in topics.items():
        s(t)
        arr(len(ps))
        for p, off in ps:
            b.i32(p).i32(-1).i64(off)
            if flexible:
                b.i32(-1)  # last_fetched_epoch
            b.i64(-1).i32(1 << 20)
            if flexible:
                b.tags()
        if flexible:
            b.tags()
    ft = {}
    for t, p in forgotten:
        ft.setdefault(t, []).append(p)
    arr(len(ft))
    for t, ps in ft.items():
        s(t)
        arr(len(ps))
        for p in ps:
            b.i32(p)
        if flexible:
            b.tags()
    (b.cstring if flexible else b.string)("")  # rack id
    if version >= 15:
        # ReplicaState (tag 1): the replica id, and no broker epoch.
        state = Buf().i32(replica_id).i64(-1).tags()
        b.uvarint(1).uvarint(1).uvarint(len(state.b)).raw(state.b)
    elif flexible:
        b.tags()
    r = w.request(1, version, b, flexible=flexible)
    r.i32()
    err, sid = r.i16(), r.i32()
    out = {}
    n_topics = r.carray() if flexible else r.array()
    for _ in range(n_topics):
        t = r.uuid() if ids else r.cstring() if flexible else r.string()
        for _ in range(r.carray() if flexible else r.array()):
            idx, perr, hw = r.i32(), r.i16(), r.i64()
            r.i64()
            r.i64()
            n = r.carray() if flexible else r.array()
            for _ in range(max(n, 0)):
                r.i64(); r.i64()
                if flexible:
                    r.tags()
            r.i32()
            size = (r.uvarint() - 1) if flexible else r.i32()
            r.p += max(size, 0)
            if flexible:
                for _ in range(r.uvarint()):
                    tag, end = r.uvarint(), r.uvarint()
                    end += r.p
                    if tag == 1 and leaders is not None:  # CurrentLeader
                        leaders.setdefault("current", {})[(t, idx)] = (r.i32(), r.i32())
                    r.p = end
            out[(t, idx)] = (perr, hw, max(size, 0))
        if flexible:
            r.tags()
    if flexible:
        for _ in range(r.uvarint()):
            tag, end = r.uvarint(), r.uvarint()
            end += r.p
            if tag == 0 and leaders is not None:  # NodeEndpoints
                for _ in range(r.carray()):
                    node, host, port = r.i32(), r.cstring(), r.i32()
                    r.cstring()
                    r.tags()
                    leaders.setdefault("endpoints", {})[node] = (host, port)
            r.p = end
    return err, sid, out
