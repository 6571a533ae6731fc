// DeleteTopics: by name (v0-5) or by name or topic id (v6). As Kafka's controller does:
// deletion disabled fails every topic (INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED
// after); duplicates, both or neither of name and id are INVALID_REQUEST; unknown names
// UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID. Internal topics may be deleted,
// as in Kafka.
#include <map>
#include <set>

#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/delete_topics.h"

namespace moldau::broker::handlers {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

asio::awaitable<Status> delete_topics(RequestContext& ctx) {
  auto req = ctx.decode<DeleteTopicsRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  // One shape for both versions: (name or null, id or zero).
  std::vector<DeleteTopicsRequest::DeleteTopicState> wanted;
  if (v >= 6) {
    wanted = req->topics;
  } else {
    for (const auto& n : req->topic_names) wanted.push_back({n, Uuid{}});
  }

  DeleteTopicsResponse resp;
  auto result = [&](const std::optional<std::string>& name, const Uuid& id, ErrorCode code,
                    std::optional<std::string> message) {
    DeleteTopicsResponse::DeletableTopicResult r;
    r.name = name;
    if (v < 6 && !r.name) r.name = "";
    r.topic_id = id;
    r.error_code = to_wire(code);
    if (code != ErrorCode::kNone) r.error_message = std::move(message);
    resp.responses.push_back(std::move(r));
  };

  if (!broker.config().delete_topic_enable) {
    ErrorCode code = v < 3 ? ErrorCode::kInvalidRequest : ErrorCode::kTopicDeletionDisabled;
    for (const auto& t : wanted) result(t.name, t.topic_id, code, "Topic deletion is disabled.");
    ctx.respond(resp);
    co_return Status();
  }

  std::map<std::string, int> name_count;
  std::map<Uuid, int> id_count;
  for (const auto& t : wanted) {
    if (t.name && t.topic_id.is_zero()) ++name_count[*t.name];
    if (!t.name && !t.topic_id.is_zero()) ++id_count[t.topic_id];
  }
  std::set<std::string> reported_names;
  std::set<Uuid> reported_ids;
  for (const auto& t : wanted) {
    if (!t.name && t.topic_id.is_zero()) {
      result(std::nullopt, Uuid{}, ErrorCode::kInvalidRequest,
             "Neither topic name nor id were specified.");
      continue;
    }
    if (t.name && !t.topic_id.is_zero()) {
      result(t.name, t.topic_id, ErrorCode::kInvalidRequest,
             "You may not specify both topic name and topic id.");
      continue;
    }
    if (t.name) {
      const std::string& name = *t.name;
      if (name_count[name] > 1) {
        if (reported_names.insert(name).second)
          result(name, Uuid{}, ErrorCode::kInvalidRequest, "Duplicate topic name.");
        continue;
      }
      const TopicMetadata* topic = broker.metadata().find_topic(name);
      if (!topic) {
        result(name, Uuid{}, ErrorCode::kUnknownTopicOrPartition,
               "This server does not host this topic-partition.");
        continue;
      }
      Uuid id = topic->id;
      Status s = co_await broker.topics().remove(name);
      result(name, v >= 6 ? id : Uuid{}, s.code(), s.ok() ? std::nullopt
                                                          : std::optional<std::string>(s.message()));
      continue;
    }
    if (id_count[t.topic_id] > 1) {
      if (reported_ids.insert(t.topic_id).second)
        result(std::nullopt, t.topic_id, ErrorCode::kInvalidRequest, "Duplicate topic id.");
      continue;
    }
    const TopicMetadata* topic = broker.metadata().find_topic(t.topic_id);
    if (!topic) {
      result(std::nullopt, t.topic_id, ErrorCode::kUnknownTopicId,
             "This server does not host this topic ID.");
      continue;
    }
    std::string name = topic->name;
    Status s = co_await broker.topics().remove(name);
    result(name, t.topic_id, s.code(),
           s.ok() ? std::nullopt : std::optional<std::string>(s.message()));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
