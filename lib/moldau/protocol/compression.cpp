#include "moldau/protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "moldau/common/endian.h"

namespace moldau::protocol {
namespace {

// The xerial (snappy-java) stream header: magic, then int32 version and compatible version.
constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr size_t kXerialHeaderSize = 16;
constexpr int32_t kXerialVersion = 1;
constexpr int32_t kXerialCompatibleVersion = 1;
// snappy-java's default block size; each block is compressed on its own.
constexpr size_t kXerialBlockSize = 32 * 1024;

constexpr size_t kInitialOutput = 64 * 1024;

Status corrupt(Compression codec, const std::string& what) {
  return Status(ErrorCode::kCorruptMessage,
                std::string(compression_name(codec)) + " decompression failed: " + what);
}

Status too_large(Compression codec, size_t limit) {
  return Status(ErrorCode::kMessageTooLarge, std::string(compression_name(codec)) +
                                                 " data decompresses to more than the limit of " +
                                                 std::to_string(limit) + " bytes");
}

// An output buffer that grows by doubling but never beyond `limit` bytes. When the limit is
// reached, room() hands out a one-byte scratch area: a decoder that writes into it has more
// output than the limit allows.
class BoundedOutput {
 public:
  BoundedOutput(std::vector<uint8_t>* out, size_t limit, size_t hint) : out_(out), limit_(limit) {
    out_->clear();
    grow_to(std::min(limit_, std::max(hint, size_t{1024})));
  }
  // Makes sure there is free space; true when it is real space, false for the scratch byte.
  bool room() {
    if (used_ < out_->size()) return true;
    if (out_->size() >= limit_) return false;
    size_t grown = out_->size() < kInitialOutput ? kInitialOutput : out_->size() * 2;
    grow_to(std::min(limit_, grown));
    return true;
  }
  uint8_t* ptr(bool real) { return real ? out_->data() + used_ : &scratch_; }
  size_t free_bytes(bool real) const { return real ? out_->size() - used_ : 1; }
  void produced(size_t n) { used_ += n; }
  void finish() { out_->resize(used_); }

 private:
  // resize() alone may allocate up to twice the new size; reserve() allocates exactly.
  void grow_to(size_t n) {
    out_->reserve(n);
    out_->resize(n);
  }

  std::vector<uint8_t>* out_;
  size_t limit_;
  size_t used_ = 0;
  uint8_t scratch_ = 0;
};

size_t initial_hint(size_t input) { return input > SIZE_MAX / 4 ? input : input * 4; }

// ---- gzip ----

Result<std::vector<uint8_t>> gzip_compress(std::span<const uint8_t> data, std::optional<int> level) {
  if (data.size() > UINT32_MAX) return Status(ErrorCode::kMessageTooLarge, "gzip: input over 4 GiB");
  z_stream zs{};
  int rc = deflateInit2(&zs, level.value_or(Z_DEFAULT_COMPRESSION), Z_DEFLATED, 15 + 16, 8,
                        Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) {
    return Status(ErrorCode::kInvalidConfig,
                  "gzip: cannot start compression (level " + std::to_string(level.value_or(-1)) + ")");
  }
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  rc = deflate(&zs, Z_FINISH);
  size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status(ErrorCode::kUnknownServerError, "gzip: compression failed");
  out.resize(n);
  return out;
}

Status gzip_decompress(std::span<const uint8_t> data, size_t limit, std::vector<uint8_t>* out) {
  constexpr Compression kCodec = Compression::kGzip;
  if (data.size() > UINT32_MAX) return corrupt(kCodec, "input over 4 GiB");
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return corrupt(kCodec, "cannot start zlib");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  BoundedOutput o(out, limit, initial_hint(data.size()));
  while (true) {
    bool real = o.room();
    size_t avail = std::min<size_t>(o.free_bytes(real), UINT32_MAX);
    zs.next_out = o.ptr(real);
    zs.avail_out = static_cast<uInt>(avail);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t n = avail - zs.avail_out;
    if (!real && n > 0) return too_large(kCodec, limit);
    o.produced(n);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (gzip allows concatenation; Java reads it as one stream).
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        inflateReset(&zs);
        continue;
      }
      return corrupt(kCodec, std::to_string(zs.avail_in) + " bytes of trailing garbage after the stream");
    }
    if (rc == Z_BUF_ERROR) {
      if (zs.avail_in == 0) {
        return corrupt(kCodec, "stream truncated after " + std::to_string(data.size()) + " bytes");
      }
      continue;  // out of output space: grow and go on
    }
    if (rc != Z_OK) {
      return corrupt(kCodec, std::string(zs.msg ? zs.msg : "zlib error ") +
                                 " at input byte " + std::to_string(zs.total_in));
    }
  }
  o.finish();
  return Status();
}

