#pragma once
// Fetch v0-v3 predate record batches: what a partition read returns (v2 batches as file
// ranges) is converted to message format v0 (Fetch v0/v1) or v1 (Fetch v2/v3) as Kafka does
// (protocol/legacy_records.h). Conversion needs the bytes in memory, so it cannot use
// sendfile; memory stays bounded by the fetch's byte limit (plus one batch).

#include <cstdint>
#include <vector>

#include "moldau/common/file_slice.h"
#include "moldau/common/result.h"

namespace moldau::broker {

// The message format an old Fetch version reads: 0 for v0/v1, 1 for v2/v3; -1 when the version
// reads v2 batches as stored.
int8_t fetch_message_format(int16_t fetch_version);

// Reads `slices` and converts their whole batches to `magic`, starting at `fetch_offset`, at
// most `max_bytes` of output (the first converted message always goes). Errors:
// UNSUPPORTED_COMPRESSION_TYPE when the first batch is zstd; KAFKA_STORAGE_ERROR when the file
// cannot be read.
Result<std::vector<uint8_t>> down_convert_slices(const std::vector<FileSlice>& slices, int8_t magic,
                                                 int64_t fetch_offset, size_t max_bytes);

}  // namespace moldau::broker
