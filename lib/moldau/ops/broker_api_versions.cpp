#include "moldau/ops/broker_api_versions.h"

#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "moldau/ops/admin_tool.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"

namespace moldau::ops {

namespace {

const char* kUsage = "This tool helps to retrieve broker version information.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's BrokerApiVersionsCommand options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server(s) to use for bootstrapping", "REQUIRED: The server to connect to."},
      {"command-config", "String: command config property file",
       "A property file containing configs to be passed to Admin Client."},
      {"help", "", "Print usage information."},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// The API keys Kafka 4.4's Java client knows (ApiKeys): name, oldest and latest version, and
// whether it is one a client may send (ApiKeys.clientApis, listed UNSUPPORTED when a broker
// lacks it). Facts of the protocol, as that client states them.
struct ClientApi {
  int16_t id;
  const char* name;
  int16_t oldest, latest;
  bool client;
};
constexpr ClientApi kClientApis[] = {
    {0, "Produce", 3, 13, true},
    {1, "Fetch", 4, 18, true},
    {2, "ListOffsets", 1, 11, true},
    {3, "Metadata", 0, 13, true},
    {4, "LeaderAndIsr", 0, -1, false},
    {5, "StopReplica", 0, -1, false},
    {6, "UpdateMetadata", 0, -1, false},
    {7, "ControlledShutdown", 0, -1, false},
    {8, "OffsetCommit", 2, 10, true},
    {9, "OffsetFetch", 1, 10, true},
    {10, "FindCoordinator", 0, 6, true},
    {11, "JoinGroup", 0, 9, true},
    {12, "Heartbeat", 0, 4, true},
    {13, "LeaveGroup", 0, 5, true},
    {14, "SyncGroup", 0, 5, true},
    {15, "DescribeGroups", 0, 6, true},
    {16, "ListGroups", 0, 5, true},
    {17, "SaslHandshake", 0, 1, true},
    {18, "ApiVersions", 0, 5, true},
    {19, "CreateTopics", 2, 7, true},
    {20, "DeleteTopics", 1, 6, true},
    {21, "DeleteRecords", 0, 2, true},
    {22, "InitProducerId", 0, 6, true},
    {23, "OffsetForLeaderEpoch", 2, 4, true},
    {24, "AddPartitionsToTxn", 0, 5, true},
    {25, "AddOffsetsToTxn", 0, 4, true},
    {26, "EndTxn", 0, 5, true},
    {27, "WriteTxnMarkers", 1, 2, true},
    {28, "TxnOffsetCommit", 0, 6, true},
    {29, "DescribeAcls", 1, 3, true},
    {30, "CreateAcls", 1, 3, true},
    {31, "DeleteAcls", 1, 3, true},
    {32, "DescribeConfigs", 1, 4, true},
    {33, "AlterConfigs", 0, 2, true},
    {34, "AlterReplicaLogDirs", 1, 2, true},
    {35, "DescribeLogDirs", 1, 5, true},
    {36, "SaslAuthenticate", 0, 2, true},
    {37, "CreatePartitions", 0, 3, true},
    {38, "CreateDelegationToken", 1, 3, true},
    {39, "RenewDelegationToken", 1, 2, true},
    {40, "ExpireDelegationToken", 1, 2, true},
    {41, "DescribeDelegationToken", 1, 3, true},
    {42, "DeleteGroups", 0, 3, true},
    {43, "ElectLeaders", 0, 2, true},
    {44, "IncrementalAlterConfigs", 0, 1, true},
    {45, "AlterPartitionReassignments", 0, 1, true},
    {46, "ListPartitionReassignments", 0, 0, true},
    {47, "OffsetDelete", 0, 0, true},
    {48, "DescribeClientQuotas", 0, 1, true},
    {49, "AlterClientQuotas", 0, 1, true},
    {50, "DescribeUserScramCredentials", 0, 0, true},
    {51, "AlterUserScramCredentials", 0, 0, true},
    {52, "Vote", 0, 2, false},
    {53, "BeginQuorumEpoch", 0, 1, false},
    {54, "EndQuorumEpoch", 0, 1, false},
    {55, "DescribeQuorum", 0, 2, true},
    {56, "AlterPartition", 2, 3, false},
    {57, "UpdateFeatures", 0, 2, true},
    {58, "Envelope", 0, 0, false},
    {59, "FetchSnapshot", 0, 1, false},
    {60, "DescribeCluster", 0, 2, true},
    {61, "DescribeProducers", 0, 0, true},
    {62, "BrokerRegistration", 0, 4, false},
    {63, "BrokerHeartbeat", 0, 2, false},
    {64, "UnregisterBroker", 0, 0, true},
    {65, "DescribeTransactions", 0, 0, true},
    {66, "ListTransactions", 0, 2, true},
    {67, "AllocateProducerIds", 0, 0, false},
    {68, "ConsumerGroupHeartbeat", 0, 1, true},
    {69, "ConsumerGroupDescribe", 0, 1, true},
    {70, "ControllerRegistration", 0, 0, false},
    {71, "GetTelemetrySubscriptions", 0, 0, true},
    {72, "PushTelemetry", 0, 0, true},
    {73, "AssignReplicasToDirs", 0, 0, false},
    {74, "ListConfigResources", 0, 1, true},
    {75, "DescribeTopicPartitions", 0, 0, true},
    {76, "ShareGroupHeartbeat", 1, 1, true},
    {77, "ShareGroupDescribe", 1, 1, true},
    {78, "ShareFetch", 1, 2, true},
    {79, "ShareAcknowledge", 1, 2, true},
    {80, "AddRaftVoter", 0, 1, true},
    {81, "RemoveRaftVoter", 0, 0, true},
    {82, "UpdateRaftVoter", 0, 0, false},
    {83, "InitializeShareGroupState", 0, 0, true},
    {84, "ReadShareGroupState", 0, 0, true},
    {85, "WriteShareGroupState", 0, 1, true},
    {86, "DeleteShareGroupState", 0, 0, true},
    {87, "ReadShareGroupStateSummary", 0, 1, true},
    {88, "StreamsGroupHeartbeat", 0, 1, true},
    {89, "StreamsGroupDescribe", 0, 1, true},
    {90, "DescribeShareGroupOffsets", 0, 1, true},
    {91, "AlterShareGroupOffsets", 0, 0, true},
    {92, "DeleteShareGroupOffsets", 0, 0, true},
    {93, "StreamsGroupTopologyDescriptionUpdate", 0, 0, true},
    {94, "UnregisterController", 0, 0, true},
};

const ClientApi* client_api(int16_t id) {
  for (const auto& a : kClientApis)
    if (a.id == id) return &a;
  return nullptr;
}

// Node.toString.
std::string node_text(const std::string& host, int32_t port, int32_t id, const std::optional<std::string>& rack) {
  return host + ":" + std::to_string(port) + " (id: " + std::to_string(id) + " rack: " + rack.value_or("null") +
         " isFenced: false)";
}

// Node.hashCode (isFenced false).
int32_t node_hash(const std::string& host, int32_t port, int32_t id, const std::optional<std::string>& rack) {
  uint32_t h = 31u + static_cast<uint32_t>(java_string_hash(host));
  h = 31 * h + static_cast<uint32_t>(id);
  h = 31 * h + static_cast<uint32_t>(port);
  h = 31 * h + (rack ? static_cast<uint32_t>(java_string_hash(*rack)) : 0u);
  h = 31 * h + 1237u;  // Boolean.hashCode(false)
  return static_cast<int32_t>(h);
}

using Brokers = std::vector<protocol::MetadataResponse::MetadataResponseBroker>;

// The legacy admin client's findAllBrokers: Metadata (all topics) from the first bootstrap
// broker that answers.
Result<Brokers> find_all_brokers(const std::vector<HostPort>& bootstrap, int timeout_ms) {
  // Each bootstrap broker gets its own request timeout, as sendAnyNode tries them in turn.
  for (const auto& b : bootstrap) {
    auto md = raw_metadata({b}, std::nullopt, RawClock::now() + std::chrono::milliseconds(timeout_ms));
    if (md.ok()) return md->brokers;
  }
  std::vector<std::string> nodes;
  int32_t id = -1;
  for (const auto& b : bootstrap) nodes.push_back(node_text(b.host, b.port, id--, std::nullopt));
  return Status(ErrorCode::kNetworkException, "Request METADATA failed on brokers [" + join(nodes, ", ") + "]");
}

}  // namespace

