#include "moldau/broker/metadata/etcd_metadata_store.h"

#include <asio/use_awaitable.hpp>
#include <asio/redirect_error.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "moldau/common/log.h"

namespace moldau::broker {

namespace {

using json = nlohmann::json;

spdlog::logger& store_log() { return logger("etcd-metadata"); }

constexpr int kMaxWriteAttempts = 5;
constexpr std::chrono::milliseconds kImageTimeout{15000};

json encode_state(const PartitionState& s) {
  json j = {{"leader", s.leader},
            {"leader_epoch", s.leader_epoch},
            {"isr", s.isr},
            {"partition_epoch", s.partition_epoch},
            {"leader_broker_epoch", s.leader_broker_epoch}};
  // Only a reassigned partition carries its own replica list.
  if (!s.replicas.empty()) j["replicas"] = s.replicas;
  if (!s.adding_replicas.empty()) j["adding_replicas"] = s.adding_replicas;
  if (!s.removing_replicas.empty()) j["removing_replicas"] = s.removing_replicas;
  return j;
}

PartitionState decode_state(const json& j) {
  PartitionState s;
  s.leader = j.value("leader", -1);
  s.leader_epoch = j.value("leader_epoch", 0);
  s.isr = j.value("isr", std::vector<int32_t>{});
  s.partition_epoch = j.value("partition_epoch", 0);
  s.leader_broker_epoch = j.value("leader_broker_epoch", int64_t{0});
  s.replicas = j.value("replicas", std::vector<int32_t>{});
  s.adding_replicas = j.value("adding_replicas", std::vector<int32_t>{});
  s.removing_replicas = j.value("removing_replicas", std::vector<int32_t>{});
  return s;
}

std::string encode_topic(const TopicMetadata& t) {
  json states = json::array();
  for (const auto& s : t.partitions) states.push_back(encode_state(s));
  json j = {{"id", t.id.to_string()},
            {"replicas", t.replicas},
            {"configs", t.configs},
            {"internal", t.internal},
            {"states", states}};
  return j.dump();
}

bool decode_topic(const std::string& name, const std::string& value, TopicMetadata* t) {
  json j = json::parse(value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    t->name = name;
    auto id = Uuid::parse(j.at("id").get<std::string>());
    if (!id) return false;
    t->id = *id;
    t->replicas = j.at("replicas").get<std::vector<std::vector<int32_t>>>();
    t->configs = j.value("configs", std::map<std::string, std::string>{});
    t->internal = j.value("internal", false);
    t->partitions.clear();
    for (const auto& s : j.value("states", json::array())) t->partitions.push_back(decode_state(s));
    t->partitions.resize(t->replicas.size());
  } catch (const json::exception&) {
    return false;
  }
  return true;
}

etcd::PutRequest put(std::string key, std::string value, int64_t lease = 0) {
  etcd::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  p.lease = lease;
  return p;
}

}  // namespace

Result<EtcdLocation> parse_etcd_location(const std::string& value) {
  const std::string scheme = "etcd://";
  if (value.rfind(scheme, 0) != 0)
    return Status(ErrorCode::kInvalidConfig, "metadata.store must be 'local' or etcd://host:port[,host:port...][/prefix], not '" + value + "'");
  std::string rest = value.substr(scheme.size());
  EtcdLocation loc;
  size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    loc.prefix = rest.substr(slash);
    while (loc.prefix.size() > 1 && loc.prefix.back() == '/') loc.prefix.pop_back();
    rest = rest.substr(0, slash);
  }
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string hp = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (hp.empty() || hp.find(':') == std::string::npos)
      return Status(ErrorCode::kInvalidConfig, "metadata.store: '" + hp + "' is not host:port in '" + value + "'");
    loc.endpoints.push_back("http://" + hp);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return loc;
}

