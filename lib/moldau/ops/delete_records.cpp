#include "moldau/ops/delete_records.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "moldau/ops/admin_tool.h"
#include "moldau/ops/java_order.h"
#include "moldau/ops/raw_client.h"
#include "moldau/protocol/messages/delete_records.h"

namespace moldau::ops {

namespace {

using nlohmann::json;

const char* kUsage = "This tool helps to delete records of the given partitions down to the specified offset.";

const std::vector<OptionDoc>& docs() {
  // Kafka 4.4's DeleteRecordsCommand options, in its words (they are the tool's output).
  static const std::vector<OptionDoc> kDocs = {
      {"bootstrap-server", "String: server(s) to use for bootstrapping", "REQUIRED: The server to connect to."},
      {"command-config", "String: command config property file path",
       "A property file containing configs to be passed to Admin Client."},
      {"help", "", "Print usage information."},
      {"offset-json-file", "String: Offset json file path",
       "REQUIRED: The JSON file with offset per partition. The format to use is:\n"
       "{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n \"version\":1\n}"},
      {"version", "", "Display Kafka version."},
  };
  return kDocs;
}

// Jackson's JsonNode.toString of a value (a missing document prints as nothing).
std::string node_text(const json* j) { return j ? j->dump() : ""; }

bool is_int(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>() <= INT32_MAX;
  return j.is_number_integer() && j.get<int64_t>() >= INT32_MIN && j.get<int64_t>() <= INT32_MAX;
}
bool is_long(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX);
  return j.is_number_integer();
}

Status mapping_error(const std::string& type, const json& j) {
  return Status(ErrorCode::kInvalidRequest, "Expected `" + type + "` value, received " + j.dump());
}

Result<const json*> field(const json& obj, const std::string& name) {
  auto it = obj.find(name);
  if (it == obj.end()) return Status(ErrorCode::kInvalidRequest, "No such field exists: `" + name + "`");
  return &*it;
}

int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// How Kafka's admin client gives up on a partition: without any metadata answer, no broker was
// ever assigned; with answers that never named a leader, the lookup call ran out of time after
// that many tries.
std::string timed_out(int tries, int64_t deadline_epoch_ms) {
  const std::string prefix = "org.apache.kafka.common.errors.TimeoutException: ";
  if (tries == 0) return prefix + "Timed out waiting for a node assignment. Call: deleteRecords(api=METADATA)";
  int64_t now = epoch_ms();
  return prefix + "Call(callName=deleteRecords(api=METADATA), deadlineMs=" + std::to_string(deadline_epoch_ms) +
         ", tries=" + std::to_string(tries) + ", nextAllowedTryMs=" + std::to_string(now + 100) + ") timed out at " +
         std::to_string(now) + " after " + std::to_string(tries) + " attempt(s)";
}

// Kafka's admin client: DeleteRecords sent to each partition's leader, retried (leaders
// looked up again) on retriable errors until `deadline`. Per partition: the low watermark, or
// the error as the client's future reports it.
std::map<std::pair<std::string, int32_t>, std::string> delete_records(
    const std::vector<HostPort>& bootstrap, const std::vector<RecordsToDelete>& todo, int request_timeout_ms,
    RawClock::time_point deadline) {
  int64_t deadline_epoch_ms =
      epoch_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(deadline - RawClock::now()).count();
  int metadata_answers = 0;
  std::map<std::pair<std::string, int32_t>, std::string> done;
  std::map<std::pair<std::string, int32_t>, int64_t> pending;
  for (const auto& r : todo) pending[{r.topic, r.partition}] = r.offset;
  while (!pending.empty() && RawClock::now() < deadline) {
    std::set<std::string> topic_set;
    for (const auto& [tp, off] : pending) topic_set.insert(tp.first);
    auto md = raw_metadata(bootstrap, std::vector<std::string>(topic_set.begin(), topic_set.end()), deadline);
    if (md.ok()) {
      metadata_answers++;
      std::map<int32_t, HostPort> brokers;
      for (const auto& b : md->brokers) brokers[b.node_id] = {b.host, b.port};
      std::map<int32_t, std::vector<std::pair<std::string, int32_t>>> by_leader;
      for (const auto& t : md->topics) {
        if (!t.name || t.error_code != 0) continue;
        for (const auto& p : t.partitions)
          if (p.error_code == 0 && p.leader_id >= 0 && pending.count({*t.name, p.partition_index}))
            by_leader[p.leader_id].push_back({*t.name, p.partition_index});
      }
      for (const auto& [leader, tps] : by_leader) {
        auto b = brokers.find(leader);
        if (b == brokers.end()) continue;
        auto c = RawConnection::open(b->second.host, b->second.port, deadline);
        if (!c.ok()) continue;
        int16_t v = (*c)->version_for(protocol::DeleteRecordsRequest::kApiKey, 2);
        if (v < 0) continue;
        protocol::DeleteRecordsRequest req;
        req.timeout_ms = request_timeout_ms;
        std::map<std::string, size_t> index;
        for (const auto& tp : tps) {
          if (!index.count(tp.first)) {
            index[tp.first] = req.topics.size();
            req.topics.push_back({tp.first, {}});
          }
          req.topics[index[tp.first]].partitions.push_back({tp.second, pending[tp]});
        }
        auto resp = (*c)->call<protocol::DeleteRecordsRequest, protocol::DeleteRecordsResponse>(req, v, deadline);
        if (!resp.ok()) continue;
        for (const auto& t : resp->topics) {
          for (const auto& p : t.partitions) {
            std::pair<std::string, int32_t> tp{t.name, p.partition_index};
            if (!pending.count(tp)) continue;
            auto code = static_cast<ErrorCode>(p.error_code);
            if (code == ErrorCode::kNone) {
              done[tp] = "low_watermark: " + std::to_string(p.low_watermark);
            } else if (is_retriable(code)) {
              continue;
            } else {
              done[tp] = "error: " + java_exception_class(code) + ": " + std::string(error_message(code));
            }
            pending.erase(tp);
          }
        }
      }
    }
    if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& [tp, off] : pending) done[tp] = "error: " + timed_out(metadata_answers, deadline_epoch_ms);
  return done;
}

}  // namespace

