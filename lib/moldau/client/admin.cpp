#include "moldau/client/admin.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "moldau/client/config.h"

namespace moldau::client {

ErrorCode from_rd(rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return ErrorCode::kNone;
  if (err > 0) return static_cast<ErrorCode>(err);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return ErrorCode::kRequestTimedOut;
  if (err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
    return ErrorCode::kUnknownTopicOrPartition;
  return ErrorCode::kUnknownServerError;
}

std::string kafka_error_message(ErrorCode code, const std::string& fallback) {
  if (code == ErrorCode::kNone || code == ErrorCode::kUnknownServerError) return fallback;
  std::string m(error_message(code));
  return m.empty() ? fallback : m;
}

namespace {

// Runs one admin call: `start` issues it on the queue; waits for the result event.
struct Event {
  rd_kafka_event_t* ev = nullptr;
  ~Event() {
    if (ev) rd_kafka_event_destroy(ev);
  }
};

struct Queue {
  rd_kafka_queue_t* q;
  explicit Queue(rd_kafka_t* rk) : q(rd_kafka_queue_new(rk)) {}
  ~Queue() { rd_kafka_queue_destroy(q); }
};

struct Options {
  rd_kafka_AdminOptions_t* o;
  Options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms) : o(rd_kafka_AdminOptions_new(rk, op)) {
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, err, sizeof err);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
      rd_kafka_AdminOptions_set_operation_timeout(o, timeout_ms, err, sizeof err);
  }
  ~Options() { rd_kafka_AdminOptions_destroy(o); }
};

Status wait_event(rd_kafka_queue_t* q, int timeout_ms, Event& out) {
  out.ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
  if (!out.ev)
    return Status(ErrorCode::kRequestTimedOut, "Timed out waiting for a node assignment.");
  if (rd_kafka_event_error(out.ev)) {
    rd_kafka_resp_err_t e = rd_kafka_event_error(out.ev);
    std::string msg = rd_kafka_event_error_string(out.ev);
    if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE)
      msg = "Timed out waiting for a node assignment. (" + msg + ")";
    return Status(from_rd(e), msg);
  }
  return Status();
}

// One admin call: `issue(options, queue)` sends it, then this waits for its result event. An
// `issue` that returns a Status (an option it could not set) gives up before sending.
template <class Issue>
Status admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, Event& ev, Issue&& issue) {
  Queue q(rk);
  Options o(rk, op, timeout_ms);
  if constexpr (std::is_same_v<std::invoke_result_t<Issue&, rd_kafka_AdminOptions_t*, rd_kafka_queue_t*>,
                               Status>) {
    MOLDAU_RETURN_IF_ERROR(issue(o.o, q.q));
  } else {
    issue(o.o, q.q);
  }
  return wait_event(q.q, timeout_ms, ev);
}

std::vector<ItemResult> topic_results(const rd_kafka_topic_result_t** res, size_t n) {
  std::vector<ItemResult> out;
  for (size_t i = 0; i < n; i++) {
    ItemResult r;
    r.name = rd_kafka_topic_result_name(res[i]);
    r.error = from_rd(rd_kafka_topic_result_error(res[i]));
    const char* s = rd_kafka_topic_result_error_string(res[i]);
    r.message = s ? s : "";
    if (r.error != ErrorCode::kNone && r.message.empty()) r.message = std::string(error_message(r.error));
    out.push_back(r);
  }
  return out;
}

struct TplGuard {
  rd_kafka_topic_partition_list_t* l;
  explicit TplGuard(int n) : l(rd_kafka_topic_partition_list_new(n)) {}
  ~TplGuard() { rd_kafka_topic_partition_list_destroy(l); }
};

}  // namespace

