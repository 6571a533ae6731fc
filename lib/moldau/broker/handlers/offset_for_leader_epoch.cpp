// OffsetForLeaderEpoch: for each partition, the largest epoch <= the requested one and the
// offset where it ended (the log end offset for the current epoch), from the leader epoch
// cache, with the rules of Kafka's LeaderEpochFileCache.endOffsetFor: an epoch above every
// known one is unknown (-1, -1); one below every known one ends where the first begins.
// As on a Kafka leader, the current leader epoch counts as assigned at the log end when the
// cache has no entry for it yet. current_leader_epoch (v2+) is checked like ListOffsets does.
#include "moldau/broker/broker.h"
#include "moldau/broker/handlers/handlers.h"
#include "moldau/broker/replica/replica_manager.h"
#include "moldau/protocol/messages/offset_for_leader_epoch.h"

namespace moldau::broker::handlers {

using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

namespace {

std::pair<int32_t, int64_t> end_offset_for(const storage::PartitionLog& log, int32_t leader_epoch,
                                           int32_t requested) {
  if (requested < 0) return {-1, -1};
  std::vector<storage::EpochEntry> epochs = log.leader_epochs();
  int64_t leo = log.log_end_offset();
  if (epochs.empty() || epochs.back().epoch < leader_epoch) epochs.push_back({leader_epoch, leo});
  if (requested == epochs.back().epoch) return {requested, leo};
  const storage::EpochEntry* floor = nullptr;
  const storage::EpochEntry* higher = nullptr;
  for (const auto& e : epochs) {
    if (e.epoch <= requested) floor = &e;
    if (e.epoch > requested) {
      higher = &e;
      break;
    }
  }
  if (!higher) return {-1, -1};
  if (!floor) return {requested, higher->start_offset};
  return {floor->epoch, higher->start_offset};
}

}  // namespace

asio::awaitable<Status> offset_for_leader_epoch(RequestContext& ctx) {
  auto req = ctx.decode<OffsetForLeaderEpochRequest>();
  if (!req.ok()) co_return req.status();
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();

  OffsetForLeaderEpochResponse resp;
  for (const auto& topic : req->topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult tr;
    tr.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult::EpochEndOffset pr;
      pr.partition = p.partition;
      auto [partition, error] =
          broker.replicas().leader(topic.topic, p.partition, v >= 2 ? p.current_leader_epoch : -1);
      if (!partition) {
        pr.error_code = to_wire(error);
      } else {
        auto [found_epoch, end_offset] = end_offset_for(partition->log(), partition->leader_epoch(), p.leader_epoch);
        pr.leader_epoch = found_epoch;
        pr.end_offset = end_offset;
      }
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
