// DescribeQuorum: Kafka answers it from its KRaft metadata quorum (__cluster_metadata-0).
// This broker keeps metadata in its metadata store, not in a quorum partition, so every
// partition asked about is unknown: UNKNOWN_TOPIC_OR_PARTITION, as KafkaRaftClient answers a
// request for a partition other than its own.
#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/describe_quorum.h"

namespace moldau::broker::handlers {

using protocol::DescribeQuorumResponse;

asio::awaitable<Status> describe_quorum(RequestContext& ctx) {
  auto req = ctx.decode<protocol::DescribeQuorumRequest>();
  if (!req.ok()) co_return req.status();
  DescribeQuorumResponse resp;
  for (const auto& t : req->topics) {
    DescribeQuorumResponse::TopicData td;
    td.topic_name = t.topic_name;
    for (const auto& p : t.partitions) {
      DescribeQuorumResponse::TopicData::PartitionData pd;
      pd.partition_index = p.partition_index;
      pd.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
      pd.error_message = "This broker keeps its metadata without a KRaft quorum";
      td.partitions.push_back(std::move(pd));
    }
    resp.topics.push_back(std::move(td));
  }
  ctx.respond(resp);
  co_return Status();
}

}  // namespace moldau::broker::handlers