EtcdMetadataStore::EtcdMetadataStore(asio::io_context& io, std::unique_ptr<etcd::Client> client, std::string prefix)
    : io_(io), client_(std::move(client)), prefix_(std::move(prefix)) {}

EtcdMetadataStore::~EtcdMetadataStore() {
  watch_.cancel();
  for (auto& [rev, t] : revision_waiters_) t->cancel();
  client_->close();
}

Result<std::unique_ptr<EtcdMetadataStore>> EtcdMetadataStore::open(asio::io_context& io, const EtcdLocation& location,
                                                                   std::chrono::milliseconds timeout) {
  etcd::ClientOptions options;
  options.endpoints = location.endpoints;
  options.timeout = timeout;
  auto client = std::make_unique<etcd::Client>(options);
  std::unique_ptr<EtcdMetadataStore> store(new EtcdMetadataStore(io, std::move(client), location.prefix));
  // The cluster id: created by the first broker of the cluster, read by every other.
  const std::string id_key = location.prefix + "/cluster_id";
  etcd::TxnRequest create;
  create.compare.push_back(etcd::Compare::create(id_key, etcd::CompareResult::kEqual, 0));
  create.success.push_back(put(id_key, Uuid::random().to_string()));
  auto created = store->client_->txn(create);
  if (!created.ok())
    return Status(created.status().code(), "cannot reach etcd at " + location.endpoints.front() + ": " +
                                               created.status().message());
  int64_t revision = 0;
  MOLDAU_RETURN_IF_ERROR(store->load(&revision));
  auto it = store->raw_.find(id_key);
  if (it == store->raw_.end()) return Status(ErrorCode::kUnknownServerError, "no cluster id under " + id_key);
  store->cluster_id_ = it->second.value;
  store->start_watch(revision + 1);
  return store;
}

Status EtcdMetadataStore::load(int64_t* revision) {
  auto listed = client_->range(etcd::RangeRequest::with_prefix(prefix_ + "/"));
  if (!listed.ok()) return listed.status();
  raw_.clear();
  for (auto& kv : listed->kvs) raw_[kv.key] = std::move(kv);
  revision_ = *revision = listed->header.revision;
  std::set<std::string> names;
  for (const auto& [name, t] : topics_) names.insert(name);
  for (const auto& [key, kv] : raw_) {
    KeyKind k = classify(key);
    if (k.kind == KeyKind::kTopic) names.insert(k.topic);
  }
  for (const auto& name : names) rebuild_topic(name);
  rebuild_brokers();
  rebuild_controller();
  return Status();
}

void EtcdMetadataStore::start_watch(int64_t from_revision) {
  etcd::WatchHandler handler;
  handler.on_events = [this](std::vector<etcd::WatchEvent> events) { apply(events); };
  handler.on_compacted = [this](int64_t) { on_compacted(); };
  watch_ = etcd::Watch(*client_, etcd::WatchOptions::with_prefix(prefix_ + "/", from_revision), io_.get_executor(),
                       std::move(handler));
}

void EtcdMetadataStore::on_compacted() {
  // The watch fell behind etcd's history: read everything again and tell everyone.
  store_log().warn("etcd compacted past the watch's revision {}: re-reading the cluster metadata", revision_ + 1);
  std::set<std::string> before;
  for (const auto& [name, t] : topics_) before.insert(name);
  int64_t revision = 0;
  Status s = load(&revision);
  if (!s.ok()) {
    store_log().error("re-reading the cluster metadata failed: {}; retrying", s.to_string());
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::seconds(1));
    timer->async_wait([this, timer](asio::error_code ec) {
      if (!ec) on_compacted();
    });
    return;
  }
  start_watch(revision + 1);
  MetadataDelta delta;
  delta.topics = before;
  for (const auto& [name, t] : topics_) delta.topics.insert(name);
  delta.brokers = delta.controller = delta.broker_configs = true;
  notify(delta);
}

