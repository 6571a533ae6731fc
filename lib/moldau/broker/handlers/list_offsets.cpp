// ListOffsets: -1 latest (the high watermark, or the last stable offset for read_committed),
// -2 earliest, -3 the record with the largest timestamp (v7), a timestamp: the first record
// at or after it. v0 answers with Kafka's old list of offsets (see legacy_offsets_before).
#include <algorithm>
#include <vector>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/protocol/messages/list_offsets.h"
#include "moldau/storage/file_util.h"

namespace moldau::broker::handlers {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

namespace {

constexpr int32_t kConsumerReplicaId = -1;

// Kafka 3.x's legacyFetchOffsetsBefore for ListOffsets v0: the candidates are each segment's
// base offset (at least the log start) with the segment file's modification time, plus the log
// end offset at "now" when the active segment holds data. -1 (latest) starts from the last
// candidate, -2 (earliest) from the first, a time from the last candidate modified at or before
// it; up to max_num_offsets candidates from there backwards, in descending order. For a
// consumer, offsets above the high watermark give way to the high watermark.
std::vector<int64_t> legacy_offsets_before(const storage::PartitionLog& log, int64_t timestamp,
                                           int32_t max_num_offsets, bool from_consumer) {
  auto segments = log.segments();
  const int64_t start = log.log_start_offset();
  std::vector<std::pair<int64_t, int64_t>> candidates;  // (offset, time)
  for (const auto& s : segments) candidates.emplace_back(std::max(s.base_offset, start), s.last_modified_ms);
  if (!segments.empty() && segments.back().size_bytes > 0)
    candidates.emplace_back(log.log_end_offset(), storage::wall_clock_ms());

  int64_t index = -1;
  if (timestamp == storage::kLatestTimestamp) {
    index = static_cast<int64_t>(candidates.size()) - 1;
  } else if (timestamp == storage::kEarliestTimestamp) {
    index = 0;
  } else {
    index = static_cast<int64_t>(candidates.size()) - 1;
    while (index >= 0 && candidates[static_cast<size_t>(index)].second > timestamp) --index;
  }
  std::vector<int64_t> out;
  for (int64_t n = std::min<int64_t>(max_num_offsets, index + 1); n > 0; --n, --index)
    out.push_back(candidates[static_cast<size_t>(index)].first);
  std::sort(out.begin(), out.end(), std::greater<>());
  if (from_consumer) {
    const int64_t hw = log.high_watermark();
    if (std::any_of(out.begin(), out.end(), [&](int64_t o) { return o > hw; })) {
      // Descending order: the offsets above the high watermark are the leading ones.
      std::vector<int64_t> kept{hw};
      for (int64_t o : out)
        if (o <= hw) kept.push_back(o);
      out = std::move(kept);
    }
  }
  return out;
}

}  // namespace

asio::awaitable<Status> list_offsets(RequestContext& ctx) {
  auto req = ctx.decode<ListOffsetsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  ListOffsetsResponse resp;
  for (const auto& topic : req->topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse tr;
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      ListOffsetsResponse::ListOffsetsTopicResponse::ListOffsetsPartitionResponse pr;
      pr.partition_index = p.partition_index;
      auto [partition, error] =
          broker.replicas().leader(topic.name, p.partition_index, v >= 4 ? p.current_leader_epoch : -1);
      storage::PartitionLog* log = partition ? &partition->log() : nullptr;
      if (v == 0 && p.timestamp < storage::kEarliestTimestamp) {
        // v0 knows only latest (-1), earliest (-2) and times.
        pr.error_code = to_wire(ErrorCode::kUnsupportedVersion);
      } else if (!log) {
        pr.error_code = to_wire(error);
      } else if (v == 0) {
        pr.old_style_offsets = legacy_offsets_before(*log, p.timestamp, p.max_num_offsets,
                                                     req->replica_id == kConsumerReplicaId);
      } else {
        int64_t offset = -1, timestamp = -1;
        // read_committed (v2+) sees up to the last stable offset.
        const int64_t visible = v >= 2 && req->isolation_level == 1 ? log->last_stable_offset()
                                                                    : log->high_watermark();
        if (p.timestamp == storage::kLatestTimestamp) {
          offset = visible;
        } else if (p.timestamp == storage::kEarliestTimestamp ||
                   p.timestamp == storage::kEarliestLocalTimestamp) {
          offset = log->log_start_offset();
        } else {
          auto found = log->offset_for_timestamp(p.timestamp);
          if (!found.ok()) {
            pr.error_code = to_wire(found.status().code());
          } else if (*found) {
            offset = (*found)->offset;
            timestamp = (*found)->timestamp;
            // Only offsets below the high watermark are visible.
            if (offset >= visible) offset = timestamp = -1;
          }
        }
        pr.offset = offset;
        pr.timestamp = timestamp;
        pr.leader_epoch = offset >= 0 ? partition->leader_epoch() : -1;
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
