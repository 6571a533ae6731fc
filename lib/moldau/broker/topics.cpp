#include "moldau/broker/topics.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include "moldau/common/log.h"
#include "moldau/common/replica_placement.h"

namespace moldau::broker {

Status validate_topic_name(const std::string& name) {
  auto invalid = [&](std::string msg) { return Status(ErrorCode::kInvalidTopicException, msg); };
  if (name.empty()) return invalid("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") return invalid("Topic name cannot be \".\" or \"..\"");
  if (name.size() > 249)
    return invalid("Topic name is illegal, it can't be longer than 249 characters, topic name: " +
                   name);
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return invalid("Topic name \"" + name +
                     "\" is illegal, it contains a character other than ASCII alphanumerics, "
                     "'.', '_' and '-'");
  }
  return Status();
}

bool is_internal_topic(std::string_view name) {
  return name == kConsumerOffsetsTopic || name == kTransactionStateTopic;
}

storage::LogConfig Topics::log_config(const TopicMetadata& topic) const {
  auto built = storage::LogConfig::build(config_.log_defaults(), topic.configs);
  if (built.ok()) return *built;
  logger("topics").warn("invalid config of topic {}: {}; using defaults", topic.name,
                        built.status().to_string());
  auto defaults = storage::LogConfig::build(config_.log_defaults(), {});
  return defaults.ok() ? *defaults : storage::LogConfig{};
}

storage::LogConfig Topics::log_config(const std::string& topic) const {
  if (const TopicMetadata* t = metadata_.find_topic(topic)) return log_config(*t);
  auto defaults = storage::LogConfig::build(config_.log_defaults(), {});
  return defaults.ok() ? *defaults : storage::LogConfig{};
}