EtcdMetadataStore::KeyKind EtcdMetadataStore::classify(const std::string& key) const {
  KeyKind k;
  if (key.compare(0, prefix_.size() + 1, prefix_ + "/") != 0) return k;
  std::string rest = key.substr(prefix_.size() + 1);
  auto starts = [&](const char* p) { return rest.rfind(p, 0) == 0; };
  if (starts("topics/")) {
    k.kind = KeyKind::kTopic;
    k.topic = rest.substr(7);
  } else if (starts("partitions/")) {
    std::string tp = rest.substr(11);
    size_t slash = tp.rfind('/');
    if (slash == std::string::npos) return k;
    k.kind = KeyKind::kPartition;
    k.topic = tp.substr(0, slash);
  } else if (starts("brokers/")) {
    k.kind = KeyKind::kBroker;
  } else if (rest == "controller") {
    k.kind = KeyKind::kController;
  } else if (starts("configs/brokers/")) {
    k.kind = KeyKind::kBrokerConfig;
  }
  return k;
}

void EtcdMetadataStore::apply(const std::vector<etcd::WatchEvent>& events) {
  MetadataDelta delta;
  for (const auto& e : events) {
    revision_ = std::max(revision_, e.kv.mod_revision);
    if (e.type == etcd::WatchEvent::Type::kPut) {
      raw_[e.kv.key] = e.kv;
    } else {
      raw_.erase(e.kv.key);
    }
    KeyKind k = classify(e.kv.key);
    switch (k.kind) {
      case KeyKind::kTopic:
      case KeyKind::kPartition:
        delta.topics.insert(k.topic);
        break;
      case KeyKind::kBroker:
        delta.brokers = true;
        break;
      case KeyKind::kController:
        delta.controller = true;
        break;
      case KeyKind::kBrokerConfig:
        delta.broker_configs = true;
        break;
      default:
        break;
    }
  }
  for (const auto& name : delta.topics) rebuild_topic(name);
  if (delta.brokers) rebuild_brokers();
  if (delta.controller) rebuild_controller();
  if (!delta.topics.empty() || delta.brokers || delta.controller || delta.broker_configs) notify(delta);
  // Writers waiting for their revision to reach the image.
  for (auto it = revision_waiters_.begin(); it != revision_waiters_.end() && it->first <= revision_;) {
    it->second->cancel();
    it = revision_waiters_.erase(it);
  }
}

void EtcdMetadataStore::rebuild_topic(const std::string& name) {
  auto it = raw_.find(topic_key(name));
  TopicMetadata t;
  if (it == raw_.end() || !decode_topic(name, it->second.value, &t)) {
    if (it != raw_.end()) store_log().error("topic {}: unreadable value in etcd", name);
    topics_.erase(name);
    return;
  }
  t.version = it->second.create_revision;
  for (int32_t p = 0; p < t.partition_count(); ++p) {
    auto pk = raw_.find(partition_key(name, p));
    if (pk == raw_.end()) continue;  // still in its first state, kept in the topic's value
    json j = json::parse(pk->second.value, nullptr, false);
    if (j.is_discarded()) continue;
    PartitionState& st = t.partitions[static_cast<size_t>(p)];
    st = decode_state(j);
    st.version = pk->second.mod_revision;
    if (!st.replicas.empty()) t.replicas[static_cast<size_t>(p)] = st.replicas;
  }
  topics_[name] = std::move(t);
}

