#pragma once
// A thin RAII wrapper over librdkafka's admin API and metadata, for the tools.
// One Admin owns one rd_kafka_t (a producer handle, as librdkafka's admin API requires).
// Every call blocks up to the timeout given at construction. Not thread-safe.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::client {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct BrokerInfo {
  int32_t id = 0;
  std::string host;
  int32_t port = 0;
};

struct PartitionInfo {
  int32_t partition = 0;
  int32_t leader = -1;  // -1: none
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  ErrorCode error = ErrorCode::kNone;
};

struct TopicInfo {
  std::string name;
  std::string topic_id;  // base64 Kafka Uuid; empty when unknown
  std::vector<PartitionInfo> partitions;  // sorted by partition
  ErrorCode error = ErrorCode::kNone;
};

struct ClusterMetadata {
  std::vector<BrokerInfo> brokers;
  std::vector<TopicInfo> topics;  // sorted by name
  int32_t controller_id = -1;
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;
  bool is_default = false;
  bool is_sensitive = false;
};

struct NewTopic {
  std::string name;
  int32_t partitions = -1;          // -1: broker default
  int32_t replication_factor = -1;  // -1: broker default
  std::map<int32_t, std::vector<int32_t>> assignment;  // non-empty: explicit replicas
  std::vector<std::pair<std::string, std::string>> configs;
};

struct GroupListing {
  std::string group_id;
  std::string state;  // Kafka's ConsumerGroupState names: Stable, Empty, Dead, ...
  bool is_simple = false;
};

struct MemberDescription {
  std::string consumer_id;
  std::string group_instance_id;  // "" when none
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;
  std::string partition_assignor;
  BrokerInfo coordinator;
  std::vector<MemberDescription> members;
  ErrorCode error = ErrorCode::kNone;
  std::string error_message;
};

// A per-item outcome of a batch call.
struct ItemResult {
  std::string name;  // topic, group, or "topic-partition"
  ErrorCode error = ErrorCode::kNone;
  std::string message;
};

class Admin {
 public:
  // `props` are Java-style client properties; bootstrap.servers must be among them.
  static Result<std::unique_ptr<Admin>> create(const Properties& props, int timeout_ms = 30000);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  rd_kafka_t* handle() { return rk_; }
  int timeout_ms() const { return timeout_ms_; }

  // All topics (internal ones included) and brokers. Topic ids are filled in when the
  // cluster gives them (see raw_metadata.h).
  Result<ClusterMetadata> metadata();
  // Per-topic results in input order.
  Result<std::vector<ItemResult>> create_topics(const std::vector<NewTopic>& topics);
  Result<std::vector<ItemResult>> delete_topics(const std::vector<std::string>& topics);
  // Raises the partition count of each topic to `total`.
  Result<std::vector<ItemResult>> create_partitions(const std::vector<std::string>& topics, int32_t total,
                                                    const std::vector<std::vector<int32_t>>& assignment = {});
  // Config entries of each topic, in the order the broker returned them.
  Result<std::map<std::string, std::vector<ConfigEntry>>> describe_topic_configs(
      const std::vector<std::string>& topics);

  Result<std::vector<GroupListing>> list_groups(const std::vector<std::string>& states = {});
  Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& groups);
  // Committed offsets of a group (partitions without a commit are absent).
  Result<std::map<TopicPartition, int64_t>> list_group_offsets(const std::string& group);
  Result<std::vector<ItemResult>> alter_group_offsets(const std::string& group,
                                                      const std::map<TopicPartition, int64_t>& offsets);
  Result<std::vector<ItemResult>> delete_groups(const std::vector<std::string>& groups);
  // Returns the top-level error (kNone on success) and per-partition results.
  Result<std::pair<ItemResult, std::map<TopicPartition, ItemResult>>> delete_group_offsets(
      const std::string& group, const std::vector<TopicPartition>& partitions);

  // Low and high watermarks of a partition.
  Result<std::pair<int64_t, int64_t>> watermarks(const TopicPartition& tp);
  // First offset with timestamp >= ts per partition; -1 when there is none.
  Result<std::map<TopicPartition, int64_t>> offsets_for_times(const std::vector<TopicPartition>& tps,
                                                              int64_t timestamp_ms);

 private:
  Admin(rd_kafka_t* rk, int timeout_ms, std::string bootstrap) : rk_(rk), timeout_ms_(timeout_ms), bootstrap_(std::move(bootstrap)) {}
  rd_kafka_t* rk_;
  int timeout_ms_;
  std::string bootstrap_;
};

// Kafka's error code from librdkafka's (librdkafka uses the broker's numbers for positive codes).
ErrorCode from_rd(rd_kafka_resp_err_t err);
// A message for an error as Kafka's Java exceptions word it where we know it, else librdkafka's.
std::string kafka_error_message(ErrorCode code, const std::string& fallback);

}  // namespace moldau::client