// ---- snappy ----

Result<std::vector<uint8_t>> snappy_compress(std::span<const uint8_t> data) {
  std::vector<uint8_t> out(kXerialHeaderSize);
  std::memcpy(out.data(), kXerialMagic, sizeof kXerialMagic);
  store_be32(out.data() + 8, kXerialVersion);
  store_be32(out.data() + 12, kXerialCompatibleVersion);
  for (size_t pos = 0; pos < data.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, data.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(data.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &written);
    store_be32(out.data() + at, static_cast<uint32_t>(written));
    out.resize(at + 4 + written);
  }
  return out;
}

// Appends one raw snappy block to `out`, checking its declared length against the limit first.
Status snappy_raw_block(std::span<const uint8_t> block, size_t limit, std::vector<uint8_t>* out,
                        size_t at_input) {
  constexpr Compression kCodec = Compression::kSnappy;
  const char* p = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(p, block.size(), &n)) {
    return corrupt(kCodec, "bad length preamble in block at input byte " + std::to_string(at_input));
  }
  if (n > limit - out->size()) return too_large(kCodec, limit);
  size_t at = out->size();
  if (at + n > out->capacity()) {
    // Amortized growth across xerial blocks, but never past the limit.
    out->reserve(std::max(at + n, std::min(limit, 2 * out->capacity())));
  }
  out->resize(at + n);
  if (!snappy::RawUncompress(p, block.size(), reinterpret_cast<char*>(out->data() + at))) {
    return corrupt(kCodec, "malformed block at input byte " + std::to_string(at_input));
  }
  return Status();
}

Status snappy_decompress(std::span<const uint8_t> data, size_t limit, std::vector<uint8_t>* out) {
  out->clear();
  bool xerial = data.size() >= kXerialHeaderSize &&
                std::memcmp(data.data(), kXerialMagic, sizeof kXerialMagic) == 0;
  if (!xerial) return snappy_raw_block(data, limit, out, 0);
  size_t pos = kXerialHeaderSize;
  while (pos < data.size()) {
    if (data.size() - pos < 4) {
      return corrupt(Compression::kSnappy,
                     "xerial block length truncated at input byte " + std::to_string(pos));
    }
    uint32_t n = load_be32(data.data() + pos);
    if (n > data.size() - pos - 4) {
      return corrupt(Compression::kSnappy, "xerial block at input byte " + std::to_string(pos) +
                                               " declares " + std::to_string(n) + " bytes but " +
                                               std::to_string(data.size() - pos - 4) + " are left");
    }
    MOLDAU_RETURN_IF_ERROR(snappy_raw_block(data.subspan(pos + 4, n), limit, out, pos + 4));
    pos += 4 + size_t{n};
  }
  return Status();
}

// ---- lz4 ----

