#include "moldau/client/producer.h"

#include "moldau/client/admin.h"
#include "moldau/client/config.h"

namespace moldau::client {

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (m->err) {
    if (self->failed_++ == 0) {
      self->first_error_ = "Error when sending message to topic " +
                           std::string(m->rkt ? rd_kafka_topic_name(m->rkt) : "?") + " with key: " +
                           (m->key ? std::to_string(m->key_len) + " bytes" : std::string("null")) +
                           ", value: " + (m->payload ? std::to_string(m->len) + " bytes" : std::string("null")) +
                           " with error: " + rd_kafka_err2str(m->err);
    }
  } else {
    self->delivered_++;
  }
  if (self->hook_) self->hook_(m, self->hook_ctx_);
}

int Producer::on_statistics(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  self->stats_.on_report(json, len, self->stats_.ctx);
  return 0;  // librdkafka frees the JSON
}

Result<std::unique_ptr<Producer>> Producer::create(const Properties& props, const StatisticsHook& stats) {
  Config conf;
  MOLDAU_RETURN_IF_ERROR(conf.set_all(props));
  if (!props.contains("log_level") && !props.contains("debug")) {
    char e[128];
    rd_kafka_conf_set(conf.get(), "log_level", "3", e, sizeof e);
  }
  std::unique_ptr<Producer> p(new Producer(nullptr));
  p->stats_ = stats;
  install_statistics(conf, props, stats, &Producer::on_statistics);
  rd_kafka_conf_set_opaque(conf.get(), p.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err);
  if (!rk) return Status(ErrorCode::kInvalidConfig, err);
  conf.release();
  p->rk_ = rk;
  return p;
}

Producer::~Producer() {
  if (rk_) rd_kafka_destroy(rk_);
}

Status Producer::send(const std::string& topic, const std::optional<std::string>& key,
                      const std::optional<std::string>& value, const std::vector<Header>& headers,
                      int32_t partition) {
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers)
        rd_kafka_header_add(hdrs, k.data(), k.size(), v ? v->data() : nullptr, v ? (ssize_t)v->size() : 0);
    }
    void* kptr = key ? const_cast<char*>(key->data()) : nullptr;
    size_t klen = key ? key->size() : 0;
    void* vptr = value ? const_cast<char*>(value->data()) : nullptr;
    size_t vlen = value ? value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(kptr, klen), RD_KAFKA_V_VALUE(vptr, vlen),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(rk_, 0);
      return Status();
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 100);
      continue;
    }
    return Status(from_rd(err), rd_kafka_err2str(err));
  }
}

Status Producer::flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout_ms);
  rd_kafka_poll(rk_, 0);
  if (err) return Status(from_rd(err), std::string("Failed to flush: ") + rd_kafka_err2str(err));
  return Status();
}

}  // namespace moldau::client
