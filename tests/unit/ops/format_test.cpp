#include <doctest/doctest.h>

#include <bit>
#include <cstdint>

#include "moldau/ops/console_consumer.h"
#include "moldau/ops/console_producer.h"
#include "moldau/ops/consumer_groups.h"
#include "moldau/ops/deserializers.h"
#include "moldau/ops/topics.h"

using namespace moldau;
using namespace moldau::ops;

TEST_CASE("topics: describe lines are Kafka 4.4's, tab-separated") {
  TopicView v;
  v.info.name = "orders";
  v.info.topic_id = "NPmZHyhbR9y00wMglMH2sg";
  v.info.partitions = {{0, 1, {1}, {1}}, {1, -1, {1, 2}, {}}};
  v.configs = {{"cleanup.policy", "compact", false, false}, {"retention.ms", "1", true, false}};
  CHECK(format_topic_line(v) ==
        "Topic: orders\tTopicId: NPmZHyhbR9y00wMglMH2sg\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup.policy=compact\n");
  CHECK(format_partition_line("orders", v.info.partitions[0]) == "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n");
  CHECK(format_partition_line("orders", v.info.partitions[1]) == "\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 1,2\tIsr: \tElr: \tLastKnownElr: \n");
}

TEST_CASE("topics: --topic is a whole-name regex, commas mean or") {
  CHECK(topic_matches("orders", "orders"));
  CHECK_FALSE(topic_matches("order", "orders"));
  CHECK(topic_matches("ord.*", "orders"));
  CHECK(topic_matches("a, orders", "orders"));
  CHECK(parse_replica_assignment("1:2,2:1")->at(1) == std::vector<int32_t>{2, 1});
  CHECK(parse_replica_assignment("1:1").status().message() == "Partition replica lists may not contain duplicate entries: 1");
}

TEST_CASE("consumer groups: describe table widths and '-'") {
  PartitionAssignmentRow r;
  r.group = "my-group";
  r.topic = "my-topic";
  r.partition = 0;
  r.offset = 2;
  r.log_end_offset = 4;
  r.lag = 2;
  r.consumer_id = "-";
  r.host = "-";
  r.client_id = "-";
  CHECK(format_offsets_table({r}) ==
        "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID"
        "\nmy-group        my-topic        0          2               4               2               -               -               -\n");
  // Kafka's HashMap order: t-1 before t-0 (TopicPartition hash buckets), and widths from the names.
  CHECK(format_reset_plan(reset_plan_order({{"g", {{{"t", 0}, 5}, {{"t", 1}, 7}}}})) ==
        "\nGROUP           TOPIC           PARTITION  NEW-OFFSET"
        "\ng               t               1          7"
        "\ng               t               0          5\n");
  CHECK(parse_iso_duration("PT1H") == 3600000);
  CHECK(parse_iso_duration("P1DT1M") == 86460000);
  CHECK(*parse_datetime("1970-01-01T00:00:01.500Z") == 1500);
  CHECK(*parse_datetime("1970-01-01T01:00:00.000+01:00") == 0);
  CHECK(*parse_datetime("1970-01-01T00:00:02.000") == 2000);  // no zone: UTC
  CHECK(!parse_datetime("1970-01-01").ok());
  CHECK(re2_error("a(b") == "missing closing )");
  CHECK(re2_error("a.*").empty());
}

TEST_CASE("console producer/consumer: line parsing and formatting") {
  Properties p;
  p.set("parse.key", "true");
  p.set("parse.headers", "true");
  p.set("null.marker", "N");
  auto r = LineReader::create(p);
  REQUIRE(r.ok());
  auto rec = r->parse("h1:v1,h2:N\tN\tvalue", 1);
  REQUIRE(rec.ok());
  CHECK_FALSE(rec->key.has_value());
  CHECK(*rec->value == "value");
  CHECK(rec->headers.size() == 2);
  CHECK_FALSE(rec->headers[1].second.has_value());
  Properties q;
  q.set("parse.key", "true");
  CHECK(LineReader::create(q)->parse("nokey", 3).status().message() == "No key separator found on line number 3: 'nokey'");

  Properties f;
  f.set("print.key", "true");
  f.set("print.offset", "true");
  f.set("print.timestamp", "true");
  MessageFormatter fmt(f);
  client::Message m;
  m.offset = 7;
  m.timestamp = 42;
  m.timestamp_type = client::TimestampType::kCreateTime;
  m.value = "v";
  CHECK(fmt.format(m) == "CreateTime:42\tOffset:7\tnull\tv\n");

  // The deserializers of Kafka's quickstart (Kafka Streams' counts are 8-byte longs).
  Properties d;
  d.set("print.key", "true");
  d.set("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
  d.set("value.deserializer", "org.apache.kafka.common.serialization.LongDeserializer");
  MessageFormatter counts(d);
  client::Message c;
  c.key = "kafka";
  c.value = std::string("\0\0\0\0\0\0\0\3", 8);
  CHECK(counts.format_checked(c).value() == "kafka\t3\n");
  c.value = std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8);
  CHECK(counts.format_checked(c).value() == "kafka\t-2\n");
  c.value = "abc";
  CHECK(counts.format_checked(c).status().message() == "Size of data received by LongDeserializer is not 8");
  c.value.reset();  // deserialized as the null literal's bytes, as Kafka's formatter does
  CHECK(counts.format_checked(c).status().message() == "Size of data received by LongDeserializer is not 8");
  CHECK_FALSE(MessageFormatter::known_deserializer("com.example.Nope"));
  CHECK(MessageFormatter::known_deserializer("org.apache.kafka.common.serialization.UUIDDeserializer"));
}

TEST_CASE("deserializers print what Java's toString prints") {
  auto text = [](Deserializer d, std::string bytes) { return deserialize_to_text(d, bytes).value(); };
  CHECK(text(Deserializer::kInteger, std::string("\x00\x00\x01\x00", 4)) == "256");
  CHECK(text(Deserializer::kShort, std::string("\xff\xff", 2)) == "-1");
  auto dbl = [&](double v) {
    uint64_t u = std::bit_cast<uint64_t>(v);
    std::string b;
    for (int i = 7; i >= 0; i--) b.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
    return text(Deserializer::kDouble, b);
  };
  CHECK(dbl(1.0) == "1.0");
  CHECK(dbl(123.456) == "123.456");
  CHECK(dbl(0.001) == "0.001");
  CHECK(dbl(1e7) == "1.0E7");
  CHECK(dbl(1.5e-5) == "1.5E-5");
  CHECK(dbl(-2.5) == "-2.5");
  CHECK(text(Deserializer::kBoolean, std::string(1, '\1')) == "true");
  CHECK(text(Deserializer::kUuid, "0A1B2C3D-0000-4000-8000-00000000000F") == "0a1b2c3d-0000-4000-8000-00000000000f");
  CHECK(deserializer_for("org.apache.kafka.common.serialization.LongDeserializer").value() == Deserializer::kLong);
  CHECK(text(Deserializer::kBytes, std::string("t\x00\xffw\\z~\x7f", 8)) == "t\\x00\\xFFw\\x5Cz~\\x7F");
  CHECK(text(Deserializer::kByteBuffer, "abc") == "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]");
  CHECK(text(Deserializer::kString, std::string("a\xff\xe2\x82z\xe2\x82\xac", 8)) ==
        "a\xEF\xBF\xBD\xEF\xBF\xBDz\xE2\x82\xAC");
}
