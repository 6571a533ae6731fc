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
#include <memory>
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

// Decompresses one stream of a codec piece by piece into the caller's buffer, so that a reader
// can walk what it holds without keeping it all: memory is the codec's own state (a zstd window
// of at most 16 MiB, an LZ4 block of at most 4 MiB, one snappy block) however large the output.
// A snappy block is decompressed whole, so its declared length must be within `max_total` and,
// for a single raw block (librdkafka's framing), within 64 MiB.
// The input must outlive the decompressor. Not thread-safe.
class StreamDecompressor {
 public:
  // `max_total`: a stream that inflates beyond it fails with MESSAGE_TOO_LARGE.
  static Result<std::unique_ptr<StreamDecompressor>> open(Compression codec,
                                                          std::span<const uint8_t> input,
                                                          size_t max_total);
  virtual ~StreamDecompressor() = default;
  // Writes up to `n` (> 0) bytes to `out`; returns how many, 0 only at the end of the stream.
  // CORRUPT_MESSAGE for malformed or truncated input.
  Result<size_t> read(uint8_t* out, size_t n);

 protected:
  StreamDecompressor(Compression codec, size_t max_total) : codec_(codec), max_total_(max_total) {}
  virtual Result<size_t> read_some(uint8_t* out, size_t n) = 0;
  Compression codec_;
  size_t max_total_;
  size_t total_ = 0;
};

}  // namespace moldau::protocol
