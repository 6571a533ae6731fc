"""Record batches (magic 2) and raw Produce/Fetch frames built by hand, for tests that must send
what no well-behaved client sends: bad CRCs, wrong counts, control batches, old magics,
decompression bombs. Layouts: docs/record_batch.md and Kafka's message specs.
"""
import socket
import struct
import time
import zlib

# --- CRC-32C (Castagnoli), table driven ---------------------------------------------------

_CRC32C_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def zigzag_varint(v: int) -> bytes:
    v = (v << 1) ^ (v >> 63)
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def record(offset_delta: int, value: bytes, key: bytes = None, ts_delta: int = 0) -> bytes:
    body = bytearray(b"\x00")  # attributes
    body += zigzag_varint(ts_delta) + zigzag_varint(offset_delta)
    body += zigzag_varint(-1) if key is None else zigzag_varint(len(key)) + key
    body += zigzag_varint(-1) if value is None else zigzag_varint(len(value)) + value
    body += zigzag_varint(0)  # headers
    return zigzag_varint(len(body)) + bytes(body)


# Compression codecs in the attributes' low bits.
NONE, GZIP, SNAPPY, LZ4, ZSTD = 0, 1, 2, 3, 4


def batch(values=(b"v",), *, attributes=0, records_area: bytes = None, count: int = None,
          last_offset_delta: int = None, magic: int = 2, base_offset: int = 0,
          producer_id: int = -1, producer_epoch: int = -1, base_sequence: int = -1,
          timestamp: int = None, max_timestamp: int = None, ts_deltas=None, keys=None,
          crc: int = None, batch_length: int = None) -> bytes:
    """One batch. By default a valid uncompressed batch of `values`; every field can be forced.
    `timestamp` is the base timestamp, `ts_deltas` the records' deltas from it, `max_timestamp`
    the header's claim (by default the base timestamp, as if all deltas were 0)."""
    ts = int(time.time() * 1000) if timestamp is None else timestamp
    if records_area is None:
        records_area = b"".join(
            record(i, v, key=None if keys is None else keys[i],
                   ts_delta=0 if ts_deltas is None else ts_deltas[i])
            for i, v in enumerate(values))
    n = len(values) if count is None else count
    lod = (n - 1) if last_offset_delta is None else last_offset_delta
    max_ts = ts if max_timestamp is None else max_timestamp
    after_crc = struct.pack(">hiqqqhii", attributes, lod, ts, max_ts, producer_id, producer_epoch,
                            base_sequence, n) + records_area
    c = crc32c(after_crc) if crc is None else crc
    body = struct.pack(">ibI", -1, magic, c) + after_crc  # partitionLeaderEpoch, magic, crc
    length = len(body) if batch_length is None else batch_length
    return struct.pack(">qi", base_offset, length) + body


# --- decompression bombs: small compressed payloads of `size` zero bytes ---------------------

def gzip_zeros(size: int) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    chunk = bytes(1 << 20)
    out = bytearray()
    for _ in range(size >> 20):
        out += co.compress(chunk)
    return bytes(out + co.flush())


def zstd_zeros(size: int) -> bytes:
    """A zstd frame of RLE blocks (block type 1), 128 KiB each."""
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out += bytes([0xE0]) + struct.pack("<Q", size)  # FCS 8 bytes, single segment
    block = 128 * 1024
    left = size
    while left > 0:
        n = min(block, left)
        left -= n
        header = (1 if left == 0 else 0) | (1 << 1) | (n << 3)
        out += struct.pack("<I", header)[:3] + b"\x00"
    return bytes(out)


def _xxh32(data: bytes, seed: int = 0) -> int:
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    m = 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & m  # noqa: E731
    n = len(data)
    i = 0
    if n >= 16:
        v = [(seed + p1 + p2) & m, (seed + p2) & m, seed & m, (seed - p1) & m]
        while i + 16 <= n:
            for j in range(4):
                lane = struct.unpack_from("<I", data, i + 4 * j)[0]
                v[j] = (rotl((v[j] + lane * p2) & m, 13) * p1) & m
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
    else:
        h = (seed + p5) & m
    h = (h + n) & m
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * p3) & m, 17) * p4) & m
        i += 4
    while i < n:
        h = (rotl((h + data[i] * p5) & m, 11) * p1) & m
        i += 1
    h ^= h >> 15
    h = (h * p2) & m
    h ^= h >> 13
    h = (h * p3) & m
    h ^= h >> 16
    return h


