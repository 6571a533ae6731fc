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

#undef MOLDAU_HANDLER

}  // namespace moldau::broker::handlers
