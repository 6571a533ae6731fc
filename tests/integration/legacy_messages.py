"""Message formats v0 and v1 ("message sets") and the old Produce v0-v2, Fetch v0-v3 and
ListOffsets v0 frames, built and parsed by hand from the format (docs/legacy_records.md) and
Kafka's message specs, for tests of what old clients send and read.
"""
import gzip
import socket
import struct
import zlib

import lz4.block
import lz4.frame
import snappy

from raw_batches import read_response

NONE, GZIP, SNAPPY, LZ4, ZSTD = 0, 1, 2, 3, 4
LOG_APPEND_TIME = 0x08


def message(offset, magic, key, value, *, timestamp=-1, attributes=0, crc=None):
    """One message: [offset][size][crc][magic][attributes][timestamp (v1)][key][value]."""
    body = struct.pack(">bb", magic, attributes)
    if magic == 1:
        body += struct.pack(">q", timestamp)
    body += struct.pack(">i", -1) if key is None else struct.pack(">i", len(key)) + key
    body += struct.pack(">i", -1) if value is None else struct.pack(">i", len(value)) + value
    c = zlib.crc32(body) if crc is None else crc
    return struct.pack(">qiI", offset, len(body) + 4, c) + body


def xerial_snappy(data: bytes, block=32 * 1024) -> bytes:
    out = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
    for i in range(0, len(data), block):
        c = snappy.compress(data[i:i + block])
        out += struct.pack(">i", len(c)) + c
    return out


def _xxh32(data, seed=0):
    from raw_batches import _xxh32 as x
    return x(data, seed)


def kafka_lz4(data: bytes, magic: int) -> bytes:
    """An LZ4 frame as Kafka writes one: 64 KiB independent blocks, no content size; magic 0
    with the old (pre-KIP-57) header checksum over the magic number too."""
    frame = bytearray(lz4.frame.compress(data, block_size=lz4.frame.BLOCKSIZE_MAX64KB,
                                         block_linked=False, content_checksum=False,
                                         store_size=False))
    assert frame[4] & 0x09 == 0  # no content size, no dictionary id: checksum at byte 6
    start = 0 if magic == 0 else 4
    frame[6] = (_xxh32(bytes(frame[start:6])) >> 8) & 0xFF
    return bytes(frame)


def compress(codec, data, magic):
    if codec == GZIP:
        return gzip.compress(data)
    if codec == SNAPPY:
        return xerial_snappy(data)
    if codec == LZ4:
        return kafka_lz4(data, magic)
    raise ValueError(codec)


def decompress(codec, data, magic):
    if codec == GZIP:
        return gzip.decompress(data)
    if codec == SNAPPY:
        if data.startswith(b"\x82SNAPPY\x00"):
            out, p = b"", 16
            while p < len(data):
                n, = struct.unpack_from(">i", data, p)
                out += snappy.decompress(data[p + 4:p + 4 + n])
                p += 4 + n
            return out
        return snappy.decompress(data)
    if codec == LZ4:
        frame = bytearray(data)
        if magic == 0:
            # The broker writes the old checksum for magic 0, as Kafka does; check it, then fix it.
            assert frame[6] == (_xxh32(bytes(frame[0:6])) >> 8) & 0xFF, "expected Kafka's old lz4 checksum"
            frame[6] = (_xxh32(bytes(frame[4:6])) >> 8) & 0xFF
        return lz4.frame.decompress(bytes(frame))
    raise ValueError(codec)


def wrapper(magic, codec, records, *, wrapper_offset=None, timestamp=-1, inner_offsets=None,
            attributes=0):
    """A compressed message set of `records` [(key, value, timestamp)] as an old producer sends
    it: inner offsets 0..n-1, the wrapper at offset n-1 (magic 1) or 0."""
    inner = b"".join(message(inner_offsets[i] if inner_offsets else i, magic, k, v, timestamp=ts)
                     for i, (k, v, ts) in enumerate(records))
    wo = (len(records) - 1 if magic == 1 else 0) if wrapper_offset is None else wrapper_offset
    return message(wo, magic, None, compress(codec, inner, magic), timestamp=timestamp,
                   attributes=codec | attributes)