void EtcdMetadataStore::rebuild_brokers() {
  brokers_.clear();
  const std::string prefix = prefix_ + "/brokers/";
  for (auto it = raw_.lower_bound(prefix); it != raw_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    json j = json::parse(it->second.value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    BrokerRegistration b;
    try {
      b.id = std::stoi(it->first.substr(prefix.size()));
    } catch (...) {
      continue;
    }
    for (const auto& e : j.value("endpoints", json::array()))
      b.endpoints.push_back({e.value("listener", ""), e.value("host", ""), e.value("port", 0)});
    if (j.contains("rack") && j["rack"].is_string()) b.rack = j["rack"].get<std::string>();
    b.shutting_down = j.value("shutting_down", false);
    b.epoch = it->second.create_revision;
    brokers_[b.id] = std::move(b);
  }
}

void EtcdMetadataStore::rebuild_controller() {
  controller_id_ = -1;
  auto it = raw_.find(controller_key());
  if (it == raw_.end()) return;
  json j = json::parse(it->second.value, nullptr, false);
  if (!j.is_discarded() && j.is_object()) controller_id_ = j.value("broker", -1);
}

const etcd::KeyValue* EtcdMetadataStore::raw(const std::string& key) const {
  auto it = raw_.find(key);
  return it == raw_.end() ? nullptr : &it->second;
}

std::string EtcdMetadataStore::encode_registration(const BrokerRegistration& r, const std::string& host, int64_t pid) {
  json endpoints = json::array();
  for (const auto& e : r.endpoints) endpoints.push_back({{"listener", e.listener}, {"host", e.host}, {"port", e.port}});
  json j = {{"endpoints", endpoints}, {"shutting_down", r.shutting_down}, {"host", host}, {"pid", pid}};
  j["rack"] = r.rack ? json(*r.rack) : json(nullptr);
  return j.dump();
}

std::vector<const TopicMetadata*> EtcdMetadataStore::topics() const {
  std::vector<const TopicMetadata*> out;
  for (const auto& [name, t] : topics_) out.push_back(&t);
  return out;
}

const TopicMetadata* EtcdMetadataStore::find_topic(std::string_view name) const {
  auto it = topics_.find(std::string(name));
  return it == topics_.end() ? nullptr : &it->second;
}

const TopicMetadata* EtcdMetadataStore::find_topic(const Uuid& id) const {
  for (const auto& [name, t] : topics_)
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<const BrokerRegistration*> EtcdMetadataStore::brokers() const {
  std::vector<const BrokerRegistration*> out;
  for (const auto& [id, b] : brokers_) out.push_back(&b);
  return out;
}

const BrokerRegistration* EtcdMetadataStore::find_broker(int32_t id) const {
  auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

asio::awaitable<bool> EtcdMetadataStore::wait_for_revision(int64_t revision, std::chrono::milliseconds timeout) {
  if (revision_ >= revision) co_return true;
  auto timer = std::make_shared<asio::steady_timer>(io_, timeout);
  revision_waiters_.emplace(revision, timer);
  asio::error_code ec;
  co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return revision_ >= revision;
}

asio::awaitable<Result<etcd::TxnResponse>> EtcdMetadataStore::write(etcd::TxnRequest txn) {
  auto r = co_await client_->txn(std::move(txn), asio::use_awaitable);
  if (!r.ok()) co_return r.status();
  if (r->succeeded && !(co_await wait_for_revision(r->header.revision, kImageTimeout)))
    co_return Status(ErrorCode::kRequestTimedOut, "the write at revision " + std::to_string(r->header.revision) +
                                                      " did not reach this broker's metadata image in time");
  co_return std::move(r).value();
}

asio::awaitable<Status> EtcdMetadataStore::create_topic(TopicMetadata topic) {
  if (topic.partitions.size() != topic.replicas.size()) topic.partitions.resize(topic.replicas.size());
  etcd::TxnRequest txn;
  txn.compare.push_back(etcd::Compare::create(topic_key(topic.name), etcd::CompareResult::kEqual, 0));
  txn.success.push_back(put(topic_key(topic.name), encode_topic(topic)));
  // States of an earlier topic of this name must not apply to this one.
  txn.success.push_back(etcd::DeleteRangeRequest::with_prefix(prefix_ + "/partitions/" + topic.name + "/"));
  auto r = co_await write(std::move(txn));
  if (!r.ok()) co_return r.status();
  if (!r->succeeded) co_return Status(ErrorCode::kTopicAlreadyExists, "Topic '" + topic.name + "' already exists.");
  co_return Status();
}

asio::awaitable<Status> EtcdMetadataStore::delete_topic(std::string name) {
  const TopicMetadata* t = find_topic(name);
  if (!t) co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
  etcd::TxnRequest txn;
  txn.compare.push_back(etcd::Compare::create(topic_key(name), etcd::CompareResult::kEqual, t->version));
  etcd::DeleteRangeRequest del;
  del.key = topic_key(name);
  txn.success.push_back(del);
  txn.success.push_back(etcd::DeleteRangeRequest::with_prefix(prefix_ + "/partitions/" + name + "/"));
  auto r = co_await write(std::move(txn));
  if (!r.ok()) co_return r.status();
  if (!r->succeeded) co_return Status(ErrorCode::kUnknownTopicOrPartition, "topic " + name + " changed meanwhile");
  co_return Status();
}

asio::awaitable<Status> EtcdMetadataStore::add_partitions(std::string name, std::vector<std::vector<int32_t>> replicas,
                                                          std::vector<PartitionState> states) {
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    const etcd::KeyValue* kv = raw(topic_key(name));
    const TopicMetadata* t = find_topic(name);
    if (!kv || !t) co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
    TopicMetadata next;
    decode_topic(name, kv->value, &next);  // the first states as stored, not the current ones
    for (size_t i = 0; i < replicas.size(); ++i) {
      next.replicas.push_back(replicas[i]);
      next.partitions.push_back(i < states.size() ? states[i] : PartitionState{});
    }
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::mod(topic_key(name), etcd::CompareResult::kEqual, kv->mod_revision));
    txn.success.push_back(put(topic_key(name), encode_topic(next)));
    auto r = co_await write(std::move(txn));
    if (!r.ok()) co_return r.status();
    if (r->succeeded) co_return Status();
  }
  co_return Status(ErrorCode::kInvalidUpdateVersion, "topic " + name + " kept changing; try again");
}

asio::awaitable<Status> EtcdMetadataStore::set_topic_configs(std::string name,
                                                             std::map<std::string, std::string> configs) {
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    const etcd::KeyValue* kv = raw(topic_key(name));
    if (!kv) co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown topic " + name);
    TopicMetadata next;
    decode_topic(name, kv->value, &next);
    next.configs = configs;
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::mod(topic_key(name), etcd::CompareResult::kEqual, kv->mod_revision));
    txn.success.push_back(put(topic_key(name), encode_topic(next)));
    auto r = co_await write(std::move(txn));
    if (!r.ok()) co_return r.status();
    if (r->succeeded) co_return Status();
  }
  co_return Status(ErrorCode::kInvalidUpdateVersion, "topic " + name + " kept changing; try again");
}