Result<std::unique_ptr<Admin>> Admin::create(const Properties& props, int timeout_ms) {
  Config conf;
  Properties p = props;
  if (!p.contains("client.id")) p.set("client.id", "adminclient-1");
  MOLDAU_RETURN_IF_ERROR(conf.set_all(p));
  if (!props.contains("log_level") && !props.contains("debug")) {
    char e[128];
    rd_kafka_conf_set(conf.get(), "log_level", "0", e, sizeof e);
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (!rk) return Status(ErrorCode::kInvalidConfig, err);
  conf.release();
  return std::unique_ptr<Admin>(new Admin(rk, timeout_ms, props.get_or("bootstrap.servers", "")));
}

Admin::~Admin() { rd_kafka_destroy(rk_); }

Result<ClusterMetadata> Admin::metadata() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, timeout_ms_);
  if (err) {
    std::string msg = rd_kafka_err2str(err);
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT)
      msg = "Timed out waiting for a node assignment. Call: listTopics";
    return Status(from_rd(err), msg);
  }
  ClusterMetadata out;
  out.controller_id = -1;
  for (int i = 0; i < md->broker_cnt; i++)
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  for (int i = 0; i < md->topic_cnt; i++) {
    const auto& t = md->topics[i];
    TopicInfo ti;
    ti.name = t.topic;
    ti.error = from_rd(t.err);
    for (int j = 0; j < t.partition_cnt; j++) {
      const auto& p = t.partitions[j];
      PartitionInfo pi;
      pi.partition = p.id;
      pi.leader = p.leader;
      pi.error = from_rd(p.err);
      pi.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
      pi.isr.assign(p.isrs, p.isrs + p.isr_cnt);
      ti.partitions.push_back(std::move(pi));
    }
    std::sort(ti.partitions.begin(), ti.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.partition < b.partition; });
    out.topics.push_back(std::move(ti));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.brokers.begin(), out.brokers.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::sort(out.topics.begin(), out.topics.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<ItemResult>> Admin::create_topics(const std::vector<NewTopic>& topics) {
  std::vector<rd_kafka_NewTopic_t*> nts;
  char err[512];
  Status st;
  for (const auto& t : topics) {
    // With a replica assignment librdkafka wants the partition count it implies and no
    // replication factor (-1 partitions is refused there, with a misleading message).
    int32_t parts = t.assignment.empty() ? t.partitions : static_cast<int32_t>(t.assignment.size());
    int32_t rf = t.assignment.empty() ? t.replication_factor : -1;
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), parts, rf, err, sizeof err);
    if (!nt) {
      st = Status(ErrorCode::kInvalidRequest, err);
      break;
    }
    nts.push_back(nt);
    for (const auto& [p, reps] : t.assignment) {
      if (rd_kafka_NewTopic_set_replica_assignment(nt, p, const_cast<int32_t*>(reps.data()), reps.size(), err,
                                                   sizeof err)) {
        st = Status(ErrorCode::kInvalidReplicaAssignment, err);
        break;
      }
    }
    for (const auto& [k, v] : t.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  }
  if (!st.ok()) {
    rd_kafka_NewTopic_destroy_array(nts.data(), nts.size());
    return st;
  }
  Event ev;
  st = admin_call(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms_, ev, [&](auto* o, auto* q) {
    rd_kafka_CreateTopics(rk_, nts.data(), nts.size(), o, q);
  });
  rd_kafka_NewTopic_destroy_array(nts.data(), nts.size());
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.ev), &n);
  return topic_results(res, n);
}

Result<std::vector<ItemResult>> Admin::delete_topics(const std::vector<std::string>& topics) {
  std::vector<rd_kafka_DeleteTopic_t*> dts;
  for (const auto& t : topics) dts.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms_, ev, [&](auto* o, auto* q) {
    rd_kafka_DeleteTopics(rk_, dts.data(), dts.size(), o, q);
  });
  rd_kafka_DeleteTopic_destroy_array(dts.data(), dts.size());
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.ev), &n);
  return topic_results(res, n);
}

