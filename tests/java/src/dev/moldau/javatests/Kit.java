package dev.moldau.javatests;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/** Clients made the same way for every check, and the waits they share. */
final class Kit {
  static String bootstrap;

  private Kit() {}

  static Properties props(Object... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i + 1 < keyValues.length; i += 2) p.put(keyValues[i], String.valueOf(keyValues[i + 1]));
    return p;
  }

  static Admin admin() {
    return Admin.create(props(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000));
  }

  static KafkaProducer<String, String> producer(Object... extra) {
    Properties p = props(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.putAll(props(extra));
    return new KafkaProducer<>(p);
  }

  static KafkaProducer<byte[], byte[]> bytesProducer(Object... extra) {
    Properties p = props(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.putAll(props(extra));
    return new KafkaProducer<>(p);
  }

  static KafkaConsumer<String, String> consumer(Object... extra) {
    Properties p = props(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putAll(props(extra));
    return new KafkaConsumer<>(p);
  }

  static KafkaConsumer<byte[], byte[]> bytesConsumer(Object... extra) {
    Properties p = props(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putAll(props(extra));
    return new KafkaConsumer<>(p);
  }

  static void createTopic(Admin admin, String name, int partitions, Map<String, String> configs) throws Exception {
    NewTopic t = new NewTopic(name, partitions, (short) 1);
    if (configs != null) t.configs(configs);
    admin.createTopics(List.of(t)).all().get();
  }

  static List<TopicPartition> partitions(String topic, int count) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < count; i++) tps.add(new TopicPartition(topic, i));
    return tps;
  }

  /**
   * Reads `partitions` from their beginning (no group) until `count` records arrived; fails after
   * the deadline. The order is the log's within each partition, partitions in poll order.
   */
  static <K, V> List<ConsumerRecord<K, V>> readAll(KafkaConsumer<K, V> consumer, Collection<TopicPartition> partitions,
                                                  int count) {
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (out.size() < count) {
      if (System.nanoTime() > deadline) {
        StringBuilder where = new StringBuilder();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
          long read = out.stream().filter(r -> r.partition() == tp.partition() && r.topic().equals(tp.topic())).count();
          where.append(String.format(" %s: read %d, position %d, end %d;", tp, read, consumer.position(tp), ends.get(tp)));
        }
        throw new AssertionError("read " + out.size() + " of " + count + " records:" + where);
      }
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  static void waitFor(String what, BooleanSupplier condition, Runnable step) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      step.run();
    }
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static String hex(byte[] b) {
    return b == null ? null : HexFormat.of().formatHex(b);
  }

  static List<List<String>> headers(Iterable<Header> headers) {
    List<List<String>> out = new ArrayList<>();
    for (Header h : headers) out.add(java.util.Arrays.asList(h.key(), hex(h.value())));
    return out;
  }

  static String simpleName(Throwable e) {
    Throwable t = e;
    while (t instanceof java.util.concurrent.ExecutionException && t.getCause() != null) t = t.getCause();
    return t.getClass().getSimpleName();
  }
}
