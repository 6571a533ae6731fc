#include "moldau/ops/raw_metadata.h"

#include <algorithm>
#include <cstdint>

#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/list_partition_reassignments.h"
#include "moldau/protocol/messages/metadata.h"

namespace moldau::ops {

Result<std::map<std::string, std::string>> fetch_topic_ids(const std::vector<client::BrokerInfo>& brokers,
                                                           int timeout_ms, bool* describe_topic_partitions) {
  auto deadline = RawClock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& b : brokers) {
    auto c = RawConnection::open(b.host, b.port, deadline);
    if (!c.ok() || (*c)->api_versions().error_code != 0) continue;
    constexpr int16_t kDescribeTopicPartitions = 75;
    if (describe_topic_partitions)
      *describe_topic_partitions = (*c)->version_for(kDescribeTopicPartitions, INT16_MAX) >= 0;
    int16_t v = (*c)->version_for(protocol::MetadataRequest::kApiKey, 12);
    if (v < 10) return Status(ErrorCode::kUnsupportedVersion, "Metadata v10 not supported");
    protocol::MetadataRequest mr;
    mr.topics = std::nullopt;  // all topics
    mr.allow_auto_topic_creation = false;
    auto md = (*c)->call<protocol::MetadataRequest, protocol::MetadataResponse>(mr, v, deadline);
    if (!md.ok()) continue;
    std::map<std::string, std::string> out;
    for (const auto& t : md->topics)
      if (t.name && !t.topic_id.is_zero()) out[*t.name] = t.topic_id.to_string();
    return out;
  }
  return Status(ErrorCode::kNetworkException, "no broker reachable for Metadata");
}

Result<std::map<int16_t, int16_t>> fetch_api_versions(const std::vector<client::BrokerInfo>& brokers,
                                                     int timeout_ms) {
  auto deadline = RawClock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& b : brokers) {
    auto c = RawConnection::open(b.host, b.port, deadline);
    if (!c.ok() || (*c)->api_versions().error_code != 0) continue;
    std::map<int16_t, int16_t> keys;
    for (const auto& k : (*c)->api_versions().api_keys) keys[k.api_key] = k.max_version;
    return keys;
  }
  return Status(ErrorCode::kNetworkException, "no broker reachable for ApiVersions");
}

Result<std::map<std::pair<std::string, int32_t>, OngoingReassignment>> fetch_reassignments(
    const std::vector<client::BrokerInfo>& brokers, int timeout_ms) {
  auto deadline = RawClock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& b : brokers) {
    auto c = RawConnection::open(b.host, b.port, deadline);
    if (!c.ok() || (*c)->api_versions().error_code != 0) continue;
    int16_t v = (*c)->version_for(protocol::ListPartitionReassignmentsRequest::kApiKey,
                                  protocol::ListPartitionReassignmentsRequest::kMaxVersion);
    if (v < 0) return Status(ErrorCode::kUnsupportedVersion, "ListPartitionReassignments not supported");
    protocol::ListPartitionReassignmentsRequest req;
    req.timeout_ms = timeout_ms;
    req.topics = std::nullopt;  // all
    auto resp = (*c)->call<protocol::ListPartitionReassignmentsRequest, protocol::ListPartitionReassignmentsResponse>(
        req, v, deadline);
    if (!resp.ok()) continue;
    if (resp->error_code != 0)
      return Status(static_cast<ErrorCode>(resp->error_code), resp->error_message.value_or(""));
    std::map<std::pair<std::string, int32_t>, OngoingReassignment> out;
    for (const auto& t : resp->topics)
      for (const auto& p : t.partitions)
        out[{t.name, p.partition_index}] = {p.replicas, p.adding_replicas, p.removing_replicas};
    return out;
  }
  return Status(ErrorCode::kNetworkException, "no broker reachable for ListPartitionReassignments");
}

}  // namespace moldau::ops
