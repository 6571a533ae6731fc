#pragma once
// The etcd v3 messages the client speaks, as plain values: keys and values are raw bytes in
// std::string (the client does the base64 of the JSON gateway), revisions and lease ids int64
// as in etcd's protobufs. Field names follow etcd's api/etcdserverpb/rpc.proto. Every member
// has a default, so designated initializers may name just the ones they need:
// client.range({.key = "brokers/1"}).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace moldau::etcd {

// Every response's header: the store revision when the request was served, and who served it.
struct ResponseHeader {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  int64_t revision = 0;
  uint64_t raft_term = 0;
};

struct KeyValue {
  std::string key{};
  std::string value{};
  int64_t create_revision = 0;  // revision of the put that created the key (0: absent)
  int64_t mod_revision = 0;     // revision of its last change
  int64_t version = 0;          // changes since creation, 1 after the first put
  int64_t lease = 0;            // lease the key is attached to, 0 for none
};

// The range_end that makes [prefix, range_end) cover every key starting with `prefix`
// ("\0", all keys, for an empty prefix), as clientv3's WithPrefix computes it.
std::string prefix_range_end(const std::string& prefix);

// Reads [key, range_end); just `key` when range_end is empty. range_end "\0" means every key
// >= key.
struct RangeRequest {
  std::string key{};
  std::string range_end{};
  int64_t limit = 0;      // at most this many keys, 0 for no limit
  int64_t revision = 0;   // read as of this revision, 0 for the newest
  bool keys_only = false;
  bool count_only = false;
  bool serializable = false;  // answer from the local member without a quorum read (may be stale)

  // Every key starting with `prefix`.
  static RangeRequest with_prefix(std::string prefix);
};

struct RangeResponse {
  ResponseHeader header{};
  std::vector<KeyValue> kvs{};
  bool more = false;  // a limit cut the answer short
  int64_t count = 0;  // keys in the range, limit or not
};

struct PutRequest {
  std::string key{};
  std::string value{};
  int64_t lease = 0;     // attach to this lease (deleted when it expires), 0 for none
  bool prev_kv = false;  // return the value it replaced
};

struct PutResponse {
  ResponseHeader header{};
  std::optional<KeyValue> prev_kv{};
};

struct DeleteRangeRequest {
  std::string key{};
  std::string range_end{};  // as in RangeRequest
  bool prev_kv = false;   // return the deleted pairs

  static DeleteRangeRequest with_prefix(std::string prefix);
};

struct DeleteRangeResponse {
  ResponseHeader header{};
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs{};
};

enum class CompareTarget { kVersion, kCreate, kMod, kValue, kLease };
enum class CompareResult { kEqual, kGreater, kLess, kNotEqual };

// One condition of a transaction: `<target of key> <result> <operand>`. The operand is
// `number` for version, create/mod revision and lease, `value` for kValue. A key that does
// not exist has version, create and mod revision 0, so "create only if absent" is
// Compare::create(key, kEqual, 0).
struct Compare {
  std::string key{};
  CompareTarget target = CompareTarget::kVersion;
  CompareResult result = CompareResult::kEqual;
  int64_t number = 0;
  std::string value{};

  static Compare version(std::string key, CompareResult r, int64_t v);
  static Compare create(std::string key, CompareResult r, int64_t revision);
  static Compare mod(std::string key, CompareResult r, int64_t revision);
  static Compare lease(std::string key, CompareResult r, int64_t lease);
  static Compare value_of(std::string key, CompareResult r, std::string value);
};

// An operation inside a transaction branch, and what it answered.
using RequestOp = std::variant<RangeRequest, PutRequest, DeleteRangeRequest>;
using ResponseOp = std::variant<RangeResponse, PutResponse, DeleteRangeResponse>;

// If every compare holds, runs `success`, else `failure`, atomically at one revision.
struct TxnRequest {
  std::vector<Compare> compare{};
  std::vector<RequestOp> success{};
  std::vector<RequestOp> failure{};
};

struct TxnResponse {
  // header.revision: the revision after the txn (unchanged if it wrote nothing).
  ResponseHeader header{};
  bool succeeded = false;
  std::vector<ResponseOp> responses{};  // one per op of the branch that ran, in order
};

struct CompactionRequest {
  int64_t revision = 0;   // discard history before this revision
  bool physical = false;  // answer only once the space is freed
};

struct CompactionResponse {
  ResponseHeader header{};
};

struct LeaseGrantRequest {
  int64_t ttl = 0;  // seconds
  int64_t id = 0;   // 0: etcd picks one
};

struct LeaseGrantResponse {
  ResponseHeader header{};
  int64_t id = 0;
  int64_t ttl = 0;  // seconds, as etcd granted it (it may raise a too short TTL)
};

struct LeaseRevokeRequest {
  int64_t id = 0;
};

struct LeaseRevokeResponse {
  ResponseHeader header{};
};

struct LeaseTimeToLiveRequest {
  int64_t id = 0;
  bool keys = false;  // list the keys attached
};

struct LeaseTimeToLiveResponse {
  ResponseHeader header{};
  int64_t id = 0;
  int64_t ttl = -1;  // seconds left; -1 when the lease has expired or never existed
  int64_t granted_ttl = 0;
  std::vector<std::string> keys{};
};

struct MemberStatusRequest {};

// The answering member's maintenance status.
struct MemberStatusResponse {
  ResponseHeader header{};
  std::string version{};  // etcd's version, e.g. "3.4.23"
  int64_t db_size = 0;
  uint64_t leader = 0;  // member id of the leader, 0 when there is none
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
};

// One change seen by a watch. For kDelete, kv holds the key and the deleting revision
// (mod_revision) only.
struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv{};
  std::optional<KeyValue> prev_kv{};  // the pair before the change, when asked for and known
};

}  // namespace moldau::etcd
