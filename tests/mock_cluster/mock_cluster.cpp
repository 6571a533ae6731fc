// moldau-mock-cluster: librdkafka's mock cluster (public rdkafka_mock.h), a Kafka peer the
// project did not write, for testing the tools and for benchmarks.
//
//   moldau-mock-cluster [--brokers N] [topic[:partitions[:replication]] ...]
//
// Prints the bootstrap servers on one line of stdout, creates the topics, then runs until
// SIGTERM/SIGINT or end of stdin.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static std::atomic<bool> g_stop{false};
static void on_signal(int) { g_stop = true; }

int main(int argc, char** argv) {
  int brokers = 1;
  int first_topic = 1;
  if (argc > 2 && std::strcmp(argv[1], "--brokers") == 0) {
    brokers = std::atoi(argv[2]);
    first_topic = 3;
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    std::fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = first_topic; i < argc; i++) {
    std::string spec = argv[i];
    std::string name = spec;
    int parts = 1, rf = 1;
    auto c1 = spec.find(':');
    if (c1 != std::string::npos) {
      name = spec.substr(0, c1);
      parts = std::atoi(spec.c_str() + c1 + 1);
      auto c2 = spec.find(':', c1 + 1);
      if (c2 != std::string::npos) rf = std::atoi(spec.c_str() + c2 + 1);
    }
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name.c_str(), parts, rf);
    if (e) {
      std::fprintf(stderr, "creating topic %s: %s\n", name.c_str(), rd_kafka_err2str(e));
      return 1;
    }
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  while (!g_stop) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r > 0) {
      char buf[256];
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) break;  // EOF: the parent went away
    } else if (r < 0 && errno != EINTR) {
      break;
    }
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
