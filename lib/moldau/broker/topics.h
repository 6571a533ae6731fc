#pragma once
// Topic life cycle: creation (Kafka's name rules, replica assignment across the live brokers,
// configs, the partitions' first states), deletion, partition growth and config changes,
// written to the metadata store; every broker's ReplicaManager then opens or deletes its logs
// as the metadata says. Used by the admin handlers and by auto-creation. Event loop only.

#include <asio/awaitable.hpp>
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
  // configs); with validate_only, stops there. Errors carry Kafka's codes and messages. The
  // result is null for validate_only.
  asio::awaitable<Result<const TopicMetadata*>> create(NewTopic topic, bool validate_only);
  asio::awaitable<Status> remove(std::string name);
  // `assignments`, when not empty, holds the replica lists of the added partitions (the caller
  // has validated them); otherwise replicas are placed like at creation.
  asio::awaitable<Status> add_partitions(std::string name, int32_t new_total, bool validate_only,
                                         std::vector<std::vector<int32_t>> assignments = {});
  asio::awaitable<Status> set_configs(std::string name, std::map<std::string, std::string> configs,
                                      bool validate_only);

  // Creates an internal topic (__consumer_offsets, __transaction_state) on its first use:
  // compacted, 100 MiB segments, `configs` on top, `replication_factor` replicas in a cluster
  // (one on a single node). A no-op once it exists. COORDINATOR_NOT_AVAILABLE while fewer
  // brokers are alive than the replication factor, as Kafka.
  asio::awaitable<Status> ensure_internal_topic(std::string name, int32_t partitions, int16_t replication_factor,
                                                std::map<std::string, std::string> configs);

  // Reads one partition of an internal topic (__consumer_offsets, __transaction_state) from log
  // start to end, for its coordinator to rebuild its state when it becomes the leader. `visit` gets
  // every batch and the first offset not yet replayed (a batch re-read may start below it: its
  // records below that offset were seen already). A torn tail ends that partition's replay.
  using BatchVisitor = std::function<Status(const protocol::BatchView& batch, int64_t from)>;
  Status replay_internal_partition(const std::string& name, int32_t partition, const BatchVisitor& visit) const;

  // The storage config of a topic: broker defaults, then its overrides.
  storage::LogConfig log_config(const TopicMetadata& topic) const;
  storage::LogConfig log_config(const std::string& topic) const;

  // The ids of the live brokers, sorted.
  std::vector<int32_t> live_brokers() const;
  // Kafka's rack-unaware replica placement: partition p's first replica on broker
  // (start + p) % n, followers shifted so that replicas spread; `start` and the shift are random
  // in a cluster. `first_partition` > 0 when adding partitions to a topic.
  std::vector<std::vector<int32_t>> assign_replicas(int32_t partitions, int32_t replication_factor,
                                                    int32_t first_partition = 0, int32_t start_index = -1) const;
  // The first state of a new partition: the first live replica leads, the live ones are in sync.
  PartitionState initial_state(const std::vector<int32_t>& replicas) const;

 private:
  const BrokerConfig& config_;
  MetadataStore& metadata_;
  storage::LogManager& logs_;
};

}  // namespace moldau::broker