asio::awaitable<Status> EtcdMetadataStore::update_partition(std::string topic, int32_t partition,
                                                            PartitionState expected, PartitionState next,
                                                            Writer writer) {
  const TopicMetadata* t = find_topic(topic);
  if (!t || partition >= t->partition_count())
    co_return Status(ErrorCode::kUnknownTopicOrPartition, "unknown partition " + topic + "-" + std::to_string(partition));
  etcd::TxnRequest txn;
  txn.compare.push_back(etcd::Compare::create(topic_key(topic), etcd::CompareResult::kEqual, t->version));
  txn.compare.push_back(
      etcd::Compare::mod(partition_key(topic, partition), etcd::CompareResult::kEqual, expected.version));
  if (writer == Writer::kController) {
    if (controller_epoch_ <= 0) co_return Status(ErrorCode::kNotController, "this broker is not the controller");
    txn.compare.push_back(etcd::Compare::create(controller_key(), etcd::CompareResult::kEqual, controller_epoch_));
  } else {
    if (broker_epoch_ <= 0) co_return Status(ErrorCode::kStaleBrokerEpoch, "this broker is not registered");
    txn.compare.push_back(etcd::Compare::create(broker_key(broker_id_for_fence_), etcd::CompareResult::kEqual,
                                                broker_epoch_));
  }
  txn.success.push_back(put(partition_key(topic, partition), encode_state(next).dump()));
  auto r = co_await write(std::move(txn));
  if (!r.ok()) co_return r.status();
  if (!r->succeeded)
    co_return Status(ErrorCode::kInvalidUpdateVersion, "the state of " + topic + "-" + std::to_string(partition) +
                                                           " moved on (or the writer lost its right to write it)");
  co_return Status();
}

