package dev.moldau.javatests;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The Java client against a cluster through one bootstrap broker (issue 17): the admin client
 * sees every broker and creates a replicated topic led by all of them; an idempotent acks=all
 * producer, a consumer group that commits, and a transactional producer with a read_committed
 * reader. Each check prints its facts as JSON (Facts); the pytest side asserts.
 *
 * Usage: ClusterChecks <bootstrap> <topic>
 */
public final class ClusterChecks {
  private static final int PARTITIONS = 6;
  private static final int RECORDS = 600;

  private ClusterChecks() {}

  public static void main(String[] args) {
    Kit.bootstrap = args[0];
    String topic = args[1];
    Map<String, java.util.concurrent.Callable<Map<String, Object>>> checks = new LinkedHashMap<>();
    checks.put("admin", () -> admin(topic));
    checks.put("produce", () -> produce(topic));
    checks.put("group", () -> group(topic));
    checks.put("transactions", () -> transactions(topic));
    Facts.runAll(new ArrayList<>(checks.keySet()), checks);
  }

  /** The brokers the cluster names, and a replication factor 3 topic's leaders and replicas. */
  static Map<String, Object> admin(String topic) throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    try (Admin admin = Kit.admin()) {
      List<Integer> nodes = admin.describeCluster().nodes().get().stream().map(Node::id).sorted()
          .collect(Collectors.toList());
      f.put("nodes", nodes);
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 3))).all().get();
      // Leaders are elected a moment after the creation: wait until every partition has one.
      TopicDescription[] desc = new TopicDescription[1];
      Kit.waitFor("leaders of " + topic, () -> {
        try {
          desc[0] = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          return desc[0].partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() >= 0);
        } catch (Exception e) {
          return false;
        }
      }, () -> sleep(200));
      TreeSet<Integer> leaders = new TreeSet<>();
      List<Integer> replicaCounts = new ArrayList<>();
      for (TopicPartitionInfo p : desc[0].partitions()) {
        leaders.add(p.leader().id());
        replicaCounts.add(p.replicas().size());
      }
      f.put("leaders", new ArrayList<>(leaders));
      f.put("replica_counts", replicaCounts);
    }
    return f;
  }

  /** An idempotent acks=all producer: every record acknowledged, offsets dense per partition. */
  static Map<String, Object> produce(String topic) throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> p = Kit.producer(ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.LINGER_MS_CONFIG, 5)) {
      for (int i = 0; i < RECORDS; i++) sent.add(p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)));
      p.flush();
    }
    Map<Integer, List<Long>> offsets = new HashMap<>();
    for (Future<RecordMetadata> m : sent) {
      RecordMetadata md = m.get();
      offsets.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(md.offset());
    }
    boolean dense = true;
    for (List<Long> o : offsets.values()) {
      o.sort(null);
      for (int i = 0; i < o.size(); i++) dense &= o.get(i) == i;
    }
    f.put("acknowledged", sent.size());
    f.put("partitions_written", offsets.size());
    f.put("offsets_dense", dense);
    return f;
  }

  /** A consumer group reads everything and commits; the committed offsets are the log ends. */
  static Map<String, Object> group(String topic) throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    TreeSet<String> values = new TreeSet<>();
    try (KafkaConsumer<String, String> c = Kit.consumer(ConsumerConfig.GROUP_ID_CONFIG, "java-cluster-group")) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (values.size() < RECORDS && System.nanoTime() < deadline)
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
      c.commitSync(Duration.ofSeconds(30));
    }
    f.put("distinct_values", values.size());
    try (Admin admin = Kit.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("java-cluster-group").partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (TopicPartition tp : Kit.partitions(topic, PARTITIONS)) latest.put(tp, OffsetSpec.latest());
      long ends = 0;
      for (var e : admin.listOffsets(latest).all().get().values()) ends += e.offset();
      long sum = 0;
      for (OffsetAndMetadata o : committed.values()) sum += o.offset();
      f.put("committed_partitions", committed.size());
      f.put("committed_sum", sum);
      f.put("log_end_sum", ends);
    }
    return f;
  }

  /** Committed, aborted, committed: a read_committed reader sees the committed ones only. */
  static Map<String, Object> transactions(String topic) throws Exception {
    Map<String, Object> f = new LinkedHashMap<>();
    try (KafkaProducer<String, String> p = Kit.producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-cluster-tx")) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(topic, "t" + i, "committed-" + i));
      p.commitTransaction();
      p.beginTransaction();
      for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(topic, "a" + i, "aborted-" + i));
      p.abortTransaction();
      p.beginTransaction();
      p.send(new ProducerRecord<>(topic, "last", "last"));
      p.commitTransaction();
    }
    int committed = 0, aborted = 0, last = 0, plain = 0;
    try (KafkaConsumer<String, String> c = Kit.consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")) {
      for (ConsumerRecord<String, String> r : Kit.readAll(c, Kit.partitions(topic, PARTITIONS), RECORDS + 51)) {
        String v = r.value();
        if (v.startsWith("committed-")) committed++;
        else if (v.startsWith("aborted-")) aborted++;
        else if (v.equals("last")) last++;
        else plain++;
      }
      // Nothing more arrives: the aborted records stay hidden after the last commit too.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(2)))
        if (r.value().startsWith("aborted-")) aborted++;
    }
    f.put("committed", committed);
    f.put("aborted", aborted);
    f.put("last", last);
    f.put("plain", plain);
    return f;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
