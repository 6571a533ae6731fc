#pragma once
// Topic life cycle on this broker: creation (Kafka's name rules, replica assignment, configs,
// logs), deletion, partition growth and config changes, kept in step between the metadata
// store and the logs. Used by the admin handlers and by auto-creation. Event loop only.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/broker/config.h"
#include "moldau/broker/metadata/metadata_store.h"
#include "moldau/common/result.h"
#include "moldau/protocol/record_batch.h"
#include "moldau/storage/log_manager.h"

namespace moldau::broker {

inline constexpr char kConsumerOffsetsTopic[] = "__consumer_offsets";
inline constexpr char kTransactionStateTopic[] = "__transaction_state";

// Kafka's Topic.validate: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". INVALID_TOPIC_EXCEPTION
// with Kafka's message otherwise.
Status validate_topic_name(const std::string& name);
bool is_internal_topic(std::string_view name);

struct NewTopic {
  std::string name;
  int32_t partitions = -1;          // -1: num.partitions
  int16_t replication_factor = -1;  // -1: default.replication.factor
  std::vector<std::vector<int32_t>> assignments;  // explicit replica lists, or empty
  std::map<std::string, std::string> configs;
};

class Topics {
 public:
  Topics(const BrokerConfig& config, MetadataStore& metadata, storage::LogManager& logs)
      : config_(config), metadata_(metadata), logs_(logs) {}

  // Validates everything first (name, counts, replication factor against live brokers,
  // configs); with validate_only, stops there. Errors carry Kafka's codes and messages.
  Result<const TopicMetadata*> create(const NewTopic& topic, bool validate_only);
  Status remove(const std::string& name);
  // `assignments`, when not empty, holds the replica lists of the added partitions (the caller
  // has validated them); otherwise replicas are placed like at creation.
  Status add_partitions(const std::string& name, int32_t new_total, bool validate_only,
                        std::vector<std::vector<int32_t>> assignments = {});
  Status set_configs(const std::string& name, std::map<std::string, std::string> configs,
                     bool validate_only);

  // Creates an internal topic (__consumer_offsets, __transaction_state) on its first use:
  // compacted, one replica, 100 MiB segments, `configs` on top. A no-op once it exists.
  Status ensure_internal_topic(const std::string& name, int32_t partitions,
                               std::map<std::string, std::string> configs);

  // Reads an internal topic (__consumer_offsets, __transaction_state) from log start to end,
  // partition by partition, for its coordinator to rebuild its state at start-up. `visit` gets
  // every batch and the first offset not yet replayed (a batch re-read may start below it: its
  // records below that offset were seen already). A torn tail ends that partition's replay.
  using BatchVisitor = std::function<Status(const protocol::BatchView& batch, int64_t from)>;
  Status replay_internal_topic(const std::string& name, const BatchVisitor& visit) const;

  // Opens logs for every partition in the metadata that has none (start-up, after a crash
  // between the metadata write and the log creation).
  Status ensure_logs();
  // The storage config of a topic: broker defaults, then its overrides.
  storage::LogConfig log_config(const TopicMetadata& topic) const;
  storage::LogConfig log_config(const std::string& topic) const;

  // Single node: the live brokers are this one.
  std::vector<int32_t> live_brokers() const { return {config_.node_id}; }

 private:
  const BrokerConfig& config_;
  MetadataStore& metadata_;
  storage::LogManager& logs_;
};

}  // namespace moldau::broker