std::string format_node_api_versions(const std::vector<BrokerApiRange>& ranges) {
  std::map<int16_t, std::string> lines;
  for (const auto& r : ranges) {
    const ClientApi* api = client_api(r.api_key);
    std::string text = api ? std::string(api->name) + "(" + std::to_string(r.api_key) + "): "
                           : "UNKNOWN(" + std::to_string(r.api_key) + "): ";
    text += r.min_version == r.max_version ? std::to_string(r.min_version)
                                           : std::to_string(r.min_version) + " to " + std::to_string(r.max_version);
    if (api) {
      if (api->latest < r.min_version)
        text += " [unusable: node too new]";
      else if (r.max_version < api->oldest)
        text += " [unusable: node too old]";
      else
        text += " [usable: " + std::to_string(std::min(api->latest, r.max_version)) + "]";
    }
    lines[r.api_key] = text;
  }
  for (const auto& a : kClientApis)
    if (a.client && !lines.count(a.id)) lines[a.id] = std::string(a.name) + "(" + std::to_string(a.id) + "): UNSUPPORTED";
  std::string out = "(\n\t";
  bool first = true;
  for (const auto& [key, text] : lines) {
    out += (first ? "" : ",\n\t") + text;
    first = false;
  }
  return out + "\n)";
}

