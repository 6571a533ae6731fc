#include "moldau/client/consumer.h"

#include "moldau/client/admin.h"
#include "moldau/client/config.h"

namespace moldau::client {

int Consumer::on_statistics(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  self->stats_.on_report(json, len, self->stats_.ctx);
  return 0;  // librdkafka frees the JSON
}

Result<std::unique_ptr<Consumer>> Consumer::create(const Properties& props, const StatisticsHook& stats) {
  Config conf;
  MOLDAU_RETURN_IF_ERROR(conf.set_all(props));
  char e[512];
  if (!props.contains("log_level") && !props.contains("debug")) rd_kafka_conf_set(conf.get(), "log_level", "3", e, sizeof e);
  // Partition EOF events are not needed; errors come through poll.
  rd_kafka_conf_set(conf.get(), "enable.partition.eof", "false", e, sizeof e);
  std::unique_ptr<Consumer> c(new Consumer(nullptr));
  c->stats_ = stats;
  install_statistics(conf, props, stats, &Consumer::on_statistics);
  rd_kafka_conf_set_opaque(conf.get(), c.get());
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), e, sizeof e);
  if (!rk) return Status(ErrorCode::kInvalidConfig, e);
  conf.release();
  rd_kafka_poll_set_consumer(rk);
  c->rk_ = rk;
  return c;
}

Consumer::~Consumer() {
  if (!rk_) return;  // rd_kafka_new failed
  close();
  rd_kafka_destroy(rk_);
}

void Consumer::close() {
  if (closed_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_);
}

Status Consumer::subscribe(const std::vector<std::string>& topics) {
  auto* l = rd_kafka_topic_partition_list_new(topics.size());
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(l, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (err) return Status(from_rd(err), rd_kafka_err2str(err));
  return Status();
}

Status Consumer::assign(const std::string& topic, int32_t partition, int64_t offset) {
  auto* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (err) return Status(from_rd(err), rd_kafka_err2str(err));
  return Status();
}

void Consumer::seek(const std::string& topic, int32_t partition, int64_t offset) {
  auto* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), partition)->offset = offset;
  rd_kafka_error_t* e = rd_kafka_seek_partitions(rk_, l, 2000);
  if (e) rd_kafka_error_destroy(e);
  rd_kafka_topic_partition_list_destroy(l);
}

Result<std::optional<Message>> Consumer::poll(int timeout_ms) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  if (!m) return std::optional<Message>();
  if (m->err) {
    rd_kafka_resp_err_t err = m->err;
    std::string msg = rd_kafka_message_errstr(m);
    rd_kafka_message_destroy(m);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
        err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
        err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
      return std::optional<Message>();
    return Status(from_rd(err), msg);
  }
  Message out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  rd_kafka_timestamp_type_t tt;
  out.timestamp = rd_kafka_message_timestamp(m, &tt);
  out.timestamp_type = tt == RD_KAFKA_TIMESTAMP_CREATE_TIME      ? TimestampType::kCreateTime
                       : tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? TimestampType::kLogAppendTime
                                                                  : TimestampType::kNone;
  if (m->key) out.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) out.value = std::string(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
      out.headers.emplace_back(name, val ? std::optional<std::string>(std::string(static_cast<const char*>(val), size))
                                         : std::nullopt);
  }
  rd_kafka_message_destroy(m);
  return std::optional<Message>(std::move(out));
}

}  // namespace moldau::client