Result<std::vector<ItemResult>> Admin::create_partitions(const std::vector<std::string>& topics, int32_t total,
                                                         const std::vector<std::vector<int32_t>>& assignment) {
  std::vector<rd_kafka_NewPartitions_t*> nps;
  char err[512];
  for (const auto& t : topics) {
    auto* np = rd_kafka_NewPartitions_new(t.c_str(), total, err, sizeof err);
    if (!np) {
      rd_kafka_NewPartitions_destroy_array(nps.data(), nps.size());
      return Status(ErrorCode::kInvalidPartitions, err);
    }
    for (size_t i = 0; i < assignment.size(); i++)
      rd_kafka_NewPartitions_set_replica_assignment(np, i, const_cast<int32_t*>(assignment[i].data()),
                                                    assignment[i].size(), err, sizeof err);
    nps.push_back(np);
  }
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms_, ev, [&](auto* o, auto* q) {
    rd_kafka_CreatePartitions(rk_, nps.data(), nps.size(), o, q);
  });
  rd_kafka_NewPartitions_destroy_array(nps.data(), nps.size());
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.ev), &n);
  return topic_results(res, n);
}

Result<std::map<std::string, std::vector<ConfigEntry>>> Admin::describe_topic_configs(
    const std::vector<std::string>& topics) {
  std::map<std::string, std::vector<ConfigEntry>> out;
  if (topics.empty()) return out;
  std::vector<rd_kafka_ConfigResource_t*> rs;
  for (const auto& t : topics) rs.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms_, ev, [&](auto* o, auto* q) {
    rd_kafka_DescribeConfigs(rk_, rs.data(), rs.size(), o, q);
  });
  rd_kafka_ConfigResource_destroy_array(rs.data(), rs.size());
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev.ev), &n);
  for (size_t i = 0; i < n; i++) {
    std::string name = rd_kafka_ConfigResource_name(res[i]);
    if (rd_kafka_ConfigResource_error(res[i])) {
      const char* s = rd_kafka_ConfigResource_error_string(res[i]);
      return Status(from_rd(rd_kafka_ConfigResource_error(res[i])), s ? s : "");
    }
    size_t cn = 0;
    auto entries = rd_kafka_ConfigResource_configs(res[i], &cn);
    auto& list = out[name];
    for (size_t j = 0; j < cn; j++) {
      ConfigEntry e;
      e.name = rd_kafka_ConfigEntry_name(entries[j]);
      const char* v = rd_kafka_ConfigEntry_value(entries[j]);
      if (v) e.value = v;
      auto src = rd_kafka_ConfigEntry_source(entries[j]);
      e.is_default = src == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG ||
                     (src == RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG && rd_kafka_ConfigEntry_is_default(entries[j]));
      e.is_sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[j]);
      list.push_back(std::move(e));
    }
  }
  return out;
}