int broker_api_versions_main(int argc, char** argv) {
  // The tool's own legacy client: a bad bootstrap list fails with the reason itself.
  auto start = start_admin_tool(argc, argv, kUsage, docs(), {"bootstrap-server"});
  const auto& nodes = start.bootstrap;
  int timeout_ms = int_property(start.props, "request.timeout.ms", 5000);

  // awaitBrokers, then listAllBrokerVersionInfo: two Metadata requests, as Kafka's tool sends.
  while (true) {
    auto found = find_all_brokers(nodes, timeout_ms);
    if (!found.ok()) return admin_tool_fail(found.status().message(), "java.lang.RuntimeException");
    if (!found->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto found = find_all_brokers(nodes, timeout_ms);
  if (!found.ok()) return admin_tool_fail(found.status().message(), "java.lang.RuntimeException");
  const Brokers& brokers = *found;

  // A HashMap<Node, ...> in Kafka's tool: printed in its order.
  std::vector<int32_t> hashes;
  for (const auto& b : brokers) hashes.push_back(node_hash(b.host, b.port, b.node_id, b.rack));
  for (size_t i : java_hashmap_order(hashes)) {
    const auto& b = brokers[i];
    std::string line = node_text(b.host, b.port, b.node_id, b.rack) + " -> ";
    auto deadline = RawClock::now() + std::chrono::milliseconds(timeout_ms);
    auto c = RawConnection::open(b.host, b.port, deadline);
    if (!c.ok()) {
      line += "ERROR: org.apache.kafka.common.errors.DisconnectException";
    } else if ((*c)->api_versions().error_code != 0) {
      auto code = static_cast<ErrorCode>((*c)->api_versions().error_code);
      line += "ERROR: " + java_exception_class(code) + ": " + std::string(error_message(code));
    } else {
      std::vector<BrokerApiRange> ranges;
      for (const auto& k : (*c)->api_versions().api_keys) ranges.push_back({k.api_key, k.min_version, k.max_version});
      line += format_node_api_versions(ranges);
    }
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace moldau::ops
