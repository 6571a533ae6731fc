// Metadata: the live brokers (at their advertised address for the listener the client came in
// on), cluster id, controller, topics with their partitions' leaders, epochs, replicas, ISR and
// offline replicas, topic ids. Unknown topics are auto-created when the request and
// auto.create.topics.enable allow. A broker fenced from etcd answers none (see below).
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
    part.replica_nodes = t.replicas[static_cast<size_t>(p)];
    for (int32_t r : part.replica_nodes)
      if (!broker.metadata().find_broker(r)) part.offline_replicas.push_back(r);
    if (const PartitionState* st = t.state(p)) {
      part.leader_id = st->leader;
      part.leader_epoch = st->leader_epoch;
      part.isr_nodes = st->isr;
    }
    // A leader that is gone (or none) makes the partition unavailable until one is elected.
    if (part.leader_id < 0 || !broker.metadata().find_broker(part.leader_id)) {
      part.leader_id = -1;
      part.error_code = to_wire(ErrorCode::kLeaderNotAvailable);
    }
    out.partitions.push_back(std::move(part));
  }
  return out;
}

}  // namespace

asio::awaitable<Status> metadata(RequestContext& ctx) {
  auto req = ctx.decode<MetadataRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  if (broker.fenced()) {
    // Cut from etcd, this broker may still name itself leader of partitions another broker
    // now leads; a client that kept asking it would never find them. Closing the connection
    // sends the client to another broker, as a request timeout against a stale Kafka broker does.
    co_return Status(ErrorCode::kBrokerNotAvailable,
                     "Metadata refused: this broker lost its registration in etcd, so its metadata may be stale");
  }
  const BrokerConfig& config = broker.config();
  int16_t v = ctx.version();

  MetadataResponse resp;
  for (const BrokerRegistration* b : broker.metadata().brokers()) {
    const BrokerEndpoint* e = b->endpoint(ctx.listener);
    if (!e) continue;
    MetadataResponse::MetadataResponseBroker mb;
    mb.node_id = b->id;
    mb.host = e->host;
    mb.port = e->port;
    mb.rack = b->rack;
    resp.brokers.push_back(std::move(mb));
  }
  resp.cluster_id = broker.metadata().cluster_id();
  resp.controller_id = broker.controller_for_clients();

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
          auto created = co_await broker.topics().create(spec, false);
          if (created.ok()) {
            t = *created;
            // Who asked is the useful part when a topic appears that nobody created on purpose.
            logger("metadata").info("Auto-created topic {} for client {} at {}", name,
                                    ctx.header.client_id.value_or("-"), ctx.client_host);
          } else if (created.status().code() == ErrorCode::kTopicAlreadyExists) {
            // Another broker created it a moment ago: the client asks again (Kafka's answer
            // for a topic being created).
            out.name = name;
            out.error_code = to_wire(ErrorCode::kLeaderNotAvailable);
            resp.topics.push_back(std::move(out));
            continue;
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
