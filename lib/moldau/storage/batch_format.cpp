#include "moldau/storage/batch_format.h"

#include "moldau/common/crc32c.h"
#include "moldau/common/varint.h"

namespace moldau::storage {

namespace pr = protocol;

uint32_t compute_batch_crc(const uint8_t* batch, size_t size) {
  return crc32c(batch + pr::kAttributesPos, size - pr::kAttributesPos);
}

bool batch_crc_ok(const uint8_t* batch, size_t size) {
  if (size < kMinBatchSize) return false;
  return compute_batch_crc(batch, size) == load_be32(batch + pr::kCrcPos);
}

void update_batch_crc(uint8_t* batch, size_t size) {
  store_be32(batch + pr::kCrcPos, compute_batch_crc(batch, size));
}

bool decode_records_area(const BatchHeader& h, std::span<const uint8_t> area,
                         std::vector<RecordView>* out, std::string* error) {
  const uint8_t* p = area.data();
  const uint8_t* end = p + area.size();
  for (int32_t i = 0; i < h.records_count; ++i) {
    const uint8_t* rec_start = p;
    int32_t len = 0;
    size_t n = get_varint32(p, end, &len);
    if (n == 0 || len < 0 || len > end - (p + n)) {
      *error = "record " + std::to_string(i) + ": bad length";
      return false;
    }
    p += n;
    const uint8_t* rec_end = p + len;
    RecordView r;
    auto fail = [&](const char* what) {
      *error = "record " + std::to_string(i) + ": " + what;
      return false;
    };
    if (p >= rec_end) return fail("empty record");
    ++p;  // attributes, unused
    int64_t ts_delta = 0;
    if ((n = get_varint64(p, rec_end, &ts_delta)) == 0) return fail("bad timestampDelta");
    p += n;
    int32_t off_delta = 0;
    if ((n = get_varint32(p, rec_end, &off_delta)) == 0) return fail("bad offsetDelta");
    p += n;
    int32_t klen = 0;
    if ((n = get_varint32(p, rec_end, &klen)) == 0) return fail("bad keyLength");
    p += n;
    if (klen >= 0) {
      if (klen > rec_end - p) return fail("key past end");
      r.key = std::span<const uint8_t>(p, static_cast<size_t>(klen));
      p += klen;
    }
    int32_t vlen = 0;
    if ((n = get_varint32(p, rec_end, &vlen)) == 0) return fail("bad valueLength");
    p += n;
    if (vlen >= 0) {
      if (vlen > rec_end - p) return fail("value past end");
      r.value = std::span<const uint8_t>(p, static_cast<size_t>(vlen));
      p += vlen;
    }
    int32_t nheaders = 0;
    if ((n = get_varint32(p, rec_end, &nheaders)) == 0 || nheaders < 0) return fail("bad header count");
    p += n;
    for (int32_t j = 0; j < nheaders; ++j) {
      int32_t hk = 0;
      if ((n = get_varint32(p, rec_end, &hk)) == 0 || hk < 0 || hk > rec_end - (p + n))
        return fail("bad header key");
      p += n;
      r.header_keys.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(hk));
      p += hk;
      int32_t hv = 0;
      if ((n = get_varint32(p, rec_end, &hv)) == 0) return fail("bad header value length");
      p += n;
      if (hv > 0) {
        if (hv > rec_end - p) return fail("header value past end");
        p += hv;
      }
    }
    if (p != rec_end) return fail("record length mismatch");
    r.offset_delta = off_delta;
    r.offset = h.base_offset + off_delta;
    r.timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + ts_delta;
    r.raw = std::span<const uint8_t>(rec_start, static_cast<size_t>(rec_end - rec_start));
    out->push_back(std::move(r));
  }
  if (p != end) {
    *error = "trailing bytes after the last record";
    return false;
  }
  return true;
}

bool decode_records(std::span<const uint8_t> batch, std::vector<RecordView>* out, std::string* error) {
  if (batch.size() < kMinBatchSize) {
    *error = "batch shorter than its header";
    return false;
  }
  BatchHeader h = decode_batch_header(batch.data());
  if (h.compression() != pr::Compression::kNone) {
    *error = "compressed batch";
    return false;
  }
  return decode_records_area(h, batch.subspan(kMinBatchSize), out, error);
}

std::string_view compression_name(int16_t attributes) {
  switch (attributes & pr::kCompressionMask) {
    case 0: return "none";
    case 1: return "gzip";
    case 2: return "snappy";
    case 3: return "lz4";
    case 4: return "zstd";
    default: return "unknown";
  }
}

}  // namespace moldau::storage
