#pragma once
// The four compression codecs of record batches (attributes bits 0-2), over whole buffers.
//
// What each codec writes and reads:
//   gzip    a gzip stream (RFC 1952); concatenated members are read as one stream.
//   snappy  written in the xerial framing that the Java client writes (magic 0x82 "SNAPPY" 0x00,
//           int32 version 1, int32 compatible version 1, then blocks of [int32 length][raw
//           snappy]); read in that framing or as one raw snappy block, as librdkafka writes.
//   lz4     an LZ4 frame (independent 64 KiB blocks, correct header checksum), as Kafka writes
//           for magic 2; any standard frame is read, concatenated frames too.
//   zstd    a zstd frame; read by streaming, so frames without a content size are fine.
//
// decompress() never grows its output beyond `max_decompressed` bytes: a stream that would
// inflate further fails with MESSAGE_TOO_LARGE before allocating more. Malformed input fails
// with CORRUPT_MESSAGE and a message naming the codec and what was wrong. Thread-safe: no
// shared state.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "moldau/common/result.h"
#include "moldau/protocol/record_batch.h"

namespace moldau::protocol {

// "none", "gzip", "snappy", "lz4", "zstd" (Kafka's compression.type names); "unknown" else.
std::string_view compression_name(Compression c);
// The codec for a Kafka compression.type name; nullopt for an unknown name.
std::optional<Compression> compression_from_name(std::string_view name);
// Whether attributes bits 0-2 name a codec this file knows (0..4).
inline bool is_known_compression(int id) { return id >= 0 && id <= 4; }

// Compresses `data` with `codec` (kNone returns a copy). `level` is the codec's own level
// (gzip 1-9, lz4 0-12, zstd 1-22); nullopt uses the codec default. Snappy has no level.
Result<std::vector<uint8_t>> compress(Compression codec, std::span<const uint8_t> data,
                                      std::optional<int> level = std::nullopt);

// Decompresses `data`, which must hold exactly one whole stream of `codec`.
Result<std::vector<uint8_t>> decompress(Compression codec, std::span<const uint8_t> data,
                                        size_t max_decompressed);
// Same, into `out` (cleared first), so that a caller can reuse one buffer across batches.
Status decompress_into(Compression codec, std::span<const uint8_t> data, size_t max_decompressed,
                       std::vector<uint8_t>* out);

}  // namespace moldau::protocol
