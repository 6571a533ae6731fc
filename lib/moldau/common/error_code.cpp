#include "moldau/common/error_code.h"

#include <array>

namespace moldau {
namespace {

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;
  bool retriable;
  std::string_view message;
};

// Indexed by code + 1. Names, numbers, default messages and retriability as in Apache Kafka
// 3.7's org.apache.kafka.common.protocol.Errors and the exception classes it maps to.
constexpr std::array<ErrorInfo, kMaxErrorCode + 2> kErrors = {{
    {ErrorCode::kUnknownServerError, "UNKNOWN_SERVER_ERROR", false,
     "The server experienced an unexpected error when processing the request."},
    {ErrorCode::kNone, "NONE", false, "NONE"},
    {ErrorCode::kOffsetOutOfRange, "OFFSET_OUT_OF_RANGE", false,
     "The requested offset is not within the range of offsets maintained by the server."},
    {ErrorCode::kCorruptMessage, "CORRUPT_MESSAGE", true,
     "This message has failed its CRC checksum, exceeds the valid size, has a null key for a "
     "compacted topic, or is otherwise corrupt."},
    {ErrorCode::kUnknownTopicOrPartition, "UNKNOWN_TOPIC_OR_PARTITION", true,
     "This server does not host this topic-partition."},
    {ErrorCode::kInvalidFetchSize, "INVALID_FETCH_SIZE", false,
     "The requested fetch size is invalid."},
    {ErrorCode::kLeaderNotAvailable, "LEADER_NOT_AVAILABLE", true,
     "There is no leader for this topic-partition as we are in the middle of a leadership "
     "election."},
    {ErrorCode::kNotLeaderOrFollower, "NOT_LEADER_OR_FOLLOWER", true,
     "For requests intended only for the leader, this error indicates that the broker is not the "
     "current leader. For requests intended for any replica, this error indicates that the broker "
     "is not a replica of the topic partition."},
    {ErrorCode::kRequestTimedOut, "REQUEST_TIMED_OUT", true, "The request timed out."},
    {ErrorCode::kBrokerNotAvailable, "BROKER_NOT_AVAILABLE", false, "The broker is not available."},
    {ErrorCode::kReplicaNotAvailable, "REPLICA_NOT_AVAILABLE", true,
     "The replica is not available for the requested topic-partition. Produce/Fetch requests and "
     "other requests intended only for the leader or follower return NOT_LEADER_OR_FOLLOWER if the "
     "broker is not a replica of the topic-partition."},
    {ErrorCode::kMessageTooLarge, "MESSAGE_TOO_LARGE", false,
     "The request included a message larger than the max message size the server will accept."},
    {ErrorCode::kStaleControllerEpoch, "STALE_CONTROLLER_EPOCH", false,
     "The controller moved to another broker."},
    {ErrorCode::kOffsetMetadataTooLarge, "OFFSET_METADATA_TOO_LARGE", false,
     "The metadata field of the offset request was too large."},
    {ErrorCode::kNetworkException, "NETWORK_EXCEPTION", true,
     "The server disconnected before a response was received."},
    {ErrorCode::kCoordinatorLoadInProgress, "COORDINATOR_LOAD_IN_PROGRESS", true,
     "The coordinator is loading and hence can't process requests."},
    {ErrorCode::kCoordinatorNotAvailable, "COORDINATOR_NOT_AVAILABLE", true,
     "The coordinator is not available."},
    {ErrorCode::kNotCoordinator, "NOT_COORDINATOR", true, "This is not the correct coordinator."},
    {ErrorCode::kInvalidTopicException, "INVALID_TOPIC_EXCEPTION", false,
     "The request attempted to perform an operation on an invalid topic."},
    {ErrorCode::kRecordListTooLarge, "RECORD_LIST_TOO_LARGE", false,
     "The request included message batch larger than the configured segment size on the server."},
    {ErrorCode::kNotEnoughReplicas, "NOT_ENOUGH_REPLICAS", true,
     "Messages are rejected since there are fewer in-sync replicas than required."},
    {ErrorCode::kNotEnoughReplicasAfterAppend, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true,
     "Messages are written to the log, but to fewer in-sync replicas than required."},
    {ErrorCode::kInvalidRequiredAcks, "INVALID_REQUIRED_ACKS", false,
     "Produce request specified an invalid value for required acks."},
    {ErrorCode::kIllegalGeneration, "ILLEGAL_GENERATION", false,
     "Specified group generation id is not valid."},
    {ErrorCode::kInconsistentGroupProtocol, "INCONSISTENT_GROUP_PROTOCOL", false,
     "The group member's supported protocols are incompatible with those of existing members or "
     "first group member tried to join with empty protocol type or empty protocol list."},
    {ErrorCode::kInvalidGroupId, "INVALID_GROUP_ID", false, "The configured groupId is invalid."},
    {ErrorCode::kUnknownMemberId, "UNKNOWN_MEMBER_ID", false,
     "The coordinator is not aware of this member."},
    {ErrorCode::kInvalidSessionTimeout, "INVALID_SESSION_TIMEOUT", false,
     "The session timeout is not within the range allowed by the broker (as configured by "
     "group.min.session.timeout.ms and group.max.session.timeout.ms)."},
    {ErrorCode::kRebalanceInProgress, "REBALANCE_IN_PROGRESS", false,
     "The group is rebalancing, so a rejoin is needed."},
    {ErrorCode::kInvalidCommitOffsetSize, "INVALID_COMMIT_OFFSET_SIZE", false,
     "The committing offset data size is not valid."},
    {ErrorCode::kTopicAuthorizationFailed, "TOPIC_AUTHORIZATION_FAILED", false,
     "Topic authorization failed."},
    {ErrorCode::kGroupAuthorizationFailed, "GROUP_AUTHORIZATION_FAILED", false,
     "Group authorization failed."},
    {ErrorCode::kClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED", false,
     "Cluster authorization failed."},
    {ErrorCode::kInvalidTimestamp, "INVALID_TIMESTAMP", false,
     "The timestamp of the message is out of acceptable range."},
    {ErrorCode::kUnsupportedSaslMechanism, "UNSUPPORTED_SASL_MECHANISM", false,
     "The broker does not support the requested SASL mechanism."},
    {ErrorCode::kIllegalSaslState, "ILLEGAL_SASL_STATE", false,
     "Request is not valid given the current SASL state."},
    {ErrorCode::kUnsupportedVersion, "UNSUPPORTED_VERSION", false,
     "The version of API is not supported."},
    {ErrorCode::kTopicAlreadyExists, "TOPIC_ALREADY_EXISTS", false,
     "Topic with this name already exists."},
    {ErrorCode::kInvalidPartitions, "INVALID_PARTITIONS", false,
     "Number of partitions is below 1."},
    {ErrorCode::kInvalidReplicationFactor, "INVALID_REPLICATION_FACTOR", false,
     "Replication factor is below 1 or larger than the number of available brokers."},
    {ErrorCode::kInvalidReplicaAssignment, "INVALID_REPLICA_ASSIGNMENT", false,
     "Replica assignment is invalid."},
    {ErrorCode::kInvalidConfig, "INVALID_CONFIG", false, "Configuration is invalid."},
    {ErrorCode::kNotController, "NOT_CONTROLLER", true,
     "This is not the correct controller for this cluster."},
    {ErrorCode::kInvalidRequest, "INVALID_REQUEST", false,
     "This most likely occurs because of a request being malformed by the client library or the "
     "message was sent to an incompatible broker. See the broker logs for more details."},
    {ErrorCode::kUnsupportedForMessageFormat, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false,
     "The message format version on the broker does not support the request."},
    {ErrorCode::kPolicyViolation, "POLICY_VIOLATION", false,
     "Request parameters do not satisfy the configured policy."},
    {ErrorCode::kOutOfOrderSequenceNumber, "OUT_OF_ORDER_SEQUENCE_NUMBER", false,
     "The broker received an out of order sequence number."},
    {ErrorCode::kDuplicateSequenceNumber, "DUPLICATE_SEQUENCE_NUMBER", false,
     "The broker received a duplicate sequence number."},
    {ErrorCode::kInvalidProducerEpoch, "INVALID_PRODUCER_EPOCH", false,
     "Producer attempted to produce with an old epoch."},
    {ErrorCode::kInvalidTxnState, "INVALID_TXN_STATE", false,
     "The producer attempted a transactional operation in an invalid state."},
    {ErrorCode::kInvalidProducerIdMapping, "INVALID_PRODUCER_ID_MAPPING", false,
     "The producer attempted to use a producer id which is not currently assigned to its "
     "transactional id."},
    {ErrorCode::kInvalidTransactionTimeout, "INVALID_TRANSACTION_TIMEOUT", false,
     "The transaction timeout is larger than the maximum value allowed by the broker (as "
     "configured by transaction.max.timeout.ms)."},
    {ErrorCode::kConcurrentTransactions, "CONCURRENT_TRANSACTIONS", true,
     "The producer attempted to update a transaction while another concurrent operation on the "
     "same transaction was ongoing."},
    {ErrorCode::kTransactionCoordinatorFenced, "TRANSACTION_COORDINATOR_FENCED", false,
     "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current "
     "coordinator for a given producer."},
    {ErrorCode::kTransactionalIdAuthorizationFailed, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false,
     "Transactional Id authorization failed."},
    {ErrorCode::kSecurityDisabled, "SECURITY_DISABLED", false, "Security features are disabled."},
    {ErrorCode::kOperationNotAttempted, "OPERATION_NOT_ATTEMPTED", false,
     "The broker did not attempt to execute this operation. This may happen for batched RPCs where "
     "some operations in the batch failed, causing the broker to respond without trying the rest."},
    {ErrorCode::kKafkaStorageError, "KAFKA_STORAGE_ERROR", true,
     "Disk error when trying to access log file on the disk."},
    {ErrorCode::kLogDirNotFound, "LOG_DIR_NOT_FOUND", false,
     "The user-specified log directory is not found in the broker config."},
    {ErrorCode::kSaslAuthenticationFailed, "SASL_AUTHENTICATION_FAILED", false,
     "SASL Authentication failed."},
    {ErrorCode::kUnknownProducerId, "UNKNOWN_PRODUCER_ID", false,
     "This exception is raised by the broker if it could not locate the producer metadata "
     "associated with the producerId in question. This could happen if, for instance, the "
     "producer's records were deleted because their retention time had elapsed. Once the last "
     "records of the producerId are removed, the producer's metadata is removed from the broker, "
     "and future appends by the producer will return this exception."},
    {ErrorCode::kReassignmentInProgress, "REASSIGNMENT_IN_PROGRESS", false,
     "A partition reassignment is in progress."},
    {ErrorCode::kDelegationTokenAuthDisabled, "DELEGATION_TOKEN_AUTH_DISABLED", false,
     "Delegation Token feature is not enabled."},
    {ErrorCode::kDelegationTokenNotFound, "DELEGATION_TOKEN_NOT_FOUND", false,
     "Delegation Token is not found on server."},
    {ErrorCode::kDelegationTokenOwnerMismatch, "DELEGATION_TOKEN_OWNER_MISMATCH", false,
     "Specified Principal is not valid Owner/Renewer."},
    {ErrorCode::kDelegationTokenRequestNotAllowed, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false,
     "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation "
     "token authenticated channels."},
    {ErrorCode::kDelegationTokenAuthorizationFailed, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false,
     "Delegation Token authorization failed."},
    {ErrorCode::kDelegationTokenExpired, "DELEGATION_TOKEN_EXPIRED", false,
     "Delegation Token is expired."},
    {ErrorCode::kInvalidPrincipalType, "INVALID_PRINCIPAL_TYPE", false,
     "Supplied principalType is not supported."},
    {ErrorCode::kNonEmptyGroup, "NON_EMPTY_GROUP", false, "The group is not empty."},
    {ErrorCode::kGroupIdNotFound, "GROUP_ID_NOT_FOUND", false, "The group id does not exist."},
    {ErrorCode::kFetchSessionIdNotFound, "FETCH_SESSION_ID_NOT_FOUND", true,
     "The fetch session ID was not found."},
    {ErrorCode::kInvalidFetchSessionEpoch, "INVALID_FETCH_SESSION_EPOCH", true,
     "The fetch session epoch is invalid."},
    {ErrorCode::kListenerNotFound, "LISTENER_NOT_FOUND", true,
     "There is no listener on the leader broker that matches the listener on which metadata "
     "request was processed."},
    {ErrorCode::kTopicDeletionDisabled, "TOPIC_DELETION_DISABLED", false,
     "Topic deletion is disabled."},
    {ErrorCode::kFencedLeaderEpoch, "FENCED_LEADER_EPOCH", true,
     "The leader epoch in the request is older than the epoch on the broker."},
    {ErrorCode::kUnknownLeaderEpoch, "UNKNOWN_LEADER_EPOCH", true,
     "The leader epoch in the request is newer than the epoch on the broker."},
    {ErrorCode::kUnsupportedCompressionType, "UNSUPPORTED_COMPRESSION_TYPE", false,
     "The requesting client does not support the compression type of given partition."},
    {ErrorCode::kStaleBrokerEpoch, "STALE_BROKER_EPOCH", false, "Broker epoch has changed."},
    {ErrorCode::kOffsetNotAvailable, "OFFSET_NOT_AVAILABLE", true,
     "The leader high watermark has not caught up from a recent leader election so the offsets "
     "cannot be guaranteed to be monotonically increasing."},
    {ErrorCode::kMemberIdRequired, "MEMBER_ID_REQUIRED", false,
     "The group member needs to have a valid member id before actually entering a consumer group."},
    {ErrorCode::kPreferredLeaderNotAvailable, "PREFERRED_LEADER_NOT_AVAILABLE", true,
     "The preferred leader was not available."},
    {ErrorCode::kGroupMaxSizeReached, "GROUP_MAX_SIZE_REACHED", false,
     "The consumer group has reached its max size."},
    {ErrorCode::kFencedInstanceId, "FENCED_INSTANCE_ID", false,
     "The broker rejected this static consumer since another consumer with the same "
     "group.instance.id has registered with a different member.id."},
    {ErrorCode::kEligibleLeadersNotAvailable, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true,
     "Eligible topic partition leaders are not available."},
    {ErrorCode::kElectionNotNeeded, "ELECTION_NOT_NEEDED", true,
     "Leader election not needed for topic partition."},
    {ErrorCode::kNoReassignmentInProgress, "NO_REASSIGNMENT_IN_PROGRESS", false,
     "No partition reassignment is in progress."},
    {ErrorCode::kGroupSubscribedToTopic, "GROUP_SUBSCRIBED_TO_TOPIC", false,
     "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to "
     "it."},
    {ErrorCode::kInvalidRecord, "INVALID_RECORD", false,
     "This record has failed the validation on broker and hence will be rejected."},
    {ErrorCode::kUnstableOffsetCommit, "UNSTABLE_OFFSET_COMMIT", true,
     "There are unstable offsets that need to be cleared."},
    {ErrorCode::kThrottlingQuotaExceeded, "THROTTLING_QUOTA_EXCEEDED", true,
     "The throttling quota has been exceeded."},
    {ErrorCode::kProducerFenced, "PRODUCER_FENCED", false,
     "There is a newer producer with the same transactionalId which fences the current one."},
    {ErrorCode::kResourceNotFound, "RESOURCE_NOT_FOUND", false,
     "A request illegally referred to a resource that does not exist."},
    {ErrorCode::kDuplicateResource, "DUPLICATE_RESOURCE", false,
     "A request illegally referred to the same resource twice."},
    {ErrorCode::kUnacceptableCredential, "UNACCEPTABLE_CREDENTIAL", false,
     "Requested credential would not meet criteria for acceptability."},
    {ErrorCode::kInconsistentVoterSet, "INCONSISTENT_VOTER_SET", false,
     "Indicates that the either the sender or recipient of a voter-only request is not one of the "
     "expected voters"},
    {ErrorCode::kInvalidUpdateVersion, "INVALID_UPDATE_VERSION", false,
     "The given update version was invalid."},
    {ErrorCode::kFeatureUpdateFailed, "FEATURE_UPDATE_FAILED", false,
     "Unable to update finalized features due to an unexpected server error."},
    {ErrorCode::kPrincipalDeserializationFailure, "PRINCIPAL_DESERIALIZATION_FAILURE", false,
     "Request principal deserialization failed during forwarding. This indicates an internal error "
     "on the broker cluster security setup."},
    {ErrorCode::kSnapshotNotFound, "SNAPSHOT_NOT_FOUND", false, "Requested snapshot was not found"},
    {ErrorCode::kPositionOutOfRange, "POSITION_OUT_OF_RANGE", false,
     "Requested position is not greater than or equal to zero, and less than the size of the "
     "snapshot."},
    {ErrorCode::kUnknownTopicId, "UNKNOWN_TOPIC_ID", true,
     "This server does not host this topic ID."},
    {ErrorCode::kDuplicateBrokerRegistration, "DUPLICATE_BROKER_REGISTRATION", false,
     "This broker ID is already in use."},
    {ErrorCode::kBrokerIdNotRegistered, "BROKER_ID_NOT_REGISTERED", false,
     "The given broker ID was not registered."},
    {ErrorCode::kInconsistentTopicId, "INCONSISTENT_TOPIC_ID", true,
     "The log's topic ID did not match the topic ID in the request"},
    {ErrorCode::kInconsistentClusterId, "INCONSISTENT_CLUSTER_ID", false,
     "The clusterId in the request does not match that found on the server"},
    {ErrorCode::kTransactionalIdNotFound, "TRANSACTIONAL_ID_NOT_FOUND", false,
     "The transactionalId could not be found"},
    {ErrorCode::kFetchSessionTopicIdError, "FETCH_SESSION_TOPIC_ID_ERROR", true,
     "The fetch session encountered inconsistent topic ID usage"},
    {ErrorCode::kIneligibleReplica, "INELIGIBLE_REPLICA", false,
     "The new ISR contains at least one ineligible replica."},
    {ErrorCode::kNewLeaderElected, "NEW_LEADER_ELECTED", false,
     "The AlterPartition request successfully updated the partition state but the leader has "
     "changed."},
    {ErrorCode::kOffsetMovedToTieredStorage, "OFFSET_MOVED_TO_TIERED_STORAGE", false,
     "The requested offset is moved to tiered storage."},
    {ErrorCode::kFencedMemberEpoch, "FENCED_MEMBER_EPOCH", false,
     "The member epoch is fenced by the group coordinator. The member must abandon all its "
     "partitions and rejoin."},
    {ErrorCode::kUnreleasedInstanceId, "UNRELEASED_INSTANCE_ID", false,
     "The instance ID is still used by another member in the consumer group. That member must "
     "leave first."},
    {ErrorCode::kUnsupportedAssignor, "UNSUPPORTED_ASSIGNOR", false,
     "The assignor or its version range is not supported by the consumer group."},
    {ErrorCode::kStaleMemberEpoch, "STALE_MEMBER_EPOCH", false,
     "The member epoch is stale. The member must retry after receiving its updated member epoch "
     "via the ConsumerGroupHeartbeat API."},
    {ErrorCode::kMismatchedEndpointType, "MISMATCHED_ENDPOINT_TYPE", false,
     "The request was sent to an endpoint of the wrong type."},
    {ErrorCode::kUnsupportedEndpointType, "UNSUPPORTED_ENDPOINT_TYPE", false,
     "This endpoint type is not supported yet."},
    {ErrorCode::kUnknownControllerId, "UNKNOWN_CONTROLLER_ID", false,
     "This controller ID is not known."},
    {ErrorCode::kUnknownSubscriptionId, "UNKNOWN_SUBSCRIPTION_ID", false,
     "Client sent a push telemetry request with an invalid or outdated subscription ID."},
    {ErrorCode::kTelemetryTooLarge, "TELEMETRY_TOO_LARGE", false,
     "Client sent a push telemetry request larger than the maximum size the broker will accept."},
    {ErrorCode::kInvalidRegistration, "INVALID_REGISTRATION", false,
     "The controller has considered the broker registration to be invalid."},
}};

constexpr bool table_is_dense() {
  for (size_t i = 0; i < kErrors.size(); ++i) {
    if (static_cast<int>(kErrors[i].code) != static_cast<int>(i) - 1) return false;
  }
  return true;
}
static_assert(table_is_dense(), "kErrors must list every code from -1 in order");

const ErrorInfo* find(ErrorCode code) {
  int16_t wire = to_wire(code);
  return is_known_error(wire) ? &kErrors[wire + 1] : nullptr;
}

}  // namespace

std::string_view error_name(ErrorCode code) {
  const ErrorInfo* e = find(code);
  return e ? e->name : "UNKNOWN";
}

std::string_view error_message(ErrorCode code) {
  const ErrorInfo* e = find(code);
  return e ? e->message : "Unknown error code.";
}

bool is_retriable(ErrorCode code) {
  const ErrorInfo* e = find(code);
  return e && e->retriable;
}

std::optional<ErrorCode> error_from_name(std::string_view name) {
  for (const ErrorInfo& e : kErrors) {
    if (e.name == name) return e.code;
  }
  return std::nullopt;
}

}  // namespace moldau
