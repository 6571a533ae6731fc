#include "moldau/broker/api_table.h"

#include <array>

#include "moldau/broker/handlers/handlers.h"
#include "moldau/protocol/messages/all.h"

namespace moldau::broker {
namespace {

template <class Req>
constexpr ApiEntry entry(Handler h, bool may_wait = false) {
  return ApiEntry{Req::kApiKey, Req::kApiName, Req::kMinVersion, Req::kMaxVersion,
                  Req::kFirstFlexibleVersion, h, may_wait};
}

using namespace protocol;
namespace h = handlers;

// Ordered by API key: every API that Kafka 3.9 lists to clients (see README, Configuration).
const ApiEntry kApis[] = {
    entry<ProduceRequest>(h::produce),
    entry<FetchRequest>(h::fetch, true),
    entry<ListOffsetsRequest>(h::list_offsets),
    entry<MetadataRequest>(h::metadata),
    entry<OffsetCommitRequest>(h::offset_commit),
    entry<OffsetFetchRequest>(h::offset_fetch),
    entry<FindCoordinatorRequest>(h::find_coordinator),
    entry<JoinGroupRequest>(h::join_group, true),
    entry<HeartbeatRequest>(h::heartbeat),
    entry<LeaveGroupRequest>(h::leave_group),
    entry<SyncGroupRequest>(h::sync_group, true),
    entry<DescribeGroupsRequest>(h::describe_groups),
    entry<ListGroupsRequest>(h::list_groups),
    entry<SaslHandshakeRequest>(h::sasl_handshake),
    entry<ApiVersionsRequest>(h::api_versions),
    entry<CreateTopicsRequest>(h::create_topics),
    entry<DeleteTopicsRequest>(h::delete_topics),
    entry<DeleteRecordsRequest>(h::delete_records),
    entry<InitProducerIdRequest>(h::init_producer_id),
    entry<OffsetForLeaderEpochRequest>(h::offset_for_leader_epoch),
    entry<AddPartitionsToTxnRequest>(h::add_partitions_to_txn),
    entry<AddOffsetsToTxnRequest>(h::add_offsets_to_txn),
    entry<EndTxnRequest>(h::end_txn),
    entry<WriteTxnMarkersRequest>(h::write_txn_markers),
    entry<TxnOffsetCommitRequest>(h::txn_offset_commit),
    entry<DescribeAclsRequest>(h::describe_acls),
    entry<CreateAclsRequest>(h::create_acls),
    entry<DeleteAclsRequest>(h::delete_acls),
    entry<DescribeConfigsRequest>(h::describe_configs),
    entry<AlterConfigsRequest>(h::alter_configs),
    entry<AlterReplicaLogDirsRequest>(h::alter_replica_log_dirs),
    entry<DescribeLogDirsRequest>(h::describe_log_dirs),
    entry<SaslAuthenticateRequest>(h::sasl_authenticate),
    entry<CreatePartitionsRequest>(h::create_partitions),
    entry<CreateDelegationTokenRequest>(h::create_delegation_token),
    entry<RenewDelegationTokenRequest>(h::renew_delegation_token),
    entry<ExpireDelegationTokenRequest>(h::expire_delegation_token),
    entry<DescribeDelegationTokenRequest>(h::describe_delegation_token),
    entry<DeleteGroupsRequest>(h::delete_groups),
    entry<ElectLeadersRequest>(h::elect_leaders),
    entry<IncrementalAlterConfigsRequest>(h::incremental_alter_configs),
    entry<AlterPartitionReassignmentsRequest>(h::alter_partition_reassignments),
    entry<ListPartitionReassignmentsRequest>(h::list_partition_reassignments),
    entry<OffsetDeleteRequest>(h::offset_delete),
    entry<DescribeClientQuotasRequest>(h::describe_client_quotas),
    entry<AlterClientQuotasRequest>(h::alter_client_quotas),
    entry<DescribeUserScramCredentialsRequest>(h::describe_user_scram_credentials),
    entry<AlterUserScramCredentialsRequest>(h::alter_user_scram_credentials),
    entry<DescribeQuorumRequest>(h::describe_quorum),
    entry<UpdateFeaturesRequest>(h::update_features),
    entry<DescribeClusterRequest>(h::describe_cluster),
    entry<DescribeProducersRequest>(h::describe_producers),
    entry<UnregisterBrokerRequest>(h::unregister_broker),
    entry<DescribeTransactionsRequest>(h::describe_transactions),
    entry<ListTransactionsRequest>(h::list_transactions),
    entry<ConsumerGroupHeartbeatRequest>(h::consumer_group_heartbeat),
    entry<ConsumerGroupDescribeRequest>(h::consumer_group_describe),
    entry<ListClientMetricsResourcesRequest>(h::list_client_metrics_resources),
    entry<DescribeTopicPartitionsRequest>(h::describe_topic_partitions),
    entry<AddRaftVoterRequest>(h::add_raft_voter),
    entry<RemoveRaftVoterRequest>(h::remove_raft_voter),
};

}  // namespace

std::span<const ApiEntry> api_table() { return kApis; }

const ApiEntry* find_api(int16_t api_key) {
  for (const auto& e : kApis)
    if (e.api_key == api_key) return &e;
  return nullptr;
}

}  // namespace moldau::broker
