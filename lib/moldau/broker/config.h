#pragma once
// The broker's configuration: Kafka's server.properties keys with Kafka's defaults, validated
// at start-up (an invalid value stops start-up with a message naming the key; an unknown key
// is warned about), plus the definitions DescribeConfigs reports for brokers and topics.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moldau/common/properties.h"
#include "moldau/common/result.h"

namespace moldau::broker {

enum class ConfigType { kBoolean, kString, kInt, kShort, kLong, kDouble, kList, kClass, kPassword };

// One broker config key as Kafka defines it. `default_value` null: no default (null).
struct BrokerConfigDef {
  const char* name;
  ConfigType type;
  const char* default_value;
  bool dynamic = false;  // alterable at run time (per broker); read-only otherwise
};

// One topic-level config: its default is the broker's value of `broker_synonym`.
struct TopicConfigDef {
  const char* name;
  ConfigType type;
  const char* broker_synonym;  // may be null
  const char* default_value;
};

// One group-level config (KIP-848 and its successors): its default is the broker's value of
// `broker_synonym`; values outside [min, max] are refused when min <= max.
struct GroupConfigDef {
  const char* name;
  ConfigType type;
  const char* broker_synonym;
  const char* default_value;
  int64_t min = 1;
  int64_t max = 0;
};

const std::vector<GroupConfigDef>& group_config_defs();
// Checks one group-level value (IncrementalAlterConfigs of a GROUP): INVALID_CONFIG with
// Kafka's wording ("Unknown group config name: x", "x must be in the range a to b inclusive.").
Status validate_group_config(const std::string& name, const std::string& value);

const std::vector<BrokerConfigDef>& broker_config_defs();
const std::vector<TopicConfigDef>& topic_config_defs();
const BrokerConfigDef* find_broker_config(std::string_view name);
const TopicConfigDef* find_topic_config(std::string_view name);

// Whether Kafka 4.4 changes a broker key at run time (DynamicBrokerConfig's reconfigurable
// keys, as kafka-configs lists them for entity-type 'brokers').
bool is_dynamic_broker_config(std::string_view name);
// Checks a value given for a dynamic broker key: its type where the key is known, and the rule
// of the topic config it is the default of. INVALID_REQUEST with Kafka's wording.
Status validate_dynamic_broker_config(const std::string& name, const std::string& value);

// Checks one topic-level value (CreateTopics, AlterConfigs). INVALID_CONFIG on failure, with
// Kafka's wording.
Status validate_topic_config(const std::string& name, const std::string& value);

struct Listener {
  std::string name;  // PLAINTEXT
  std::string host;  // empty: all interfaces
  uint16_t port = 9092;
};

// "PLAINTEXT://host:port,NAME://:port"
Result<std::vector<Listener>> parse_listeners(const std::string& key, const std::string& value);

class BrokerConfig {
 public:
  // Validates `props`; unknown keys are appended to `warnings`.
  static Result<BrokerConfig> from_properties(const Properties& props,
                                              std::vector<std::string>* warnings);

  int32_t node_id = 1;
  std::vector<Listener> listeners;
  std::vector<Listener> advertised_listeners;
  std::vector<std::string> log_dirs;
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  int32_t message_max_bytes = 1048588;
  int32_t socket_request_max_bytes = 104857600;
  int64_t connections_max_idle_ms = 600000;
  int32_t max_connections = 2147483647;
  int32_t max_connections_per_ip = 2147483647;
  int32_t queued_max_requests = 500;
  int32_t max_incremental_fetch_session_cache_slots = 1000;
  int64_t log_retention_check_interval_ms = 300000;
  int64_t log_cleaner_backoff_ms = 15000;  // how often compaction looks for dirty logs
  int64_t log_flush_scheduler_interval_ms = 9223372036854775807LL;
  int32_t min_insync_replicas = 1;
  int32_t offsets_topic_num_partitions = 50;
  int32_t offsets_retention_minutes = 10080;
  int32_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1800000;
  int32_t group_max_size = 2147483647;
  int32_t transaction_state_log_num_partitions = 50;
  int32_t transaction_max_timeout_ms = 900000;
  int32_t transactional_id_expiration_ms = 604800000;
  int32_t transaction_abort_timed_out_transaction_cleanup_interval_ms = 10000;
  int32_t producer_id_expiration_ms = 86400000;
  // Cluster ("etcd://host:port[,host:port...]") or single node ("local").
  std::string metadata_store = "local";
  std::optional<std::string> broker_rack;
  int32_t broker_session_timeout_ms = 9000;
  std::string inter_broker_listener_name;  // default: the first listener's name
  int64_t replica_lag_time_max_ms = 30000;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_response_max_bytes = 10485760;
  int32_t replica_fetch_backoff_ms = 1000;
  int32_t replica_socket_timeout_ms = 30000;
  bool unclean_leader_election_enable = false;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_seconds = 300;
  int32_t leader_imbalance_per_broker_percentage = 10;
  bool controlled_shutdown_enable = true;
  int64_t controlled_shutdown_timeout_ms = 30000;
  int16_t offsets_topic_replication_factor = 3;
  int32_t offset_commit_timeout_ms = 5000;  // offsets.commit.timeout.ms: how long a commit waits to be replicated
  int16_t transaction_state_log_replication_factor = 3;
  int32_t transaction_state_log_min_isr = 2;
  // Dynamic only (KIP-73 replication throttles; INT64_MAX: none), set through kafka-configs or
  // kafka-reassign-partitions --throttle.
  int64_t leader_replication_throttled_rate = INT64_MAX;
  int64_t follower_replication_throttled_rate = INT64_MAX;
  // Bytes per second for copies between log dirs on different filesystems (dynamic).
  int64_t replica_alter_log_dirs_io_max_bytes_per_second = INT64_MAX;
  int32_t log_cleaner_threads = 1;
  std::string compression_type = "producer";
  std::string log_level = "info";

  // The effective value of a broker key as DescribeConfigs shows it (nullopt: null), and
  // whether it was set in the file/overrides (STATIC_BROKER_CONFIG) or defaulted.
  std::optional<std::string> value_of(std::string_view name) const;
  bool is_set(std::string_view name) const { return props_.contains(name); }
  // Broker keys that storage's LogConfig::build understands (log.*, message.max.bytes ...).
  std::map<std::string, std::string> log_defaults() const;
  const Properties& properties() const { return props_; }

  // Dynamic broker configs (kafka-configs --entity-type brokers), as the metadata store holds
  // them: this broker's own and the cluster-wide default. The own win over the default, both
  // over the properties file, in value_of(), log_defaults() and effective(); the typed fields
  // that Kafka applies live (message.max.bytes, min.insync.replicas, the replication throttles,
  // log.cleaner.threads and log.cleaner.backoff.ms) follow. Event loop only.
  void set_dynamic(std::map<std::string, std::string> own, std::map<std::string, std::string> cluster_default);
  const std::map<std::string, std::string>& dynamic_own() const { return dynamic_own_; }
  const std::map<std::string, std::string>& dynamic_default() const { return dynamic_default_; }
  // A key's value from the dynamic configs or the properties file; nullopt when none sets it.
  std::optional<std::string> effective(std::string_view name) const;

 private:
  Properties props_;
  std::map<std::string, std::string> dynamic_own_;
  std::map<std::string, std::string> dynamic_default_;
};

}  // namespace moldau::broker
