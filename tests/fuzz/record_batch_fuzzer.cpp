// libFuzzer target: record-batch validation and record decoding as produce does them, with a
// small decompression limit so that bombs are caught, not allocated.
#include <cstdint>
#include <span>

#include "moldau/protocol/produced_records.h"
#include "moldau/protocol/record.h"
#include "moldau/protocol/record_batch.h"

using namespace moldau::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  auto batch = validate_produce_records(input, 9);
  BatchIterator it(input);
  BatchView view;
  while (it.next(&view)) {
    DecodeLimits limits;
    limits.max_decompressed_bytes = 1 << 20;
    size_t n = 0;
    (void)for_each_record(view.bytes, limits, [&](const Record& rec) {
      n += rec.headers.size() + (rec.key ? rec.key->size() : 0);
      return moldau::Status();
    });
  }
  (void)batch;
  return 0;
}