Result<std::vector<uint8_t>> lz4_compress(std::span<const uint8_t> data, std::optional<int> level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;  // Kafka's block size
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // Kafka's reader requires it
  prefs.compressionLevel = level.value_or(0);
  std::vector<uint8_t> out(LZ4F_compressFrameBound(data.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs);
  if (LZ4F_isError(n)) {
    return Status(ErrorCode::kUnknownServerError,
                  std::string("lz4: compression failed: ") + LZ4F_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Status lz4_decompress(std::span<const uint8_t> data, size_t limit, std::vector<uint8_t>* out) {
  constexpr Compression kCodec = Compression::kLz4;
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    return corrupt(kCodec, "cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> guard(ctx, LZ4F_freeDecompressionContext);
  BoundedOutput o(out, limit, initial_hint(data.size()));
  size_t pos = 0;
  while (true) {
    bool real = o.room();
    size_t dst_size = o.free_bytes(real);
    size_t src_size = data.size() - pos;
    size_t hint = LZ4F_decompress(ctx, o.ptr(real), &dst_size, data.data() + pos, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      return corrupt(kCodec, std::string(LZ4F_getErrorName(hint)) + " near input byte " +
                                 std::to_string(pos));
    }
    if (!real && dst_size > 0) return too_large(kCodec, limit);
    o.produced(dst_size);
    pos += src_size;
    if (hint == 0 && pos == data.size()) break;  // frame complete, input used up
    if (src_size == 0 && dst_size == 0) {
      if (pos == data.size()) {
        return corrupt(kCodec, "frame truncated after " + std::to_string(data.size()) + " bytes");
      }
      return corrupt(kCodec, "no progress at input byte " + std::to_string(pos));
    }
  }
  o.finish();
  return Status();
}

// ---- zstd ----

Result<std::vector<uint8_t>> zstd_compress(std::span<const uint8_t> data, std::optional<int> level) {
  std::vector<uint8_t> out(ZSTD_compressBound(data.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(),
                           level.value_or(ZSTD_CLEVEL_DEFAULT));
  if (ZSTD_isError(n)) {
    return Status(ErrorCode::kUnknownServerError,
                  std::string("zstd: compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

// The largest window a frame may ask for: enough for any output within the limit, at least
// 16 MiB (what encoders pick for streams of unknown size up to high levels), at most zstd's
// own default cap of 128 MiB. Bounds decoder memory for frames that claim a huge window.
int window_log_max(size_t limit) {
  int log = 10;
  while (log < 27 && (size_t{1} << log) < limit) ++log;
  return std::clamp(log, 24, 27);
}

Status zstd_decompress(std::span<const uint8_t> data, size_t limit, std::vector<uint8_t>* out) {
  constexpr Compression kCodec = Compression::kZstd;
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return corrupt(kCodec, "cannot create a decompression context");
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, window_log_max(limit));
  BoundedOutput o(out, limit, initial_hint(data.size()));
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t last = 1;  // nonzero: a frame is still open (or none has started)
  while (!(in.pos == in.size && last == 0)) {
    bool real = o.room();
    ZSTD_outBuffer ob{o.ptr(real), o.free_bytes(real), 0};
    size_t before = in.pos;
    size_t rc = ZSTD_decompressStream(ctx.get(), &ob, &in);
    if (ZSTD_isError(rc)) {
      return corrupt(kCodec, std::string(ZSTD_getErrorName(rc)) + " near input byte " +
                                 std::to_string(before));
    }
    if (!real && ob.pos > 0) return too_large(kCodec, limit);
    o.produced(ob.pos);
    last = rc;
    if (ob.pos == 0 && in.pos == before && rc != 0) {
      return corrupt(kCodec, "frame truncated after " + std::to_string(data.size()) + " bytes");
    }
  }
  o.finish();
  return Status();
}


// ---- streaming decompression ----

class GzipStream final : public StreamDecompressor {
 public:
  GzipStream(std::span<const uint8_t> in, size_t max_total)
      : StreamDecompressor(Compression::kGzip, max_total), in_(in) {}
  ~GzipStream() override {
    if (started_) inflateEnd(&zs_);
  }
  Status start() {
    if (in_.size() > UINT32_MAX) return corrupt(codec_, "input over 4 GiB");
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) return corrupt(codec_, "cannot start zlib");
    started_ = true;
    zs_.next_in = const_cast<Bytef*>(in_.data());
    zs_.avail_in = static_cast<uInt>(in_.size());
    return Status();
  }

 protected:
  Result<size_t> read_some(uint8_t* out, size_t n) override {
    while (!done_) {
      zs_.next_out = out;
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(n, UINT32_MAX));
      int rc = inflate(&zs_, Z_NO_FLUSH);
      size_t produced = std::min<size_t>(n, UINT32_MAX) - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        if (zs_.avail_in == 0) {
          done_ = true;
        } else if (zs_.avail_in >= 2 && zs_.next_in[0] == 0x1f && zs_.next_in[1] == 0x8b) {
          inflateReset(&zs_);  // another gzip member
        } else {
          return corrupt(codec_, std::to_string(zs_.avail_in) + " bytes of trailing garbage after the stream");
        }
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && produced == 0) {
        return corrupt(codec_, "stream truncated after " + std::to_string(in_.size()) + " bytes");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return corrupt(codec_, std::string(zs_.msg ? zs_.msg : "zlib error") + " at input byte " +
                                   std::to_string(zs_.total_in));
      }
      if (produced > 0) return produced;
    }
    return size_t{0};
  }

 private:
  std::span<const uint8_t> in_;
  z_stream zs_{};
  bool started_ = false;
  bool done_ = false;
};

class ZstdStream final : public StreamDecompressor {
 public:
  ZstdStream(std::span<const uint8_t> in, size_t max_total)
      : StreamDecompressor(Compression::kZstd, max_total), ctx_(ZSTD_createDCtx(), ZSTD_freeDCtx), in_{in.data(), in.size(), 0} {}
  Status start() {
    if (!ctx_) return corrupt(codec_, "cannot create a decompression context");
    // A 16 MiB window at most: what encoders pick for streams of unknown size up to high levels.
    ZSTD_DCtx_setParameter(ctx_.get(), ZSTD_d_windowLogMax, 24);
    return Status();
  }

 protected:
  Result<size_t> read_some(uint8_t* out, size_t n) override {
    while (!(in_.pos == in_.size && last_ == 0)) {
      ZSTD_outBuffer ob{out, n, 0};
      size_t before = in_.pos;
      size_t rc = ZSTD_decompressStream(ctx_.get(), &ob, &in_);
      if (ZSTD_isError(rc)) {
        return corrupt(codec_, std::string(ZSTD_getErrorName(rc)) + " near input byte " + std::to_string(before));
      }
      last_ = rc;
      if (ob.pos > 0) return ob.pos;
      if (in_.pos == before && rc != 0) {
        return corrupt(codec_, "frame truncated after " + std::to_string(in_.size) + " bytes");
      }
    }
    return size_t{0};
  }

 private:
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx_;
  ZSTD_inBuffer in_;
  size_t last_ = 1;  // nonzero: a frame is still open (or none has started)
};

class Lz4Stream final : public StreamDecompressor {
 public:
  Lz4Stream(std::span<const uint8_t> in, size_t max_total)
      : StreamDecompressor(Compression::kLz4, max_total), in_(in) {}
  ~Lz4Stream() override {
    if (ctx_) LZ4F_freeDecompressionContext(ctx_);
  }
  Status start() {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION))) {
      ctx_ = nullptr;
      return corrupt(codec_, "cannot create a decompression context");
    }
    return Status();
  }

 protected:
  Result<size_t> read_some(uint8_t* out, size_t n) override {
    while (!(hint_ == 0 && pos_ == in_.size())) {
      size_t dst = n;
      size_t src = in_.size() - pos_;
      size_t hint = LZ4F_decompress(ctx_, out, &dst, in_.data() + pos_, &src, nullptr);
      if (LZ4F_isError(hint)) {
        return corrupt(codec_, std::string(LZ4F_getErrorName(hint)) + " near input byte " + std::to_string(pos_));
      }
      pos_ += src;
      hint_ = hint;
      if (dst > 0) return dst;
      if (src == 0) {
        return corrupt(codec_, pos_ == in_.size() ? "frame truncated after " + std::to_string(in_.size()) + " bytes"
                                                  : "no progress at input byte " + std::to_string(pos_));
      }
    }
    return size_t{0};
  }

 private:
  std::span<const uint8_t> in_;
  LZ4F_dctx* ctx_ = nullptr;
  size_t pos_ = 0;
  size_t hint_ = 1;
};

// Snappy blocks are decompressed one at a time (xerial framing: 32 KiB blocks as the Java client
// writes; librdkafka's single raw block: the whole batch, at most 64 MiB).
constexpr size_t kMaxSnappyRawBlock = 64u << 20;
class SnappyStream final : public StreamDecompressor {
 public:
  SnappyStream(std::span<const uint8_t> in, size_t max_total)
      : StreamDecompressor(Compression::kSnappy, max_total), in_(in) {}
  Status start() {
    xerial_ = in_.size() >= kXerialHeaderSize && std::memcmp(in_.data(), kXerialMagic, sizeof kXerialMagic) == 0;
    pos_ = xerial_ ? kXerialHeaderSize : 0;
    return Status();
  }

 protected:
  Result<size_t> read_some(uint8_t* out, size_t n) override {
    while (block_pos_ == block_.size()) {
      if (pos_ == in_.size() && (xerial_ || read_raw_)) return size_t{0};
      block_.clear();
      block_pos_ = 0;
      if (!xerial_) {
        // One raw block holds the whole stream (librdkafka's framing): it is decompressed at
        // once, so its size bounds memory.
        MOLDAU_RETURN_IF_ERROR(snappy_raw_block(in_, std::min(max_total_, kMaxSnappyRawBlock), &block_, 0));
        read_raw_ = true;
        pos_ = in_.size();
        continue;
      }
      if (in_.size() - pos_ < 4) {
        return corrupt(codec_, "xerial block length truncated at input byte " + std::to_string(pos_));
      }
      uint32_t len = load_be32(in_.data() + pos_);
      if (len > in_.size() - pos_ - 4) {
        return corrupt(codec_, "xerial block at input byte " + std::to_string(pos_) + " declares " +
                                   std::to_string(len) + " bytes but " + std::to_string(in_.size() - pos_ - 4) +
                                   " are left");
      }
      MOLDAU_RETURN_IF_ERROR(snappy_raw_block(in_.subspan(pos_ + 4, len), max_total_, &block_, pos_ + 4));
      pos_ += 4 + size_t{len};
    }
    size_t k = std::min(n, block_.size() - block_pos_);
    std::memcpy(out, block_.data() + block_pos_, k);
    block_pos_ += k;
    return k;
  }

 private:
  std::span<const uint8_t> in_;
  bool xerial_ = false;
  bool read_raw_ = false;
  size_t pos_ = 0;
  std::vector<uint8_t> block_;
  size_t block_pos_ = 0;
};

class PlainStream final : public StreamDecompressor {
 public:
  PlainStream(std::span<const uint8_t> in, size_t max_total) : StreamDecompressor(Compression::kNone, max_total), in_(in) {}
  Status start() { return Status(); }

 protected:
  Result<size_t> read_some(uint8_t* out, size_t n) override {
    size_t k = std::min(n, in_.size() - pos_);
    if (k > 0) std::memcpy(out, in_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

template <class S>
Result<std::unique_ptr<StreamDecompressor>> start_stream(std::span<const uint8_t> input, size_t max_total) {
  auto s = std::make_unique<S>(input, max_total);
  MOLDAU_RETURN_IF_ERROR(s->start());
  return std::unique_ptr<StreamDecompressor>(std::move(s));
}

}  // namespace

Result<std::unique_ptr<StreamDecompressor>> StreamDecompressor::open(Compression codec, std::span<const uint8_t> input,
                                                                     size_t max_total) {
  switch (codec) {
    case Compression::kNone: return start_stream<PlainStream>(input, max_total);
    case Compression::kGzip: return start_stream<GzipStream>(input, max_total);
    case Compression::kSnappy: return start_stream<SnappyStream>(input, max_total);
    case Compression::kLz4: return start_stream<Lz4Stream>(input, max_total);
    case Compression::kZstd: return start_stream<ZstdStream>(input, max_total);
  }
  return Status(ErrorCode::kUnsupportedCompressionType,
                "unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<size_t> StreamDecompressor::read(uint8_t* out, size_t n) {
  if (n == 0) return size_t{0};
  MOLDAU_ASSIGN_OR_RETURN(size_t k, read_some(out, n));
  total_ += k;
  if (total_ > max_total_) return too_large(codec_, max_total_);
  return k;
}

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kSnappy: return "snappy";
    case Compression::kLz4: return "lz4";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

std::optional<Compression> compression_from_name(std::string_view name) {
  for (int i = 0; i <= 4; ++i) {
    auto c = static_cast<Compression>(i);
    if (compression_name(c) == name) return c;
  }
  return std::nullopt;
}

Result<std::vector<uint8_t>> compress(Compression codec, std::span<const uint8_t> data,
                                      std::optional<int> level) {
  switch (codec) {
    case Compression::kNone: return std::vector<uint8_t>(data.begin(), data.end());
    case Compression::kGzip: return gzip_compress(data, level);
    case Compression::kSnappy: return snappy_compress(data);
    case Compression::kLz4: return lz4_compress(data, level);
    case Compression::kZstd: return zstd_compress(data, level);
  }
  return Status(ErrorCode::kUnsupportedCompressionType,
                "unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Status decompress_into(Compression codec, std::span<const uint8_t> data, size_t max_decompressed,
                       std::vector<uint8_t>* out) {
  switch (codec) {
    case Compression::kNone:
      if (data.size() > max_decompressed) return too_large(codec, max_decompressed);
      out->assign(data.begin(), data.end());
      return Status();
    case Compression::kGzip: return gzip_decompress(data, max_decompressed, out);
    case Compression::kSnappy: return snappy_decompress(data, max_decompressed, out);
    case Compression::kLz4: return lz4_decompress(data, max_decompressed, out);
    case Compression::kZstd: return zstd_decompress(data, max_decompressed, out);
  }
  return Status(ErrorCode::kUnsupportedCompressionType,
                "unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

Result<std::vector<uint8_t>> decompress(Compression codec, std::span<const uint8_t> data,
                                        size_t max_decompressed) {
  std::vector<uint8_t> out;
  MOLDAU_RETURN_IF_ERROR(decompress_into(codec, data, max_decompressed, &out));
  return out;
}

}  // namespace moldau::protocol