std::vector<int32_t> Topics::live_brokers() const {
  std::vector<int32_t> out;
  for (const BrokerRegistration* b : metadata_.brokers())
    if (!b->shutting_down) out.push_back(b->id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<int32_t>> Topics::assign_replicas(int32_t partitions, int32_t replication_factor,
                                                         int32_t first_partition, int32_t start_index) const {
  std::vector<int32_t> brokers = live_brokers();
  const int32_t n = static_cast<int32_t>(brokers.size());
  if (n == 0) return {};
  // A single node places deterministically; a cluster spreads leaders from a random start.
  static thread_local std::mt19937 rng{std::random_device{}()};
  const bool spread = metadata_.clustered() && n > 1;
  if (start_index < 0) start_index = spread ? static_cast<int32_t>(rng() % n) : 0;
  const int32_t shift = spread ? static_cast<int32_t>(rng() % n) : 0;
  return place_replicas_rack_unaware(brokers, first_partition, partitions, replication_factor, start_index, shift);
}

PartitionState Topics::initial_state(const std::vector<int32_t>& replicas) const {
  PartitionState st;
  for (int32_t r : replicas) {
    const BrokerRegistration* b = metadata_.find_broker(r);
    if (!b || b->shutting_down) continue;
    if (st.leader < 0) {
      st.leader = r;
      st.leader_broker_epoch = b->epoch;
    }
    st.isr.push_back(r);
  }
  return st;
}

asio::awaitable<Result<const TopicMetadata*>> Topics::create(NewTopic spec, bool validate_only) {
  MOLDAU_CO_RETURN_IF_ERROR(validate_topic_name(spec.name));
  if (metadata_.find_topic(spec.name))
    co_return Status(ErrorCode::kTopicAlreadyExists, "Topic '" + spec.name + "' already exists.");
  // Kafka refuses names that collide with an existing one once '.' and '_' are equated.
  auto normalize = [](std::string s) {
    for (char& c : s)
      if (c == '.') c = '_';
    return s;
  };
  for (const TopicMetadata* t : metadata_.topics())
    if (normalize(t->name) == normalize(spec.name))
      co_return Status(ErrorCode::kInvalidTopicException,
                       "Topic '" + spec.name + "' collides with existing topic: " + t->name);

  TopicMetadata topic;
  topic.name = spec.name;
  topic.internal = is_internal_topic(spec.name);
  auto live = live_brokers();
  if (!spec.assignments.empty()) {
    if (spec.partitions != -1 || spec.replication_factor != -1)
      co_return Status(ErrorCode::kInvalidRequest,
                       "Both numPartitions or replicationFactor and replicasAssignments were set. "
                       "Both cannot be used at the same time.");
    for (size_t p = 0; p < spec.assignments.size(); ++p) {
      const auto& replicas = spec.assignments[p];
      if (replicas.empty())
        co_return Status(ErrorCode::kInvalidReplicaAssignment,
                         "Replica assignment of partition " + std::to_string(p) + " is empty.");
      for (size_t i = 0; i < replicas.size(); ++i) {
        if (std::find(live.begin(), live.end(), replicas[i]) == live.end())
          co_return Status(ErrorCode::kInvalidReplicaAssignment,
                           "Unknown broker id " + std::to_string(replicas[i]) + " in replica assignment.");
        if (std::find(replicas.begin(), replicas.begin() + static_cast<ptrdiff_t>(i), replicas[i]) !=
            replicas.begin() + static_cast<ptrdiff_t>(i))
          co_return Status(ErrorCode::kInvalidReplicaAssignment,
                           "Duplicate brokers not allowed in replica assignment: " + std::to_string(replicas[i]));
      }
      if (replicas.size() != spec.assignments[0].size())
        co_return Status(ErrorCode::kInvalidReplicaAssignment,
                         "All partitions should have the same number of replicas");
    }
    topic.replicas = spec.assignments;
  } else {
    int32_t partitions = spec.partitions == -1 ? config_.num_partitions : spec.partitions;
    int32_t rf = spec.replication_factor == -1 ? config_.default_replication_factor : spec.replication_factor;
    if (partitions <= 0)
      co_return Status(ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0.");
    if (rf <= 0)
      co_return Status(ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0.");
    if (rf > static_cast<int32_t>(live.size()))
      co_return Status(ErrorCode::kInvalidReplicationFactor,
                       "Replication factor: " + std::to_string(rf) + " larger than available brokers: " +
                           std::to_string(live.size()) + ".");
    topic.replicas = assign_replicas(partitions, rf);
  }
  for (const auto& [k, v] : spec.configs) MOLDAU_CO_RETURN_IF_ERROR(validate_topic_config(k, v));
  topic.configs = spec.configs;
  if (validate_only) co_return static_cast<const TopicMetadata*>(nullptr);

  do {
    topic.id = Uuid::random();
  } while (metadata_.find_topic(topic.id));
  for (const auto& replicas : topic.replicas) topic.partitions.push_back(initial_state(replicas));
  std::string name = topic.name;
  int32_t count = topic.partition_count();
  Uuid id = topic.id;
  MOLDAU_CO_RETURN_IF_ERROR(co_await metadata_.create_topic(std::move(topic)));
  logger("topics").info("Created topic {} with {} partitions, topic id {}", name, count, id.to_string());
  const TopicMetadata* created = metadata_.find_topic(name);
  if (!created) co_return Status(ErrorCode::kUnknownServerError, "topic " + name + " vanished after its creation");
  co_return created;
}

asio::awaitable<Status> Topics::remove(std::string name) {
  const TopicMetadata* t = metadata_.find_topic(name);
  if (!t)
    co_return Status(ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition.");
  if (!config_.delete_topic_enable)
    co_return Status(ErrorCode::kTopicDeletionDisabled, "Topic deletion is disabled.");
  MOLDAU_CO_RETURN_IF_ERROR(co_await metadata_.delete_topic(name));
  logger("topics").info("Deleted topic {}", name);
  co_return Status();
}

asio::awaitable<Status> Topics::add_partitions(std::string name, int32_t new_total, bool validate_only,
                                               std::vector<std::vector<int32_t>> assignments) {
  const TopicMetadata* t = metadata_.find_topic(name);
  if (!t)
    co_return Status(ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition.");
  int32_t current = t->partition_count();
  if (new_total < current)
    co_return Status(ErrorCode::kInvalidPartitions,
                     "Topic currently has " + std::to_string(current) +
                         " partitions, which is higher than the requested " + std::to_string(new_total) + ".");
  if (new_total == current)
    co_return Status(ErrorCode::kInvalidPartitions, "Topic already has " + std::to_string(current) + " partitions.");
  int16_t rf = t->replication_factor();
  if (assignments.empty() && rf > static_cast<int16_t>(live_brokers().size()))
    co_return Status(ErrorCode::kInvalidReplicationFactor,
                     "Replication factor: " + std::to_string(rf) + " larger than available brokers: " +
                         std::to_string(live_brokers().size()) + ".");
  if (validate_only) co_return Status();
  std::vector<std::vector<int32_t>> added = std::move(assignments);
  int32_t placed = current + static_cast<int32_t>(added.size());
  if (placed < new_total) {
    // Kafka continues the existing placement: the start follows partition 0's first replica.
    auto live = live_brokers();
    auto it = t->replicas.empty() ? live.end() : std::find(live.begin(), live.end(), t->replicas[0][0]);
    int32_t start = it == live.end() ? -1 : static_cast<int32_t>(it - live.begin());
    for (auto& r : assign_replicas(new_total - placed, rf, placed, start)) added.push_back(std::move(r));
  }
  std::vector<PartitionState> states;
  for (const auto& replicas : added) states.push_back(initial_state(replicas));
  co_return co_await metadata_.add_partitions(name, std::move(added), std::move(states));
}

asio::awaitable<Status> Topics::set_configs(std::string name, std::map<std::string, std::string> configs,
                                            bool validate_only) {
  if (!metadata_.find_topic(name))
    co_return Status(ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition.");
  for (const auto& [k, v] : configs) MOLDAU_CO_RETURN_IF_ERROR(validate_topic_config(k, v));
  if (validate_only) co_return Status();
  co_return co_await metadata_.set_topic_configs(name, std::move(configs));
}

asio::awaitable<Status> Topics::ensure_internal_topic(std::string name, int32_t partitions,
                                                      int16_t replication_factor,
                                                      std::map<std::string, std::string> configs) {
  if (metadata_.find_topic(name)) co_return Status();
  NewTopic spec;
  spec.name = name;
  spec.partitions = partitions;
  spec.replication_factor = metadata_.clustered() ? replication_factor : 1;
  int32_t live = static_cast<int32_t>(live_brokers().size());
  if (spec.replication_factor > live) {
    co_return Status(ErrorCode::kCoordinatorNotAvailable,
                     "Number of alive brokers '" + std::to_string(live) +
                         "' does not meet the required replication factor '" +
                         std::to_string(spec.replication_factor) + "' for " + name +
                         ". This error can be ignored if the cluster is starting up and not all brokers are up yet.");
  }
  spec.configs = std::move(configs);
  spec.configs["cleanup.policy"] = "compact";
  spec.configs.emplace("segment.bytes", "104857600");
  auto created = co_await create(spec, false);
  if (!created.ok() && created.status().code() != ErrorCode::kTopicAlreadyExists) {
    logger("topics").error("cannot create {}: {}", name, created.status().to_string());
    co_return created.status();
  }
  co_return Status();
}

Status Topics::replay_internal_partition(const std::string& name, int32_t p, const BatchVisitor& visit) const {
  storage::PartitionLog* log = logs_.get(name, p);
  if (!log) return Status();
  int64_t offset = log->log_start_offset();
  const int64_t end = log->log_end_offset();
  while (offset < end) {
    auto rr = log->read(offset, 1 << 20, -1, true);
    if (!rr.ok()) return rr.status();
    std::vector<uint8_t> buf;
    for (const auto& s : rr->slices) {
      size_t at = buf.size();
      buf.resize(at + static_cast<size_t>(s.size));
      ssize_t n = ::pread(s.file->fd(), buf.data() + at, static_cast<size_t>(s.size), s.position);
      if (n != s.size) return Status(ErrorCode::kKafkaStorageError, "short read of " + name);
    }
    protocol::BatchIterator it(buf);
    protocol::BatchView view;
    const int64_t before = offset;
    while (it.next(&view)) {
      MOLDAU_RETURN_IF_ERROR(visit(view, offset));
      offset = std::max(offset, view.header.next_offset());
    }
    if (offset == before) break;  // nothing readable here (a torn tail)
  }
  return Status();
}

}  // namespace moldau::broker
