// OffsetDelete: removes committed offsets of an empty group, or of topics a consumer group is
// not subscribed to (GROUP_SUBSCRIBED_TO_TOPIC otherwise); tombstones go to the log.
#include "moldau/broker/broker.h"
#include "moldau/broker/group/coordinator.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/offset_delete.h"

namespace moldau::broker::handlers {

using protocol::OffsetDeleteRequest;
using protocol::OffsetDeleteResponse;

asio::awaitable<Status> offset_delete(RequestContext& ctx) {
  auto req = ctx.decode<OffsetDeleteRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  std::vector<std::pair<group::TopicPartition, ErrorCode>> known;
  std::vector<std::vector<ErrorCode>> errors;
  for (const auto& t : req->topics) {
    const TopicMetadata* meta = broker.metadata().find_topic(t.name);
    auto& errs = errors.emplace_back();
    for (const auto& p : t.partitions) {
      bool exists = meta && p.partition_index >= 0 && p.partition_index < meta->partition_count();
      errs.push_back(exists ? ErrorCode::kNone : ErrorCode::kUnknownTopicOrPartition);
      if (exists) known.push_back({{t.name, p.partition_index}, ErrorCode::kNone});
    }
  }
  ErrorCode top = broker.groups().delete_offsets(req->group_id, known);

  OffsetDeleteResponse resp;
  resp.error_code = to_wire(top);
  if (top == ErrorCode::kNone) {
    size_t k = 0;
    for (size_t i = 0; i < req->topics.size(); ++i) {
      OffsetDeleteResponse::OffsetDeleteResponseTopic tr;
      tr.name = req->topics[i].name;
      for (size_t j = 0; j < req->topics[i].partitions.size(); ++j) {
        OffsetDeleteResponse::OffsetDeleteResponseTopic::OffsetDeleteResponsePartition pr;
        pr.partition_index = req->topics[i].partitions[j].partition_index;
        ErrorCode e = errors[i][j];
        if (e == ErrorCode::kNone) e = known[k++].second;
        pr.error_code = to_wire(e);
        tr.partitions.push_back(pr);
      }
      resp.topics.push_back(std::move(tr));
    }
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
