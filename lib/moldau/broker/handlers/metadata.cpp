// Metadata: brokers (this one, at the advertised address of the listener the client came in
// on), cluster id, controller (this broker), topics with partitions, leaders, epochs, topic
// ids. Unknown topics are auto-created when the request and auto.create.topics.enable allow.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/common/log.h"
#include "moldau/protocol/messages/metadata.h"

namespace moldau::broker::handlers {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

namespace {

MetadataResponse::MetadataResponseTopic describe(Broker& broker, const TopicMetadata& t) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = t.internal;
  for (int32_t p = 0; p < t.partition_count(); ++p) {
    MetadataResponse::MetadataResponseTopic::MetadataResponsePartition part;
    part.partition_index = p;
    part.leader_id = broker.config().node_id;
    part.leader_epoch = broker.leader_epoch();
    part.replica_nodes = t.replicas[static_cast<size_t>(p)];
    part.isr_nodes = t.replicas[static_cast<size_t>(p)];
    out.partitions.push_back(std::move(part));
  }
  return out;
}

}  // namespace

asio::awaitable<Status> metadata(RequestContext& ctx) {
  auto req = ctx.decode<MetadataRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const BrokerConfig& config = broker.config();
  int16_t v = ctx.version();

  MetadataResponse resp;
  const Listener* advertised = &config.advertised_listeners.front();
  for (const auto& l : config.advertised_listeners)
    if (l.name == ctx.listener) advertised = &l;
  MetadataResponse::MetadataResponseBroker self;
  self.node_id = config.node_id;
  self.host = advertised->host.empty() ? "localhost" : advertised->host;
  self.port = advertised->port;
  resp.brokers.push_back(self);
  resp.cluster_id = broker.metadata().cluster_id();
  resp.controller_id = config.node_id;

  // v0: an empty list means all topics; v1+: null means all, empty means none.
  bool all_topics = !req->topics || (v == 0 && req->topics->empty());
  if (all_topics) {
    for (const TopicMetadata* t : broker.metadata().topics()) resp.topics.push_back(describe(broker, *t));
  } else {
    bool auto_create = config.auto_create_topics_enable && (v < 4 || req->allow_auto_topic_creation);
    for (const auto& requested : *req->topics) {
      MetadataResponse::MetadataResponseTopic out;
      if (!requested.name || !requested.topic_id.is_zero()) {
        // v12 may ask for topics by id: the id decides, whatever the name says (the Java
        // admin client sends an empty name with it, not a null one), as in Kafka.
        const TopicMetadata* t = broker.metadata().find_topic(requested.topic_id);
        if (t) {
          resp.topics.push_back(describe(broker, *t));
        } else {
          out.topic_id = requested.topic_id;
          out.error_code = to_wire(ErrorCode::kUnknownTopicId);
          resp.topics.push_back(std::move(out));
        }
        continue;
      }
      const std::string& name = *requested.name;
      const TopicMetadata* t = broker.metadata().find_topic(name);
      if (!t) {
        Status valid = validate_topic_name(name);
        if (!valid.ok()) {
          out.name = name;
          out.error_code = to_wire(ErrorCode::kInvalidTopicException);
          resp.topics.push_back(std::move(out));
          continue;
        }
        if (auto_create && !is_internal_topic(name)) {
          NewTopic spec;
          spec.name = name;
          auto created = broker.topics().create(spec, false);
          if (created.ok()) {
            t = *created;
          } else {
            logger("metadata").warn("auto-creating topic {} failed: {}", name,
                                    created.status().to_string());
          }
        }
      }
      if (t) {
        resp.topics.push_back(describe(broker, *t));
      } else {
        out.name = name;
        out.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
        resp.topics.push_back(std::move(out));
      }
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