def parse_messages(data: bytes, deep=True):
    """Parses a message set (a partial trailing message is dropped, as clients do). Returns
    [(offset, magic, attributes, timestamp, key, value)], compressed wrappers expanded with
    absolute offsets (magic 1: relative to the wrapper). Every CRC is checked."""
    out = []
    p = 0
    while len(data) - p >= 12:
        offset, size = struct.unpack_from(">qi", data, p)
        if len(data) - p - 12 < size:
            break
        body = data[p + 12:p + 12 + size]
        p += 12 + size
        crc, magic, attrs = struct.unpack_from(">Ibb", body, 0)
        assert crc == zlib.crc32(body[4:]), f"bad CRC at offset {offset}"
        q = 6
        ts = -1
        if magic == 1:
            ts, = struct.unpack_from(">q", body, q)
            q += 8
        kl, = struct.unpack_from(">i", body, q); q += 4
        key = None if kl < 0 else body[q:q + kl]; q += max(kl, 0)
        vl, = struct.unpack_from(">i", body, q); q += 4
        value = None if vl < 0 else body[q:q + vl]
        codec = attrs & 7
        if codec and deep:
            inner = parse_messages(decompress(codec, value, magic), deep=False)
            if magic == 1:
                base = offset - inner[-1][0]
                inner = [(base + m[0],) + tuple(m[1:]) for m in inner]
            out += inner
        else:
            out.append((offset, magic, attrs, ts, key, value))
    return out


# --- frames ---------------------------------------------------------------------------------

def _frame(api_key, version, corr, body, client_id=b"old-client"):
    payload = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id + body
    return struct.pack(">i", len(payload)) + payload


def _string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


class Conn:
    """One connection to the broker speaking old request versions."""

    def __init__(self, bootstrap, timeout=30.0):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.corr = 0

    def close(self):
        self.sock.close()

    def call(self, api_key, version, body):
        self.corr += 1
        self.sock.sendall(_frame(api_key, version, self.corr, body))
        resp = read_response(self.sock)
        corr, = struct.unpack_from(">i", resp, 0)
        assert corr == self.corr
        return resp[4:]

    def produce(self, version, topic, partition, records, acks=-1):
        """Produce v0-v2 of one partition; -> (error_code, base_offset)."""
        body = struct.pack(">hi", acks, 30000) + struct.pack(">i", 1) + _string(topic)
        body += struct.pack(">ii", 1, partition) + struct.pack(">i", len(records)) + records
        r = self.call(0, version, body)
        p = 4  # topics count
        _, = struct.unpack_from(">i", r, 0)
        ln, = struct.unpack_from(">h", r, p); p += 2 + ln
        n, = struct.unpack_from(">i", r, p); p += 4
        assert n == 1
        idx, err, base = struct.unpack_from(">ihq", r, p)
        assert idx == partition
        return err, base

    def fetch(self, version, topic, partition, offset, max_bytes=1 << 20, max_wait_ms=0,
              min_bytes=1, response_max_bytes=None):
        """Fetch v0-v3 of one partition; -> (error_code, high_watermark, records bytes)."""
        body = struct.pack(">iii", -1, max_wait_ms, min_bytes)
        if version >= 3:
            body += struct.pack(">i", response_max_bytes or 0x7fffffff)
        body += struct.pack(">i", 1) + _string(topic) + struct.pack(">i", 1)
        body += struct.pack(">iqi", partition, offset, max_bytes)
        r = self.call(1, version, body)
        p = 4 if version >= 1 else 0  # throttle_time_ms
        nt, = struct.unpack_from(">i", r, p); p += 4
        assert nt == 1
        ln, = struct.unpack_from(">h", r, p); p += 2 + ln
        np_, = struct.unpack_from(">i", r, p); p += 4
        assert np_ == 1
        idx, err, hw = struct.unpack_from(">ihq", r, p); p += 14
        assert idx == partition
        size, = struct.unpack_from(">i", r, p); p += 4
        return err, hw, r[p:p + max(size, 0)]

    def list_offsets_v0(self, topic, partition, timestamp, max_num_offsets, replica_id=-1):
        body = struct.pack(">i", replica_id) + struct.pack(">i", 1) + _string(topic)
        body += struct.pack(">i", 1) + struct.pack(">iqi", partition, timestamp, max_num_offsets)
        r = self.call(2, 0, body)
        p = 4
        ln, = struct.unpack_from(">h", r, p); p += 2 + ln
        p += 4
        idx, err, n = struct.unpack_from(">ihi", r, p); p += 10
        offsets = list(struct.unpack_from(f">{n}q", r, p))
        return err, offsets
