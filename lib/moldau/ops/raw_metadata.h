#pragma once
// What librdkafka 2.0.2 does not expose (topic ids, API versions, partition reassignments):
// one ApiVersions v0 exchange and one request over a plain TCP connection to a broker, encoded
// with lib/moldau/protocol.
// Only PLAINTEXT listeners are tried; any failure just yields no ids (the caller prints the
// description without a TopicId, as Kafka does for a zero id).

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "moldau/client/admin.h"
#include "moldau/common/result.h"

namespace moldau::ops {

// topic name -> base64 topic id, for every topic the first reachable broker knows. When
// `describe_topic_partitions` is given, it tells whether that broker serves
// DescribeTopicPartitions (Kafka 3.8+), the API Kafka's tools read eligible leader replicas from.
Result<std::map<std::string, std::string>> fetch_topic_ids(const std::vector<client::BrokerInfo>& brokers,
                                                           int timeout_ms, bool* describe_topic_partitions = nullptr);

// The API keys the first reachable broker serves and the highest version of each (ApiVersions
// v0): where a tool of Kafka's behaves by what the broker offers (ConsumerGroupDescribe,
// ListGroups v5), ours can too.
Result<std::map<int16_t, int16_t>> fetch_api_versions(const std::vector<client::BrokerInfo>& brokers, int timeout_ms);

// A partition reassignment in progress (ListPartitionReassignments): the replica list during
// the move, and the replicas it adds and removes.
struct OngoingReassignment {
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
};
// Every reassignment in progress, by topic and partition, from the first broker that answers.
Result<std::map<std::pair<std::string, int32_t>, OngoingReassignment>> fetch_reassignments(
    const std::vector<client::BrokerInfo>& brokers, int timeout_ms);

}  // namespace moldau::ops
