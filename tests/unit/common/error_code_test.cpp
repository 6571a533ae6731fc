// Kafka's error codes: numbers, names, messages and retriable flags as in Apache Kafka 3.7's
// org.apache.kafka.common.protocol.Errors (read at tag 3.7.1).
#include "moldau/common/error_code.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "moldau/common/result.h"

using namespace moldau;

TEST_CASE("error codes carry Kafka's numbers") {
  CHECK(to_wire(ErrorCode::kUnknownServerError) == -1);
  CHECK(to_wire(ErrorCode::kNone) == 0);
  CHECK(to_wire(ErrorCode::kUnknownTopicOrPartition) == 3);
  CHECK(to_wire(ErrorCode::kUnsupportedVersion) == 35);
  CHECK(to_wire(ErrorCode::kFencedInstanceId) == 82);
  CHECK(to_wire(ErrorCode::kEligibleLeadersNotAvailable) == 83);
  CHECK(to_wire(ErrorCode::kInvalidRecord) == 87);
  CHECK(to_wire(ErrorCode::kProducerFenced) == 90);
  CHECK(to_wire(ErrorCode::kUnknownTopicId) == 100);
  CHECK(to_wire(ErrorCode::kInconsistentTopicId) == 103);
  CHECK(to_wire(ErrorCode::kTransactionalIdNotFound) == 105);
  CHECK(to_wire(ErrorCode::kOffsetMovedToTieredStorage) == 109);
  CHECK(to_wire(ErrorCode::kStaleMemberEpoch) == 113);
  CHECK(to_wire(ErrorCode::kInvalidRegistration) == 119);
  CHECK(kMaxErrorCode == 119);
}

TEST_CASE("every code from -1 to the last has a distinct Kafka name") {
  std::set<std::string_view> names;
  for (int c = -1; c <= kMaxErrorCode; ++c) {
    auto code = static_cast<ErrorCode>(c);
    std::string_view name = error_name(code);
    CAPTURE(c);
    CHECK(name != "UNKNOWN");
    CHECK(!error_message(code).empty());
    CHECK(names.insert(name).second);
    REQUIRE(error_from_name(name).has_value());
    CHECK(*error_from_name(name) == code);
  }
  CHECK(names.size() == 121);
}

TEST_CASE("error names") {
  CHECK(error_name(ErrorCode::kNone) == "NONE");
  CHECK(error_name(ErrorCode::kUnknownServerError) == "UNKNOWN_SERVER_ERROR");
  CHECK(error_name(ErrorCode::kUnknownTopicOrPartition) == "UNKNOWN_TOPIC_OR_PARTITION");
  CHECK(error_name(ErrorCode::kInvalidTopicException) == "INVALID_TOPIC_EXCEPTION");
  CHECK(error_name(ErrorCode::kFencedInstanceId) == "FENCED_INSTANCE_ID");
  CHECK(error_name(ErrorCode::kFetchSessionTopicIdError) == "FETCH_SESSION_TOPIC_ID_ERROR");
  CHECK(error_name(ErrorCode::kInvalidRegistration) == "INVALID_REGISTRATION");
  CHECK(error_name(static_cast<ErrorCode>(120)) == "UNKNOWN");
  CHECK(error_name(static_cast<ErrorCode>(-2)) == "UNKNOWN");
  CHECK(error_name(static_cast<ErrorCode>(32767)) == "UNKNOWN");
  CHECK_FALSE(error_from_name("NO_SUCH_ERROR").has_value());
  CHECK_FALSE(is_known_error(120));
  CHECK(is_known_error(-1));
}

TEST_CASE("error messages are Kafka's defaults") {
  CHECK(error_message(ErrorCode::kNone) == "NONE");
  CHECK(error_message(ErrorCode::kUnknownTopicOrPartition) ==
        "This server does not host this topic-partition.");
  CHECK(error_message(ErrorCode::kTopicAlreadyExists) == "Topic with this name already exists.");
  CHECK(error_message(ErrorCode::kNotLeaderOrFollower) ==
        "For requests intended only for the leader, this error indicates that the broker is not "
        "the current leader. For requests intended for any replica, this error indicates that "
        "the broker is not a replica of the topic partition.");
  CHECK(error_message(ErrorCode::kInvalidReplicationFactor) ==
        "Replication factor is below 1 or larger than the number of available brokers.");
  CHECK(error_message(ErrorCode::kSnapshotNotFound) == "Requested snapshot was not found");
  CHECK(error_message(ErrorCode::kInconsistentTopicId) ==
        "The log's topic ID did not match the topic ID in the request");
  CHECK(error_message(ErrorCode::kInvalidRegistration) ==
        "The controller has considered the broker registration to be invalid.");
  CHECK(error_message(static_cast<ErrorCode>(500)) == "Unknown error code.");
}

TEST_CASE("retriable codes are Kafka's RetriableException subclasses") {
  // Every retriable code in Kafka 3.7, found by walking each exception's superclasses.
  const std::set<int> retriable = {2,  3,  5,  6,  7,  9,  13, 14, 15, 16, 19, 20,  41,  51, 56,
                                   70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106};
  for (int c = -1; c <= kMaxErrorCode + 5; ++c) {
    CAPTURE(c);
    CHECK(is_retriable(static_cast<ErrorCode>(c)) == (retriable.count(c) == 1));
  }
  CHECK(is_retriable(ErrorCode::kNotCoordinator));
  CHECK(is_retriable(ErrorCode::kKafkaStorageError));  // via InvalidMetadataException
  CHECK_FALSE(is_retriable(ErrorCode::kNone));
  CHECK_FALSE(is_retriable(ErrorCode::kUnknownServerError));
  CHECK_FALSE(is_retriable(ErrorCode::kTopicAlreadyExists));
  CHECK_FALSE(is_retriable(ErrorCode::kStaleMemberEpoch));
}