Result<std::vector<GroupListing>> Admin::list_groups(const std::vector<std::string>& states) {
  std::vector<rd_kafka_consumer_group_state_t> ss;
  for (const auto& s : states)
    for (int i = 0; i < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; i++)
      if (strcasecmp(s.c_str(), rd_kafka_consumer_group_state_name((rd_kafka_consumer_group_state_t)i)) == 0)
        ss.push_back((rd_kafka_consumer_group_state_t)i);
  Event ev;
  MOLDAU_RETURN_IF_ERROR(admin_call(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms_, ev,
                                    [&](auto* o, auto* q) -> Status {
    if (!states.empty()) {
      if (rd_kafka_error_t* e = rd_kafka_AdminOptions_set_match_consumer_group_states(o, ss.data(), ss.size())) {
        std::string m = rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
        return Status(ErrorCode::kInvalidRequest, m);
      }
    }
    rd_kafka_ListConsumerGroups(rk_, o, q);
    return Status();
  }));
  const auto* res = rd_kafka_event_ListConsumerGroups_result(ev.ev);
  size_t ne = 0;
  auto errs = rd_kafka_ListConsumerGroups_result_errors(res, &ne);
  size_t n = 0;
  auto valid = rd_kafka_ListConsumerGroups_result_valid(res, &n);
  if (ne > 0 && n == 0)
    return Status(from_rd(rd_kafka_error_code(errs[0])), rd_kafka_error_string(errs[0]));
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; i++) {
    GroupListing g;
    g.group_id = rd_kafka_ConsumerGroupListing_group_id(valid[i]);
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i]));
    g.is_simple = rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]);
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::vector<GroupDescription>> Admin::describe_groups(const std::vector<std::string>& groups) {
  std::vector<const char*> names;
  for (const auto& g : groups) names.push_back(g.c_str());
  Event ev;
  MOLDAU_RETURN_IF_ERROR(admin_call(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms_, ev,
                                    [&](auto* o, auto* q) {
    rd_kafka_DescribeConsumerGroups(rk_, names.data(), names.size(), o, q);
  }));
  size_t n = 0;
  auto res = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev.ev), &n);
  std::vector<GroupDescription> out;
  for (size_t i = 0; i < n; i++) {
    GroupDescription d;
    d.group_id = rd_kafka_ConsumerGroupDescription_group_id(res[i]);
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(res[i])) {
      d.error = from_rd(rd_kafka_error_code(e));
      d.error_message = rd_kafka_error_string(e);
    }
    d.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(res[i]));
    const char* pa = rd_kafka_ConsumerGroupDescription_partition_assignor(res[i]);
    d.partition_assignor = pa ? pa : "";
    if (const rd_kafka_Node_t* c = rd_kafka_ConsumerGroupDescription_coordinator(res[i])) {
      d.coordinator.id = rd_kafka_Node_id(c);
      d.coordinator.host = rd_kafka_Node_host(c) ? rd_kafka_Node_host(c) : "";
      d.coordinator.port = rd_kafka_Node_port(c);
    }
    size_t mc = rd_kafka_ConsumerGroupDescription_member_count(res[i]);
    for (size_t j = 0; j < mc; j++) {
      const auto* m = rd_kafka_ConsumerGroupDescription_member(res[i], j);
      MemberDescription md;
      auto s = [](const char* p) { return std::string(p ? p : ""); };
      md.consumer_id = s(rd_kafka_MemberDescription_consumer_id(m));
      md.group_instance_id = s(rd_kafka_MemberDescription_group_instance_id(m));
      md.client_id = s(rd_kafka_MemberDescription_client_id(m));
      md.host = s(rd_kafka_MemberDescription_host(m));
      if (const auto* a = rd_kafka_MemberDescription_assignment(m)) {
        if (const auto* tpl = rd_kafka_MemberAssignment_partitions(a))
          for (int k = 0; k < tpl->cnt; k++)
            md.assignment.push_back({tpl->elems[k].topic, tpl->elems[k].partition});
      }
      d.members.push_back(std::move(md));
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::map<TopicPartition, int64_t>> Admin::list_group_offsets(const std::string& group) {
  auto* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms_, ev,
                         [&](auto* o, auto* q) { rd_kafka_ListConsumerGroupOffsets(rk_, &req, 1, o, q); });
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev.ev), &n);
  std::map<TopicPartition, int64_t> out;
  for (size_t i = 0; i < n; i++) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[i]))
      return Status(from_rd(rd_kafka_error_code(e)), rd_kafka_error_string(e));
    const auto* tpl = rd_kafka_group_result_partitions(res[i]);
    if (!tpl) continue;
    for (int k = 0; k < tpl->cnt; k++)
      if (tpl->elems[k].offset >= 0 && !tpl->elems[k].err)
        out[{tpl->elems[k].topic, tpl->elems[k].partition}] = tpl->elems[k].offset;
  }
  return out;
}

Result<std::vector<ItemResult>> Admin::alter_group_offsets(const std::string& group,
                                                           const std::map<TopicPartition, int64_t>& offsets) {
  TplGuard tpl(offsets.size());
  for (const auto& [tp, off] : offsets)
    rd_kafka_topic_partition_list_add(tpl.l, tp.topic.c_str(), tp.partition)->offset = off;
  auto* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), tpl.l);
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms_, ev,
                         [&](auto* o, auto* q) { rd_kafka_AlterConsumerGroupOffsets(rk_, &req, 1, o, q); });
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev.ev), &n);
  std::vector<ItemResult> out;
  for (size_t i = 0; i < n; i++) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[i]))
      return Status(from_rd(rd_kafka_error_code(e)), rd_kafka_error_string(e));
    const auto* p = rd_kafka_group_result_partitions(res[i]);
    for (int k = 0; p && k < p->cnt; k++)
      if (p->elems[k].err)
        out.push_back({std::string(p->elems[k].topic) + "-" + std::to_string(p->elems[k].partition),
                       from_rd(p->elems[k].err), rd_kafka_err2str(p->elems[k].err)});
  }
  return out;
}