Result<std::vector<RecordsToDelete>> parse_offset_json(const std::string& text) {
  // Jackson reads the first value and ignores what follows; no text at all is not JSON, blanks
  // only are a missing node.
  if (text.empty()) return Status(ErrorCode::kInvalidRequest, "The input string is not a valid JSON");
  json doc;
  bool missing = text.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!missing) {
    std::istringstream in(text);
    try {
      in >> doc;
    } catch (const json::exception&) {
      return Status(ErrorCode::kInvalidRequest, "The input string is not a valid JSON");
    }
  }
  if (missing || !doc.is_object())
    return Status(ErrorCode::kInvalidRequest, "Expected JSON object, received " + node_text(missing ? nullptr : &doc));
  int version = 1;
  if (auto it = doc.find("version"); it != doc.end()) {
    if (!is_int(*it)) return mapping_error("Integer", *it);
    version = it->get<int>();
  }
  if (version != 1) return Status(ErrorCode::kInvalidRequest, "Not supported version field value " + std::to_string(version));
  auto parts = doc.find("partitions");
  if (parts == doc.end()) return Status(ErrorCode::kInvalidRequest, "Missing partitions field");
  if (!parts->is_array()) return Status(ErrorCode::kInvalidRequest, "Expected JSON array, received " + parts->dump());
  std::vector<RecordsToDelete> out;
  for (const auto& p : *parts) {
    if (!p.is_object()) return Status(ErrorCode::kInvalidRequest, "Expected JSON object, received " + p.dump());
    auto topic = field(p, "topic");
    if (!topic.ok()) return topic.status();
    if (!(*topic)->is_string()) return mapping_error("String", **topic);
    auto partition = field(p, "partition");
    if (!partition.ok()) return partition.status();
    if (!is_int(**partition)) return mapping_error("Integer", **partition);
    auto offset = field(p, "offset");
    if (!offset.ok()) return offset.status();
    if (!is_long(**offset)) return mapping_error("Long", **offset);
    out.push_back({(*topic)->get<std::string>(), (*partition)->get<int32_t>(), (*offset)->get<int64_t>()});
  }
  return out;
}

