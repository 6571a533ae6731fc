#pragma once
// Every message the codec knows.

#include "moldau/protocol/messages/produce.h"
#include "moldau/protocol/messages/fetch.h"
#include "moldau/protocol/messages/list_offsets.h"
#include "moldau/protocol/messages/metadata.h"
#include "moldau/protocol/messages/offset_commit.h"
#include "moldau/protocol/messages/offset_fetch.h"
#include "moldau/protocol/messages/find_coordinator.h"
#include "moldau/protocol/messages/join_group.h"
#include "moldau/protocol/messages/heartbeat.h"
#include "moldau/protocol/messages/leave_group.h"
#include "moldau/protocol/messages/sync_group.h"
#include "moldau/protocol/messages/describe_groups.h"
#include "moldau/protocol/messages/list_groups.h"
#include "moldau/protocol/messages/sasl_handshake.h"
#include "moldau/protocol/messages/api_versions.h"
#include "moldau/protocol/messages/create_topics.h"
#include "moldau/protocol/messages/delete_topics.h"
#include "moldau/protocol/messages/delete_records.h"
#include "moldau/protocol/messages/init_producer_id.h"
#include "moldau/protocol/messages/offset_for_leader_epoch.h"
#include "moldau/protocol/messages/add_partitions_to_txn.h"
#include "moldau/protocol/messages/add_offsets_to_txn.h"
#include "moldau/protocol/messages/end_txn.h"
#include "moldau/protocol/messages/write_txn_markers.h"
#include "moldau/protocol/messages/txn_offset_commit.h"
#include "moldau/protocol/messages/describe_configs.h"
#include "moldau/protocol/messages/alter_configs.h"
#include "moldau/protocol/messages/describe_log_dirs.h"
#include "moldau/protocol/messages/sasl_authenticate.h"
#include "moldau/protocol/messages/create_partitions.h"
#include "moldau/protocol/messages/delete_groups.h"
#include "moldau/protocol/messages/incremental_alter_configs.h"
#include "moldau/protocol/messages/offset_delete.h"
#include "moldau/protocol/messages/describe_cluster.h"
#include "moldau/protocol/messages/describe_producers.h"
#include "moldau/protocol/messages/describe_transactions.h"
#include "moldau/protocol/messages/list_transactions.h"
#include "moldau/protocol/messages/describe_acls.h"
#include "moldau/protocol/messages/create_acls.h"
#include "moldau/protocol/messages/delete_acls.h"
#include "moldau/protocol/messages/alter_replica_log_dirs.h"
#include "moldau/protocol/messages/create_delegation_token.h"
#include "moldau/protocol/messages/renew_delegation_token.h"
#include "moldau/protocol/messages/expire_delegation_token.h"
#include "moldau/protocol/messages/describe_delegation_token.h"
#include "moldau/protocol/messages/elect_leaders.h"
#include "moldau/protocol/messages/alter_partition_reassignments.h"
#include "moldau/protocol/messages/list_partition_reassignments.h"
#include "moldau/protocol/messages/describe_client_quotas.h"
#include "moldau/protocol/messages/alter_client_quotas.h"
#include "moldau/protocol/messages/describe_user_scram_credentials.h"
#include "moldau/protocol/messages/alter_user_scram_credentials.h"
#include "moldau/protocol/messages/describe_quorum.h"
#include "moldau/protocol/messages/update_features.h"
#include "moldau/protocol/messages/unregister_broker.h"
#include "moldau/protocol/messages/consumer_group_heartbeat.h"
#include "moldau/protocol/messages/consumer_group_describe.h"
#include "moldau/protocol/messages/list_client_metrics_resources.h"
#include "moldau/protocol/messages/describe_topic_partitions.h"
#include "moldau/protocol/messages/add_raft_voter.h"
#include "moldau/protocol/messages/remove_raft_voter.h"