Result<std::vector<ItemResult>> Admin::delete_groups(const std::vector<std::string>& groups) {
  std::vector<rd_kafka_DeleteGroup_t*> dg;
  for (const auto& g : groups) dg.push_back(rd_kafka_DeleteGroup_new(g.c_str()));
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms_, ev,
                         [&](auto* o, auto* q) { rd_kafka_DeleteGroups(rk_, dg.data(), dg.size(), o, q); });
  rd_kafka_DeleteGroup_destroy_array(dg.data(), dg.size());
  MOLDAU_RETURN_IF_ERROR(st);
  size_t n = 0;
  auto res = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.ev), &n);
  std::vector<ItemResult> out;
  for (size_t i = 0; i < n; i++) {
    ItemResult r;
    r.name = rd_kafka_group_result_name(res[i]);
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[i])) {
      r.error = from_rd(rd_kafka_error_code(e));
      r.message = rd_kafka_error_string(e);
    }
    out.push_back(r);
  }
  return out;
}

Result<std::pair<ItemResult, std::map<TopicPartition, ItemResult>>> Admin::delete_group_offsets(
    const std::string& group, const std::vector<TopicPartition>& partitions) {
  TplGuard tpl(partitions.size());
  for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(tpl.l, tp.topic.c_str(), tp.partition);
  auto* req = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), tpl.l);
  Event ev;
  Status st = admin_call(rk_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms_, ev,
                         [&](auto* o, auto* q) { rd_kafka_DeleteConsumerGroupOffsets(rk_, &req, 1, o, q); });
  rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
  ItemResult top{group, ErrorCode::kNone, ""};
  std::map<TopicPartition, ItemResult> parts;
  if (!st.ok()) {
    top.error = st.code();
    top.message = st.message();
    return std::make_pair(top, parts);
  }
  size_t n = 0;
  auto res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(ev.ev), &n);
  for (size_t i = 0; i < n; i++) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[i])) {
      top.error = from_rd(rd_kafka_error_code(e));
      top.message = rd_kafka_error_string(e);
    }
    const auto* p = rd_kafka_group_result_partitions(res[i]);
    for (int k = 0; p && k < p->cnt; k++) {
      ItemResult r{p->elems[k].topic, from_rd(p->elems[k].err), p->elems[k].err ? rd_kafka_err2str(p->elems[k].err) : ""};
      if (r.error != ErrorCode::kNone) r.message = kafka_error_message(r.error, r.message);
      if (r.error != ErrorCode::kNone && top.error == ErrorCode::kNone) top.error = r.error;
      parts[{p->elems[k].topic, p->elems[k].partition}] = r;
    }
  }
  return std::make_pair(top, parts);
}

Result<std::pair<int64_t, int64_t>> Admin::watermarks(const TopicPartition& tp) {
  int64_t lo = -1, hi = -1;
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &lo, &hi, timeout_ms_);
  if (err) return Status(from_rd(err), rd_kafka_err2str(err));
  return std::make_pair(lo, hi);
}

Result<std::map<TopicPartition, int64_t>> Admin::offsets_for_times(const std::vector<TopicPartition>& tps,
                                                                   int64_t timestamp_ms) {
  TplGuard tpl(tps.size());
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(tpl.l, tp.topic.c_str(), tp.partition)->offset = timestamp_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_, tpl.l, timeout_ms_);
  if (err) return Status(from_rd(err), rd_kafka_err2str(err));
  std::map<TopicPartition, int64_t> out;
  for (int i = 0; i < tpl.l->cnt; i++)
    out[{tpl.l->elems[i].topic, tpl.l->elems[i].partition}] = tpl.l->elems[i].err ? -1 : tpl.l->elems[i].offset;
  return out;
}

}  // namespace moldau::client