int delete_records_main(int argc, char** argv) {
  // Kafka creates its admin client (command config, bootstrap servers) before it reads the file.
  auto start = start_admin_tool(argc, argv, kUsage, docs(), {"bootstrap-server", "offset-json-file"},
                                "Failed to create new KafkaAdminClient");
  const ParsedArgs& a = start.args;
  int request_timeout_ms = int_property(start.props, "request.timeout.ms", 30000);
  int api_timeout_ms = int_property(start.props, "default.api.timeout.ms", 60000);

  auto path = single_value(a, "offset-json-file");
  if (!path.ok()) return admin_option_error(path.status().message());
  std::error_code ec;
  if (std::filesystem::is_directory(**path, ec)) return admin_tool_fail("Unable to read file " + **path, "java.io.IOException");
  std::ifstream in(**path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) return admin_tool_fail("Unable to read file " + **path, "java.io.IOException");
  auto entries = parse_offset_json(text.str());
  if (!entries.ok()) {
    // Jackson's errors (a value of the wrong type, a missing field) are JsonMappingExceptions,
    // the tool's own AdminOperationExceptions.
    const std::string m = entries.status().message();
    const bool jackson = m.rfind("Expected ", 0) == 0 || m.rfind("No such field exists: ", 0) == 0;
    return admin_tool_fail(m, jackson ? "com.fasterxml.jackson.databind.JsonMappingException"
                                      : "org.apache.kafka.tools.AdminOperationException");
  }

  // Kafka keeps the entries in a HashMap by TopicPartition: it names duplicates in that order.
  std::vector<std::pair<std::string, int32_t>> keys;
  std::map<std::pair<std::string, int32_t>, std::vector<int64_t>> offsets;
  for (const auto& e : *entries) {
    auto& list = offsets[{e.topic, e.partition}];
    if (list.empty()) keys.push_back({e.topic, e.partition});
    list.push_back(e.offset);
  }
  auto in_hash_order = [](const std::vector<std::pair<std::string, int32_t>>& tps) {
    std::vector<int32_t> hashes;
    for (const auto& tp : tps) hashes.push_back(java_topic_partition_hash(tp.first, tp.second));
    std::vector<std::pair<std::string, int32_t>> out;
    for (size_t i : java_hashmap_order(hashes)) out.push_back(tps[i]);
    return out;
  };
  keys = in_hash_order(keys);
  std::vector<std::pair<std::string, int32_t>> dups;
  for (const auto& tp : keys)
    if (offsets[tp].size() > 1) dups.push_back(tp);
  if (!dups.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : in_hash_order(dups)) names.push_back(tp.first + "-" + std::to_string(tp.second));
    return admin_tool_fail("Offset json file contains duplicate topic partitions: " + join(names, ","),
                           "org.apache.kafka.tools.AdminCommandFailedException");
  }
  // Kafka prints the results from the admin client's immutable map, whose order is random per
  // JVM; ours come sorted by topic and partition.
  std::sort(keys.begin(), keys.end());

  std::vector<RecordsToDelete> todo;
  for (const auto& tp : keys) todo.push_back({tp.first, tp.second, offsets[tp].front()});
  std::printf("Executing records delete operation\n");
  std::fflush(stdout);
  auto results =
      delete_records(start.bootstrap, todo, request_timeout_ms, RawClock::now() + std::chrono::milliseconds(api_timeout_ms));
  std::printf("Records delete operation completed:\n");
  for (const auto& tp : keys)
    std::printf("partition: %s-%d\t%s\n", tp.first.c_str(), tp.second, results[tp].c_str());
  return 0;
}

}  // namespace moldau::ops
