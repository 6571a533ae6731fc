#include "moldau/ops/log_dirs.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "moldau/ops/admin_tool.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/describe_log_dirs.h"

namespace moldau::ops {

namespace {

const char* kUsage = "This tool helps to query log directory usage on the specified brokers.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's LogDirsCommand options, in its words (they are the tool's output). The '\x01'
  // is where Java's line breaking cuts "server(s)".
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: The server\x01(s) to use for bootstrapping",
       "REQUIRED: the server(s) to use for bootstrapping"},
      {"broker-list", "String: Broker list",
       "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster will be queried if no "
       "broker list is specified",
       false, "", true},
      {"command-config", "String: Admin client property file",
       "Property file containing configs to be passed to Admin Client."},
      {"describe", "", "Describe the specified log directories on the specified brokers."},
      {"help", "", "Print usage information."},
      {"topic-list", "String: Topic list",
       "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics will be queried if no "
       "topic list is specified",
       false, "", true},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// String.split(",") with the empty pieces dropped.
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string piece = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!piece.empty()) out.push_back(piece);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Integer.valueOf: an optional sign and decimal digits that fit an int.
std::optional<int32_t> java_int(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size() || s.size() - i > 10 || !std::all_of(s.begin() + i, s.end(), ::isdigit)) return std::nullopt;
  long long v = std::stoll(s);
  if (v < INT32_MIN || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

// A HashSet<Integer> built from `ids` in this order, iterated.
std::vector<int32_t> int_set(const std::vector<int32_t>& ids) {
  std::vector<int32_t> distinct;
  for (int32_t id : ids)
    if (std::find(distinct.begin(), distinct.end(), id) == distinct.end()) distinct.push_back(id);
  std::vector<int32_t> out;
  for (size_t i : java_hashmap_order(distinct)) out.push_back(distinct[i]);
  return out;
}

std::string joined(const std::vector<int32_t>& ids) {
  std::vector<std::string> s;
  for (int32_t id : ids) s.push_back(std::to_string(id));
  return join(s, ",");
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

std::string format_log_dirs_json(const std::vector<BrokerLogDirs>& brokers, const std::vector<std::string>& topics) {
  // Keys come out as Java's HashMaps order them: "brokers" before "version", "broker" before
  // "logDirs", "partitions", "error", "logDir", and "partition", "size", "offsetLag", "isFuture".
  std::vector<int32_t> ids;
  for (const auto& b : brokers) ids.push_back(b.broker);
  std::vector<std::string> broker_texts;
  for (size_t bi : java_hashmap_order(ids)) {
    const auto& b = brokers[bi];
    std::vector<int32_t> dir_hashes;
    for (const auto& d : b.dirs) dir_hashes.push_back(java_string_hash(d.path));
    std::vector<std::string> dir_texts;
    for (size_t di : java_hashmap_order(dir_hashes)) {
      const auto& d = b.dirs[di];
      // The client's HashMap of replicas, then the filtered copy the tool collects.
      std::vector<int32_t> hashes;
      for (const auto& r : d.replicas) hashes.push_back(java_topic_partition_hash(r.topic, r.partition));
      std::vector<const ReplicaView*> kept;
      for (size_t ri : java_hashmap_order(hashes)) {
        const auto& r = d.replicas[ri];
        if (topics.empty() || std::find(topics.begin(), topics.end(), r.topic) != topics.end()) kept.push_back(&r);
      }
      std::vector<int32_t> kept_hashes;
      for (const auto* r : kept) kept_hashes.push_back(java_topic_partition_hash(r->topic, r->partition));
      std::vector<std::string> parts;
      for (size_t ki : java_hashmap_order(kept_hashes)) {
        const auto* r = kept[ki];
        parts.push_back("{\"partition\":" + quoted(r->topic + "-" + std::to_string(r->partition)) +
                        ",\"size\":" + std::to_string(r->size) + ",\"offsetLag\":" + std::to_string(r->offset_lag) +
                        ",\"isFuture\":" + (r->is_future ? "true" : "false") + "}");
      }
      dir_texts.push_back("{\"partitions\":[" + join(parts, ",") + "],\"error\":" +
                          (d.error ? quoted(*d.error) : "null") + ",\"logDir\":" + quoted(d.path) + "}");
    }
    broker_texts.push_back("{\"broker\":" + std::to_string(b.broker) + ",\"logDirs\":[" + join(dir_texts, ",") + "]}");
  }
  return "{\"brokers\":[" + join(broker_texts, ",") + "],\"version\":1}";
}

int log_dirs_main(int argc, char** argv) {
  auto start = start_admin_tool(argc, argv, kUsage, docs(), {"bootstrap-server", "describe"},
                                "Failed to create new KafkaAdminClient");
  const ParsedArgs& a = start.args;
  const auto& nodes = start.bootstrap;
  int api_timeout_ms = int_property(start.props, "default.api.timeout.ms", 60000);
  auto deadline = RawClock::now() + std::chrono::milliseconds(api_timeout_ms);

  auto topic_list = single_value(a, "topic-list");
  if (!topic_list.ok()) return admin_option_error(topic_list.status().message());
  std::vector<std::string> topics = split_commas(topic_list->value_or(""));

  // describeCluster: the brokers, retried until the API timeout.
  std::optional<protocol::MetadataResponse> md;
  while (!md) {
    auto r = raw_metadata(nodes, std::vector<std::string>{}, deadline);
    if (r.ok()) {
      md = std::move(r).value();
    } else if (RawClock::now() >= deadline) {
      return admin_call_fail("org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: "
                  "listNodes");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::vector<int32_t> cluster_ids;
  for (const auto& b : md->brokers) cluster_ids.push_back(b.node_id);

  auto broker_list = single_value(a, "broker-list");
  if (!broker_list.ok()) return admin_option_error(broker_list.status().message());
  std::vector<int32_t> input;
  for (const auto& s : split_commas(broker_list->value_or(""))) {
    auto id = java_int(s);
    if (!id) return admin_tool_fail("For input string: \"" + s + "\"", "java.lang.NumberFormatException");
    input.push_back(*id);
  }
  std::vector<int32_t> missing;
  for (int32_t id : int_set(input))
    if (std::find(cluster_ids.begin(), cluster_ids.end(), id) == cluster_ids.end()) missing.push_back(id);
  if (!missing.empty()) {
    // A TerseException: its message only.
    std::fprintf(stderr, "ERROR: The given brokers do not exist from --broker-list: %s. Current existent brokers: %s\n",
                 joined(int_set(missing)).c_str(), joined(int_set(cluster_ids)).c_str());
    return 1;
  }
  std::vector<int32_t> queried = int_set(input.empty() ? cluster_ids : input);

  std::printf("Querying brokers for log directories information\n");
  std::fflush(stdout);
  std::vector<BrokerLogDirs> results;
  for (int32_t id : queried) {
    const protocol::MetadataResponse::MetadataResponseBroker* broker = nullptr;
    for (const auto& b : md->brokers)
      if (b.node_id == id) broker = &b;
    auto c = RawConnection::open(broker->host, broker->port, deadline);
    int16_t v = c.ok() ? (*c)->version_for(protocol::DescribeLogDirsRequest::kApiKey, 4) : -1;
    if (v < 0) {
      return admin_call_fail(c.ok() ? "org.apache.kafka.common.errors.UnsupportedVersionException: The node does not support "
                           "DESCRIBE_LOG_DIRS"
                         : "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. "
                           "Call: describeLogDirs");
    }
    protocol::DescribeLogDirsRequest req;
    req.topics = std::nullopt;  // every partition
    auto resp = (*c)->call<protocol::DescribeLogDirsRequest, protocol::DescribeLogDirsResponse>(req, v, deadline);
    if (!resp.ok())
      return admin_call_fail("org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: "
                  "describeLogDirs");
    if (resp->error_code != 0) {
      auto code = static_cast<ErrorCode>(resp->error_code);
      return admin_call_fail(java_exception_class(code) + ": " + std::string(error_message(code)));
    }
    BrokerLogDirs b;
    b.broker = id;
    for (const auto& r : resp->results) {
      LogDirView dir;
      dir.path = r.log_dir;
      if (r.error_code != 0) dir.error = java_exception_class(static_cast<ErrorCode>(r.error_code));
      for (const auto& t : r.topics)
        for (const auto& p : t.partitions)
          dir.replicas.push_back({t.name, p.partition_index, p.partition_size, p.offset_lag, p.is_future_key});
      b.dirs.push_back(std::move(dir));
    }
    results.push_back(std::move(b));
  }
  std::printf("Received log directory information from brokers %s\n", joined(queried).c_str());
  std::printf("%s\n", format_log_dirs_json(results, topics).c_str());
  return 0;
}

}  // namespace moldau::ops