def lz4_zeros(size: int) -> bytes:
    """An LZ4 frame (Kafka's codec since magic 1 fix) of 4 MiB blocks, each one literal zero,
    one long match at offset 1, and the five trailing literals the format requires."""
    block_max = 4 << 20
    desc = bytes([0x60, 0x70])  # version 01, independent blocks; 4 MiB max block
    out = bytearray(struct.pack("<I", 0x184D2204) + desc + bytes([(_xxh32(desc) >> 8) & 0xFF]))
    left = size
    while left > 0:
        n = min(block_max, left)
        left -= n
        match = n - 1 - 5
        ext = match - 4 - 15  # match length beyond minmatch 4 and the token's 15
        blk = bytearray([0x1F, 0x00]) + struct.pack("<H", 1)
        blk += b"\xff" * (ext // 255) + bytes([ext % 255])
        blk += bytes([0x50]) + bytes(5)  # last sequence: 5 literals
        out += struct.pack("<I", len(blk)) + blk
    out += struct.pack("<I", 0)  # end mark
    return bytes(out)


def snappy_zeros(size: int) -> bytes:
    """Raw snappy: one literal zero, then 64-byte copies at offset 1 (snappy's ratio is ~21x)."""
    out = bytearray()
    v = size
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    out += b"\x00\x00"  # literal, length 1, byte 0
    left = size - 1
    copy64 = bytes([(63 << 2) | 2]) + struct.pack("<H", 1)
    out += copy64 * (left // 64)
    rest = left % 64
    if rest:
        out += bytes([((rest - 1) << 2) | 2]) + struct.pack("<H", 1)
    return bytes(out)


# --- raw Produce ---------------------------------------------------------------------------

def frame(api_key: int, version: int, correlation: int, body: bytes, client_id="hostile") -> bytes:
    cid = client_id.encode()
    payload = struct.pack(">hhih", api_key, version, correlation, len(cid)) + cid + body
    return struct.pack(">i", len(payload)) + payload


def produce_body_v7(topic: str, partition: int, records: bytes, acks: int = -1) -> bytes:
    t = topic.encode()
    recs = struct.pack(">i", -1) if records is None else struct.pack(">i", len(records)) + records
    return (struct.pack(">hhi", -1, acks, 30000) + struct.pack(">i", 1) + struct.pack(">h", len(t)) + t +
            struct.pack(">ii", 1, partition) + recs)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


def read_response(sock: socket.socket) -> bytes:
    size = struct.unpack(">i", recv_exact(sock, 4))[0]
    return recv_exact(sock, size)


def parse_produce_v7(resp: bytes):
    """-> (correlation id, [(topic, partition, error_code, base_offset)])"""
    p = 0
    corr, = struct.unpack_from(">i", resp, p); p += 4
    out = []
    nt, = struct.unpack_from(">i", resp, p); p += 4
    for _ in range(nt):
        ln, = struct.unpack_from(">h", resp, p); p += 2
        name = resp[p:p + ln].decode(); p += ln
        np_, = struct.unpack_from(">i", resp, p); p += 4
        for _ in range(np_):
            idx, err, base, _lat, _lso = struct.unpack_from(">ihqqq", resp, p); p += 30
            out.append((name, idx, err, base))
    return corr, out


def produce_raw(bootstrap: str, topic: str, partition: int, records: bytes, timeout=60.0):
    """Sends one Produce v7 (acks=all) on its own connection; returns (error_code, base_offset)."""
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(frame(0, 7, 77, produce_body_v7(topic, partition, records)))
        corr, parts = parse_produce_v7(read_response(s))
    assert corr == 77
    assert len(parts) == 1 and parts[0][:2] == (topic, partition), parts
    return parts[0][2], parts[0][3]


class ProduceConnection:
    """One connection sending Produce v7 (acks=all) requests in turn, for tests that send many."""

    def __init__(self, bootstrap: str, timeout=60.0):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.correlation = 0

    def produce(self, topic: str, partition: int, records: bytes):
        """-> (error_code, base_offset)"""
        self.correlation += 1
        self.sock.sendall(frame(0, 7, self.correlation, produce_body_v7(topic, partition, records)))
        corr, parts = parse_produce_v7(read_response(self.sock))
        assert corr == self.correlation
        return parts[0][2], parts[0][3]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
