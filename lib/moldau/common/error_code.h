#pragma once
// Kafka's error codes, numbered and named exactly as Apache Kafka's
// org.apache.kafka.common.protocol.Errors, so that a code can go on the wire unchanged.

#include <cstdint>
#include <optional>
#include <string_view>

namespace moldau {

enum class ErrorCode : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kInvalidFetchSize = 4,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kBrokerNotAvailable = 8,
  kReplicaNotAvailable = 9,
  kMessageTooLarge = 10,
  kStaleControllerEpoch = 11,
  kOffsetMetadataTooLarge = 12,
  kNetworkException = 13,
  kCoordinatorLoadInProgress = 14,
  kCoordinatorNotAvailable = 15,
  kNotCoordinator = 16,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kNotEnoughReplicas = 19,
  kNotEnoughReplicasAfterAppend = 20,
  kInvalidRequiredAcks = 21,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidCommitOffsetSize = 28,
  kTopicAuthorizationFailed = 29,
  kGroupAuthorizationFailed = 30,
  kClusterAuthorizationFailed = 31,
  kInvalidTimestamp = 32,
  kUnsupportedSaslMechanism = 33,
  kIllegalSaslState = 34,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kNotController = 41,
  kInvalidRequest = 42,
  kUnsupportedForMessageFormat = 43,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kInvalidTxnState = 48,
  kInvalidProducerIdMapping = 49,
  kInvalidTransactionTimeout = 50,
  kConcurrentTransactions = 51,
  kTransactionCoordinatorFenced = 52,
  kTransactionalIdAuthorizationFailed = 53,
  kSecurityDisabled = 54,
  kOperationNotAttempted = 55,
  kKafkaStorageError = 56,
  kLogDirNotFound = 57,
  kSaslAuthenticationFailed = 58,
  kUnknownProducerId = 59,
  kReassignmentInProgress = 60,
  kDelegationTokenAuthDisabled = 61,
  kDelegationTokenNotFound = 62,
  kDelegationTokenOwnerMismatch = 63,
  kDelegationTokenRequestNotAllowed = 64,
  kDelegationTokenAuthorizationFailed = 65,
  kDelegationTokenExpired = 66,
  kInvalidPrincipalType = 67,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kFetchSessionIdNotFound = 70,
  kInvalidFetchSessionEpoch = 71,
  kListenerNotFound = 72,
  kTopicDeletionDisabled = 73,
  kFencedLeaderEpoch = 74,
  kUnknownLeaderEpoch = 75,
  kUnsupportedCompressionType = 76,
  kStaleBrokerEpoch = 77,
  kOffsetNotAvailable = 78,
  kMemberIdRequired = 79,
  kPreferredLeaderNotAvailable = 80,
  kGroupMaxSizeReached = 81,
  kFencedInstanceId = 82,
  kEligibleLeadersNotAvailable = 83,
  kElectionNotNeeded = 84,
  kNoReassignmentInProgress = 85,
  kGroupSubscribedToTopic = 86,
  kInvalidRecord = 87,
  kUnstableOffsetCommit = 88,
  kThrottlingQuotaExceeded = 89,
  kProducerFenced = 90,
  kResourceNotFound = 91,
  kDuplicateResource = 92,
  kUnacceptableCredential = 93,
  kInconsistentVoterSet = 94,
  kInvalidUpdateVersion = 95,
  kFeatureUpdateFailed = 96,
  kPrincipalDeserializationFailure = 97,
  kSnapshotNotFound = 98,
  kPositionOutOfRange = 99,
  kUnknownTopicId = 100,
  kDuplicateBrokerRegistration = 101,
  kBrokerIdNotRegistered = 102,
  kInconsistentTopicId = 103,
  kInconsistentClusterId = 104,
  kTransactionalIdNotFound = 105,
  kFetchSessionTopicIdError = 106,
  kIneligibleReplica = 107,
  kNewLeaderElected = 108,
  kOffsetMovedToTieredStorage = 109,
  kFencedMemberEpoch = 110,
  kUnreleasedInstanceId = 111,
  kUnsupportedAssignor = 112,
  kStaleMemberEpoch = 113,
  kMismatchedEndpointType = 114,
  kUnsupportedEndpointType = 115,
  kUnknownControllerId = 116,
  kUnknownSubscriptionId = 117,
  kTelemetryTooLarge = 118,
  kInvalidRegistration = 119,
};

// Kafka's name for the code, e.g. "UNKNOWN_TOPIC_OR_PARTITION"; "UNKNOWN" for a number Kafka
// does not define.
std::string_view error_name(ErrorCode code);
// Kafka's default message for the code, as its ApiException texts say it ("NONE" for kNone,
// as Errors.message() gives; a fixed "Unknown error code." for a number Kafka does not define).
std::string_view error_message(ErrorCode code);
// Whether Kafka marks the code retriable (its exception derives from RetriableException).
bool is_retriable(ErrorCode code);

inline int16_t to_wire(ErrorCode code) { return static_cast<int16_t>(code); }

// The highest code Kafka 3.7 defines (codes run from -1 to this without gaps).
inline constexpr int16_t kMaxErrorCode = 119;

// Whether Kafka 3.7 defines this number.
inline bool is_known_error(int16_t wire) { return wire >= -1 && wire <= kMaxErrorCode; }
// The code for Kafka's UPPER_SNAKE name ("NOT_COORDINATOR"); nullopt for a name Kafka lacks.
std::optional<ErrorCode> error_from_name(std::string_view name);

}  // namespace moldau
