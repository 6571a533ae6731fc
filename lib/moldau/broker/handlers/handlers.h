#pragma once
// One handler per API, each defined in handlers/<api>.cpp.

#include "moldau/broker/request_context.h"

namespace moldau::broker::handlers {

#define MOLDAU_HANDLER(name) asio::awaitable<Status> name(RequestContext& ctx)

MOLDAU_HANDLER(api_versions);
MOLDAU_HANDLER(metadata);
MOLDAU_HANDLER(produce);
MOLDAU_HANDLER(fetch);
MOLDAU_HANDLER(list_offsets);
MOLDAU_HANDLER(create_topics);
MOLDAU_HANDLER(delete_topics);
MOLDAU_HANDLER(create_partitions);
MOLDAU_HANDLER(delete_records);
MOLDAU_HANDLER(describe_configs);
MOLDAU_HANDLER(alter_configs);
MOLDAU_HANDLER(incremental_alter_configs);
MOLDAU_HANDLER(describe_cluster);
MOLDAU_HANDLER(describe_log_dirs);
MOLDAU_HANDLER(offset_for_leader_epoch);
MOLDAU_HANDLER(find_coordinator);
MOLDAU_HANDLER(join_group);
MOLDAU_HANDLER(sync_group);
MOLDAU_HANDLER(heartbeat);
MOLDAU_HANDLER(leave_group);
MOLDAU_HANDLER(offset_commit);
MOLDAU_HANDLER(offset_fetch);
MOLDAU_HANDLER(offset_delete);
MOLDAU_HANDLER(list_groups);
MOLDAU_HANDLER(describe_groups);
MOLDAU_HANDLER(delete_groups);
MOLDAU_HANDLER(init_producer_id);
MOLDAU_HANDLER(add_partitions_to_txn);
MOLDAU_HANDLER(add_offsets_to_txn);
MOLDAU_HANDLER(end_txn);
MOLDAU_HANDLER(write_txn_markers);
MOLDAU_HANDLER(txn_offset_commit);
MOLDAU_HANDLER(describe_producers);
MOLDAU_HANDLER(describe_transactions);
MOLDAU_HANDLER(list_transactions);
MOLDAU_HANDLER(sasl_handshake);
MOLDAU_HANDLER(sasl_authenticate);
MOLDAU_HANDLER(describe_acls);
MOLDAU_HANDLER(create_acls);
MOLDAU_HANDLER(delete_acls);
MOLDAU_HANDLER(alter_replica_log_dirs);
MOLDAU_HANDLER(create_delegation_token);
MOLDAU_HANDLER(renew_delegation_token);
MOLDAU_HANDLER(expire_delegation_token);
MOLDAU_HANDLER(describe_delegation_token);
MOLDAU_HANDLER(elect_leaders);
MOLDAU_HANDLER(alter_partition_reassignments);
MOLDAU_HANDLER(list_partition_reassignments);
MOLDAU_HANDLER(describe_client_quotas);
MOLDAU_HANDLER(alter_client_quotas);
MOLDAU_HANDLER(describe_user_scram_credentials);
MOLDAU_HANDLER(alter_user_scram_credentials);
MOLDAU_HANDLER(describe_quorum);
MOLDAU_HANDLER(update_features);
MOLDAU_HANDLER(unregister_broker);
MOLDAU_HANDLER(consumer_group_heartbeat);
MOLDAU_HANDLER(consumer_group_describe);
MOLDAU_HANDLER(list_client_metrics_resources);
MOLDAU_HANDLER(describe_topic_partitions);
MOLDAU_HANDLER(add_raft_voter);
MOLDAU_HANDLER(remove_raft_voter);

#undef MOLDAU_HANDLER

}  // namespace moldau::broker::handlers