namespace moldau::protocol {

// Calls f.template operator()<Request, Response>() for every API.
template <class F>
void for_each_api(F&& f) {
  f.template operator()<ProduceRequest, ProduceResponse>();
  f.template operator()<FetchRequest, FetchResponse>();
  f.template operator()<ListOffsetsRequest, ListOffsetsResponse>();
  f.template operator()<MetadataRequest, MetadataResponse>();
  f.template operator()<OffsetCommitRequest, OffsetCommitResponse>();
  f.template operator()<OffsetFetchRequest, OffsetFetchResponse>();
  f.template operator()<FindCoordinatorRequest, FindCoordinatorResponse>();
  f.template operator()<JoinGroupRequest, JoinGroupResponse>();
  f.template operator()<HeartbeatRequest, HeartbeatResponse>();
  f.template operator()<LeaveGroupRequest, LeaveGroupResponse>();
  f.template operator()<SyncGroupRequest, SyncGroupResponse>();
  f.template operator()<DescribeGroupsRequest, DescribeGroupsResponse>();
  f.template operator()<ListGroupsRequest, ListGroupsResponse>();
  f.template operator()<SaslHandshakeRequest, SaslHandshakeResponse>();
  f.template operator()<ApiVersionsRequest, ApiVersionsResponse>();
  f.template operator()<CreateTopicsRequest, CreateTopicsResponse>();
  f.template operator()<DeleteTopicsRequest, DeleteTopicsResponse>();
  f.template operator()<DeleteRecordsRequest, DeleteRecordsResponse>();
  f.template operator()<InitProducerIdRequest, InitProducerIdResponse>();
  f.template operator()<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>();
  f.template operator()<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>();
  f.template operator()<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>();
  f.template operator()<EndTxnRequest, EndTxnResponse>();
  f.template operator()<WriteTxnMarkersRequest, WriteTxnMarkersResponse>();
  f.template operator()<TxnOffsetCommitRequest, TxnOffsetCommitResponse>();
  f.template operator()<DescribeConfigsRequest, DescribeConfigsResponse>();
  f.template operator()<AlterConfigsRequest, AlterConfigsResponse>();
  f.template operator()<DescribeLogDirsRequest, DescribeLogDirsResponse>();
  f.template operator()<SaslAuthenticateRequest, SaslAuthenticateResponse>();
  f.template operator()<CreatePartitionsRequest, CreatePartitionsResponse>();
  f.template operator()<DeleteGroupsRequest, DeleteGroupsResponse>();
  f.template operator()<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>();
  f.template operator()<OffsetDeleteRequest, OffsetDeleteResponse>();
  f.template operator()<DescribeClusterRequest, DescribeClusterResponse>();
  f.template operator()<DescribeProducersRequest, DescribeProducersResponse>();
  f.template operator()<DescribeTransactionsRequest, DescribeTransactionsResponse>();
  f.template operator()<ListTransactionsRequest, ListTransactionsResponse>();
  f.template operator()<DescribeAclsRequest, DescribeAclsResponse>();
  f.template operator()<CreateAclsRequest, CreateAclsResponse>();
  f.template operator()<DeleteAclsRequest, DeleteAclsResponse>();
  f.template operator()<AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse>();
  f.template operator()<CreateDelegationTokenRequest, CreateDelegationTokenResponse>();
  f.template operator()<RenewDelegationTokenRequest, RenewDelegationTokenResponse>();
  f.template operator()<ExpireDelegationTokenRequest, ExpireDelegationTokenResponse>();
  f.template operator()<DescribeDelegationTokenRequest, DescribeDelegationTokenResponse>();
  f.template operator()<ElectLeadersRequest, ElectLeadersResponse>();
  f.template operator()<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>();
  f.template operator()<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>();
  f.template operator()<DescribeClientQuotasRequest, DescribeClientQuotasResponse>();
  f.template operator()<AlterClientQuotasRequest, AlterClientQuotasResponse>();
  f.template operator()<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>();
  f.template operator()<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>();
  f.template operator()<DescribeQuorumRequest, DescribeQuorumResponse>();
  f.template operator()<UpdateFeaturesRequest, UpdateFeaturesResponse>();
  f.template operator()<UnregisterBrokerRequest, UnregisterBrokerResponse>();
  f.template operator()<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>();
  f.template operator()<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>();
  f.template operator()<ListClientMetricsResourcesRequest, ListClientMetricsResourcesResponse>();
  f.template operator()<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>();
  f.template operator()<AddRaftVoterRequest, AddRaftVoterResponse>();
  f.template operator()<RemoveRaftVoterRequest, RemoveRaftVoterResponse>();
}

}  // namespace moldau::protocol