namespace {
std::map<std::string, std::string> decode_configs(const etcd::KeyValue* kv) {
  if (!kv) return {};
  json j = json::parse(kv->value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  try {
    return j.get<std::map<std::string, std::string>>();
  } catch (const json::exception&) {
    return {};
  }
}
}  // namespace

std::map<std::string, std::string> EtcdMetadataStore::group_configs(const std::string& group) const {
  return decode_configs(raw(group_config_key(group)));
}

std::vector<std::string> EtcdMetadataStore::configured_groups() const {
  std::vector<std::string> out;
  const std::string prefix = prefix_ + "/configs/groups/";
  for (auto it = raw_.lower_bound(prefix); it != raw_.end() && it->first.rfind(prefix, 0) == 0; ++it)
    out.push_back(it->first.substr(prefix.size()));
  return out;
}

asio::awaitable<Status> EtcdMetadataStore::write_configs(std::string key, std::map<std::string, std::string> configs) {
  etcd::TxnRequest txn;
  if (configs.empty()) {
    etcd::DeleteRangeRequest del;
    del.key = std::move(key);
    txn.success.push_back(del);
  } else {
    txn.success.push_back(put(std::move(key), json(configs).dump()));
  }
  auto r = co_await write(std::move(txn));
  if (!r.ok()) co_return r.status();
  co_return Status();
}

asio::awaitable<Status> EtcdMetadataStore::set_group_configs(std::string group,
                                                             std::map<std::string, std::string> configs) {
  co_return co_await write_configs(group_config_key(group), std::move(configs));
}

std::map<std::string, std::string> EtcdMetadataStore::broker_configs(const std::string& entity) const {
  return decode_configs(raw(broker_config_key(entity)));
}

asio::awaitable<Status> EtcdMetadataStore::set_broker_configs(std::string entity,
                                                              std::map<std::string, std::string> configs) {
  co_return co_await write_configs(broker_config_key(entity), std::move(configs));
}

asio::awaitable<Result<int64_t>> EtcdMetadataStore::allocate_producer_ids(int32_t count) {
  const std::string key = prefix_ + "/producer_ids";
  for (int attempt = 0; attempt < kMaxWriteAttempts * 4; ++attempt) {
    // Read it fresh: another broker may have allocated since our image saw it.
    etcd::RangeRequest rr;
    rr.key = key;
    auto current = co_await client_->range(rr, asio::use_awaitable);
    if (!current.ok()) co_return current.status();
    int64_t next = 0, mod = 0;
    if (!current->kvs.empty()) {
      json j = json::parse(current->kvs[0].value, nullptr, false);
      if (!j.is_discarded()) next = j.value("next", int64_t{0});
      mod = current->kvs[0].mod_revision;
    }
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::mod(key, etcd::CompareResult::kEqual, mod));
    txn.success.push_back(put(key, json{{"next", next + count}}.dump()));
    auto r = co_await client_->txn(std::move(txn), asio::use_awaitable);
    if (!r.ok()) co_return r.status();
    if (r->succeeded) co_return next;
  }
  co_return Status(ErrorCode::kCoordinatorNotAvailable, "could not reserve producer ids: too much contention");
}

}  // namespace moldau::broker
