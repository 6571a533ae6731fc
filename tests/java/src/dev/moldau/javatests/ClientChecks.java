package dev.moldau.javatests;

import static dev.moldau.javatests.Facts.map;
import static dev.moldau.javatests.Kit.*;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The Java client (kafka-clients) against one broker: producers, consumers in groups, the admin
 * client and transactions. Usage: ClientChecks <bootstrap> [check...]; prints one JSON line of
 * facts per check (Facts). Each check makes its own topics and groups, so checks are independent
 * and may run in one JVM against one broker.
 */
public final class ClientChecks {
  private ClientChecks() {}

  public static void main(String[] args) {
    bootstrap = args[0];
    Map<String, Callable<Map<String, Object>>> checks = new LinkedHashMap<>();
    checks.put("acks", ClientChecks::acks);
    checks.put("idempotence", ClientChecks::idempotence);
    checks.put("codecs", ClientChecks::codecs);
    checks.put("keys_headers", ClientChecks::keysHeaders);
    checks.put("commit_resume", ClientChecks::commitResume);
    checks.put("group_range", ClientChecks::groupRange);
    checks.put("group_cooperative", ClientChecks::groupCooperative);
    checks.put("group_static", ClientChecks::groupStatic);
    checks.put("admin_topics", ClientChecks::adminTopics);
    checks.put("admin_configs", ClientChecks::adminConfigs);
    checks.put("admin_records", ClientChecks::adminRecords);
    checks.put("admin_groups", ClientChecks::adminGroups);
    checks.put("transactions", ClientChecks::transactions);
    checks.put("transactional_offsets", ClientChecks::transactionalOffsets);
    List<String> names = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : new ArrayList<>(checks.keySet());
    Facts.runAll(names, checks);
  }

  // ---- producer ----

  /** 20 records at each of acks 0, 1 and all to one partition: the offsets each acks returns. */
  static Map<String, Object> acks() throws Exception {
    String topic = "j-acks";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 1, null);
    }
    Map<String, Object> offsets = new LinkedHashMap<>();
    List<String> sent = new ArrayList<>();
    for (String acks : List.of("0", "1", "all")) {
      try (KafkaProducer<String, String> p = producer(ProducerConfig.ACKS_CONFIG, acks,
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false")) {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          String key = "acks" + acks + "-" + i;
          futures.add(p.send(new ProducerRecord<>(topic, key, "value-" + i)));
          sent.add(key);
        }
        List<Long> got = new ArrayList<>();
        for (Future<RecordMetadata> f : futures) got.add(f.get().offset());
        offsets.put(acks, got);
      }
    }
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer()) {
      for (ConsumerRecord<String, String> r : readAll(c, partitions(topic, 1), 60)) read.add(r.key());
    }
    return map("offsets", offsets, "read_equals_sent", read.equals(sent), "read", read.size());
  }

  /**
   * An idempotent producer (acks=all, 5 requests in flight, small batches) sends 3000 records to
   * three partitions; the broker keeps each once, in order, and DescribeProducers shows the
   * producer's last sequence per partition.
   */
  static Map<String, Object> idempotence() throws Exception {
    String topic = "j-idempotent";
    int n = 3000;
    Map<Integer, List<Long>> offsetsByPartition = new TreeMap<>();
    try (Admin admin = admin()) {
      createTopic(admin, topic, 3, null);
      try (KafkaProducer<String, String> p = producer(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
          ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
          ProducerConfig.BATCH_SIZE_CONFIG, 2048, ProducerConfig.LINGER_MS_CONFIG, 2)) {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) futures.add(p.send(new ProducerRecord<>(topic, i % 3, "k" + i, "v" + i)));
        for (Future<RecordMetadata> f : futures) {
          RecordMetadata m = f.get();
          offsetsByPartition.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(m.offset());
        }
      }
      Map<String, Object> perPartition = new TreeMap<>();
      Map<TopicPartition, org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState> states =
          admin.describeProducers(partitions(topic, 3)).all().get();
      for (int part = 0; part < 3; part++) {
        List<Long> offs = offsetsByPartition.get(part);
        boolean contiguous = true;
        for (int i = 0; i < offs.size(); i++) contiguous &= offs.get(i) == i;
        List<ProducerState> producers = states.get(new TopicPartition(topic, part)).activeProducers();
        perPartition.put(String.valueOf(part), map("records", offs.size(), "offsets_contiguous_from_0", contiguous,
            "producers", producers.size(),
            "last_sequence", producers.isEmpty() ? null : producers.get(0).lastSequence(),
            "producer_epoch", producers.isEmpty() ? null : producers.get(0).producerEpoch()));
      }
      Set<String> values = new TreeSet<>();
      int read = 0;
      try (KafkaConsumer<String, String> c = consumer()) {
        for (ConsumerRecord<String, String> r : readAll(c, partitions(topic, 3), n)) {
          values.add(r.value());
          read++;
        }
      }
      return map("partitions", perPartition, "read", read, "distinct_values", values.size());
    }
  }

  /** 200 keyed records with headers through each codec; each read back equal to what was sent. */
  static Map<String, Object> codecs() throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    try (Admin admin = admin()) {
      for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
        String topic = "j-codec-" + codec;
        createTopic(admin, topic, 1, null);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
            ProducerConfig.LINGER_MS_CONFIG, 50, ProducerConfig.BATCH_SIZE_CONFIG, 65536)) {
          for (int i = 0; i < 200; i++) {
            String value = ("record " + i + " of the " + codec + " codec; ").repeat(1 + i % 7);
            RecordHeaders h = new RecordHeaders();
            h.add("codec", codec.getBytes(StandardCharsets.UTF_8));
            h.add("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            p.send(new ProducerRecord<>(topic, null, "key-" + i, value, h));
            sent.add("key-" + i + "|" + value + "|codec=" + codec + ",index=" + i);
          }
          p.flush();
        }
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer()) {
          for (ConsumerRecord<String, String> r : readAll(c, partitions(topic, 1), 200)) {
            List<String> hs = new ArrayList<>();
            r.headers().forEach(h -> hs.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)));
            read.add(r.key() + "|" + r.value() + "|" + String.join(",", hs));
          }
        }
        out.put(codec, map("sent", sent.size(), "read", read.size(), "equal", read.equals(sent)));
      }
    }
    return out;
  }

  /**
   * Keys through the default partitioner (murmur2), explicit partitions, null keys and values,
   * empty values, repeated and binary headers, a header with a null value and a set timestamp:
   * every record read back field by field.
   */
  static Map<String, Object> keysHeaders() throws Exception {
    String topic = "j-keyed";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 4, null);
    }
    Map<String, Integer> partitionOfKey = new TreeMap<>();
    try (KafkaProducer<byte[], byte[]> p = bytesProducer(ProducerConfig.LINGER_MS_CONFIG, 0)) {
      for (String key : List.of("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")) {
        RecordMetadata m = p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
            ("v-" + key).getBytes(StandardCharsets.UTF_8))).get();
        partitionOfKey.put(key, m.partition());
      }
      byte[] binary = new byte[256];
      for (int i = 0; i < 256; i++) binary[i] = (byte) i;
      RecordHeaders h = new RecordHeaders();
      h.add("h", "first".getBytes(StandardCharsets.UTF_8));
      h.add("h", "second".getBytes(StandardCharsets.UTF_8));
      h.add("null-value", null);
      h.add("binary", binary);
      h.add("", "empty key".getBytes(StandardCharsets.UTF_8));
      p.send(new ProducerRecord<>(topic, 3, 1700000000123L, "with-headers".getBytes(StandardCharsets.UTF_8),
          binary, h)).get();
      p.send(new ProducerRecord<>(topic, 3, null, null, "no key".getBytes(StandardCharsets.UTF_8))).get();
      p.send(new ProducerRecord<>(topic, 3, (Long) null, "tombstone".getBytes(StandardCharsets.UTF_8), (byte[]) null)).get();
      p.send(new ProducerRecord<>(topic, 3, null, new byte[0], new byte[0])).get();
    }
    List<Map<String, Object>> partition3 = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = bytesConsumer()) {
      List<ConsumerRecord<byte[], byte[]>> all = readAll(c, partitions(topic, 4), 12);
      for (ConsumerRecord<byte[], byte[]> r : all) {
        if (r.partition() != 3) continue;
        partition3.add(map("offset", r.offset(), "key", hex(r.key()), "value", hex(r.value()),
            "headers", headers(r.headers()), "timestamp_type", r.timestampType().toString(),
            "timestamp", r.key() != null && str(r.key()).equals("with-headers") ? r.timestamp() : null));
      }
      Map<String, Integer> readPartitionOfKey = new TreeMap<>();
      for (ConsumerRecord<byte[], byte[]> r : all)
        if (r.key() != null && str(r.value()) != null && str(r.value()).startsWith("v-"))
          readPartitionOfKey.put(str(r.key()), r.partition());
      return map("partition_of_key", partitionOfKey, "read_partition_of_key", readPartitionOfKey,
          "partition3_tail", partition3.subList(partition3.size() - 4, partition3.size()));
    }
  }

  // ---- consumer groups ----

  /**
   * A group member reads 60 of 100 records, commits 60 and leaves; the next member of the group
   * resumes at 60. A member with auto-commit reads the rest and its close commits 100.
   */
  static Map<String, Object> commitResume() throws Exception {
    String topic = "j-resume";
    String group = "j-resume-group";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 1, null);
      try (KafkaProducer<String, String> p = producer()) {
        for (int i = 0; i < 100; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
      }
      TopicPartition tp = new TopicPartition(topic, 0);
      List<Long> first = new ArrayList<>();
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
          ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 7)) {
        c.subscribe(List.of(topic));
        waitFor("60 records", () -> first.size() >= 60, () -> {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200)))
            if (first.size() < 60) first.add(r.offset());
        });
        c.commitSync(Map.of(tp, new OffsetAndMetadata(60, "resume here")));
      }
      OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
      List<Long> second = new ArrayList<>();
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true", ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 60000)) {
        c.subscribe(List.of(topic));
        waitFor("40 more records", () -> second.size() >= 40, () -> {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) second.add(r.offset());
        });
      }
      OffsetAndMetadata after = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
      return map("first_read", List.of(first.get(0), first.get(first.size() - 1)),
          "committed", committed.offset(), "metadata", committed.metadata(),
          "resumed_read", List.of(second.get(0), second.get(second.size() - 1), second.size()),
          "committed_on_close", after.offset());
    }
  }

  /** Records the partitions a member is given and loses, in the order the callbacks ran. */
  static final class Events implements ConsumerRebalanceListener {
    final List<String> log = new ArrayList<>();
    final Set<Integer> owned = new TreeSet<>();

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) log.add("revoked " + ids(partitions));
      partitions.forEach(tp -> owned.remove(tp.partition()));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) log.add("assigned " + ids(partitions));
      partitions.forEach(tp -> owned.add(tp.partition()));
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      log.add("lost " + ids(partitions));
      partitions.forEach(tp -> owned.remove(tp.partition()));
    }

    static List<Integer> ids(Collection<TopicPartition> tps) {
      return tps.stream().map(TopicPartition::partition).sorted().collect(Collectors.toList());
    }
  }

  static void produceNumbered(String topic, int partitions, int perPartition) throws Exception {
    try (KafkaProducer<String, String> p = producer()) {
      for (int part = 0; part < partitions; part++)
        for (int i = 0; i < perPartition; i++) p.send(new ProducerRecord<>(topic, part, "p" + part, "r" + i));
    }
  }

  /**
   * Two members with the range assignor split four partitions into two contiguous ranges, read
   * all 40 records between them, commit, and the group's offsets are 10 per partition.
   */
  static Map<String, Object> groupRange() throws Exception {
    String topic = "j-range";
    String group = "j-range-group";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 4, null);
      Events e1 = new Events();
      Events e2 = new Events();
      Map<String, Integer> readBy = new TreeMap<>();
      try (KafkaConsumer<String, String> c1 = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
               ConsumerConfig.CLIENT_ID_CONFIG, "range-1",
               ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
           KafkaConsumer<String, String> c2 = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
               ConsumerConfig.CLIENT_ID_CONFIG, "range-2",
               ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName())) {
        c1.subscribe(List.of(topic), e1);
        c2.subscribe(List.of(topic), e2);
        int[] read = new int[2];
        waitFor("both members to own two partitions", () -> e1.owned.size() == 2 && e2.owned.size() == 2, () -> {
          c1.poll(Duration.ofMillis(100));
          c2.poll(Duration.ofMillis(100));
        });
        // Records only now, so that each is read once, by the member that owns it for good.
        produceNumbered(topic, 4, 10);
        waitFor("40 records", () -> read[0] + read[1] >= 40, () -> {
              read[0] += c1.poll(Duration.ofMillis(100)).count();
              read[1] += c2.poll(Duration.ofMillis(100)).count();
            });
        c1.commitSync();
        c2.commitSync();
        readBy.put("range-1", read[0]);
        readBy.put("range-2", read[1]);
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        List<List<Integer>> assignments = new ArrayList<>(List.of(new ArrayList<>(e1.owned), new ArrayList<>(e2.owned)));
        assignments.sort((a, b) -> a.get(0) - b.get(0));
        Map<String, Long> committed = new TreeMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
            .forEach((tp, om) -> committed.put(tp.toString(), om.offset()));
        return map("assignments", assignments, "read_by", readBy, "committed", committed,
            "state", d.groupState().toString(), "assignor", d.partitionAssignor(), "members", d.members().size());
      }
    }
  }

  /**
   * Cooperative sticky: the first member takes all four partitions; when a second joins, the
   * first gives up two (and only two: it is never asked to revoke all, unlike the eager
   * protocol) and keeps reading the others throughout.
   */
  static Map<String, Object> groupCooperative() throws Exception {
    String topic = "j-coop";
    String group = "j-coop-group";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 4, null);
      Events e1 = new Events();
      Events e2 = new Events();
      try (KafkaConsumer<String, String> c1 = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName())) {
        c1.subscribe(List.of(topic), e1);
        waitFor("the first member to own four partitions", () -> e1.owned.size() == 4, () -> c1.poll(Duration.ofMillis(100)));
        int generationAlone = c1.groupMetadata().generationId();
        try (KafkaConsumer<String, String> c2 = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName())) {
          c2.subscribe(List.of(topic), e2);
          waitFor("two partitions each", () -> e1.owned.size() == 2 && e2.owned.size() == 2, () -> {
            c1.poll(Duration.ofMillis(100));
            c2.poll(Duration.ofMillis(100));
          });
          Set<Integer> union = new TreeSet<>(e1.owned);
          union.addAll(e2.owned);
          ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
          return map("first_events", new ArrayList<>(e1.log), "second_events", new ArrayList<>(e2.log),
              "union", new ArrayList<>(union),
              "generation_alone", generationAlone, "generation_after", c1.groupMetadata().generationId(),
              "assignor", d.partitionAssignor(), "state", d.groupState().toString());
        }
      }
    }
  }

  /**
   * Static members (group.instance.id): one leaves without a LeaveGroup (a restart) and a new
   * process with the same instance id takes its place within the session timeout; the group does
   * not rebalance: same generation, same partitions, and the other member loses nothing.
   */
  static Map<String, Object> groupStatic() throws Exception {
    String topic = "j-static";
    String group = "j-static-group";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 2, null);
      Events e1 = new Events();
      Events e2 = new Events();
      Object[] common = {ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 45000,
          ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName()};
      KafkaConsumer<String, String> c2 = consumer(concat(common, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-2"));
      try {
        int generation;
        String memberBefore;
        List<Integer> ownedBefore;
        try (KafkaConsumer<String, String> c1 = consumer(concat(common, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-1"))) {
          c1.subscribe(List.of(topic), e1);
          c2.subscribe(List.of(topic), e2);
          waitFor("one partition each", () -> e1.owned.size() == 1 && e2.owned.size() == 1, () -> {
            c1.poll(Duration.ofMillis(100));
            c2.poll(Duration.ofMillis(100));
          });
          generation = c1.groupMetadata().generationId();
          memberBefore = c1.groupMetadata().memberId();
          ownedBefore = new ArrayList<>(e1.owned);
        }
        // A static member's close does not leave the group: its partitions wait for it.
        ConsumerGroupDescription during = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        int otherEventsBefore = e2.log.size();
        Events e1b = new Events();
        try (KafkaConsumer<String, String> c1b = consumer(concat(common, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-1"))) {
          c1b.subscribe(List.of(topic), e1b);
          waitFor("the restarted member to get its partition back", () -> e1b.owned.size() == 1, () -> {
            c1b.poll(Duration.ofMillis(100));
            c2.poll(Duration.ofMillis(100));
          });
          for (int i = 0; i < 5; i++) c2.poll(Duration.ofMillis(100));
          ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
          List<String> instances = d.members().stream().map(m -> m.groupInstanceId().orElse("-")).sorted()
              .collect(Collectors.toList());
          return map("generation_before", generation, "generation_after", c1b.groupMetadata().generationId(),
              "owned_before", ownedBefore, "owned_after", new ArrayList<>(e1b.owned),
              "member_id_changed", !memberBefore.equals(c1b.groupMetadata().memberId()),
              "members_while_away", during.members().size(),
              "other_member_events_after_restart", new ArrayList<>(e2.log.subList(otherEventsBefore, e2.log.size())),
              "other_member_owned", new ArrayList<>(e2.owned),
              "instances", instances, "state", d.groupState().toString());
        }
      } finally {
        c2.close();
      }
    }
  }

  static Object[] concat(Object[] a, Object... b) {
    Object[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  // ---- admin client ----

  static Map<String, Object> adminTopics() throws Exception {
    try (Admin admin = admin()) {
      CreateTopicsResult created = admin.createTopics(List.of(
          new NewTopic("j-admin-a", 3, (short) 1).configs(Map.of("retention.ms", "3600000", "cleanup.policy", "compact")),
          new NewTopic("j-admin-b", java.util.Optional.empty(), java.util.Optional.empty())));
      created.all().get();
      Uuid idA = created.topicId("j-admin-a").get();
      Map<String, Object> createdFacts = map("partitions_a", created.numPartitions("j-admin-a").get(),
          "replication_a", created.replicationFactor("j-admin-a").get(),
          "partitions_b", created.numPartitions("j-admin-b").get(),
          "config_a_retention", created.config("j-admin-a").get().get("retention.ms").value());
      Map<String, String> errors = new LinkedHashMap<>();
      for (NewTopic bad : List.of(new NewTopic("j-admin-a", 1, (short) 1), new NewTopic("bad/name", 1, (short) 1),
          new NewTopic("j-admin-c", 0, (short) 1), new NewTopic("j-admin-d", 1, (short) 3),
          new NewTopic("j-admin-e", 1, (short) 1).configs(Map.of("cleanup.policy", "sideways")))) {
        try {
          admin.createTopics(List.of(bad)).all().get();
          errors.put(bad.name(), "created");
        } catch (Exception e) {
          errors.put(bad.name() + "/" + bad.numPartitions() + "/" + bad.replicationFactor(), simpleName(e));
        }
      }
      admin.createTopics(List.of(new NewTopic("j-admin-validate", 2, (short) 1)),
          new CreateTopicsOptions().validateOnly(true)).all().get();
      Set<String> names = admin.listTopics().names().get();
      Map<String, TopicDescription> byName = admin.describeTopics(List.of("j-admin-a")).allTopicNames().get();
      Map<Uuid, TopicDescription> byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(idA))).allTopicIds().get();
      TopicDescription a = byName.get("j-admin-a");
      List<String> parts = new ArrayList<>();
      for (TopicPartitionInfo p : a.partitions())
        parts.add(p.partition() + " leader " + p.leader().id() + " replicas " + p.replicas().stream().map(n -> n.id()).collect(Collectors.toList())
            + " isr " + p.isr().stream().map(n -> n.id()).collect(Collectors.toList()));
      admin.createPartitions(Map.of("j-admin-b", NewPartitions.increaseTo(4))).all().get();
      int bPartitions = admin.describeTopics(List.of("j-admin-b")).allTopicNames().get().get("j-admin-b").partitions().size();
      String shrink;
      try {
        admin.createPartitions(Map.of("j-admin-b", NewPartitions.increaseTo(2))).all().get();
        shrink = "allowed";
      } catch (Exception e) {
        shrink = simpleName(e);
      }
      DescribeClusterResult cluster = admin.describeCluster();
      String clusterId = cluster.clusterId().get();
      List<Integer> nodes = cluster.nodes().get().stream().map(n -> n.id()).collect(Collectors.toList());
      int controller = cluster.controller().get().id();
      admin.deleteTopics(List.of("j-admin-b")).all().get();
      // Kafka deletes asynchronously: the topic goes within moments.
      String[] afterDelete = {null};
      waitFor("the deleted topic to go", () -> afterDelete[0] != null, () -> {
        try {
          admin.describeTopics(List.of("j-admin-b")).allTopicNames().get();
          Thread.sleep(100);
        } catch (Exception e) {
          afterDelete[0] = simpleName(e);
        }
      });
      Set<String> namesAfter = admin.listTopics().names().get();
      return map("created", createdFacts, "errors", errors,
          "validate_only_created", names.contains("j-admin-validate"),
          "listed", names.containsAll(List.of("j-admin-a", "j-admin-b")),
          "internal_listed", names.stream().anyMatch(n -> n.startsWith("__")),
          "describe_id_matches", a.topicId().equals(idA), "describe_by_id_name", byId.get(idA).name(),
          "internal", a.isInternal(), "partitions", parts, "b_partitions_after_increase", bPartitions,
          "decrease", shrink, "cluster_id_length", clusterId.length(), "nodes", nodes, "controller", controller,
          "describe_deleted", afterDelete[0], "listed_after_delete", namesAfter.contains("j-admin-b"));
    }
  }

  static Map<String, Object> configFacts(Config config, String... names) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String n : names) {
      ConfigEntry e = config.get(n);
      out.put(n, e == null ? null : Arrays.asList(e.value(), e.source().toString()));
    }
    return out;
  }

  /** Kafka's brokers learn of a new topic moments after CreateTopics answers. */
  static Config describedOnceKnown(Admin admin, ConfigResource res) {
    Config[] config = {null};
    waitFor("the configs of " + res, () -> config[0] != null, () -> {
      try {
        config[0] = admin.describeConfigs(List.of(res)).all().get().get(res);
      } catch (Exception e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          throw new RuntimeException(ie);
        }
      }
    });
    return config[0];
  }

  static Map<String, Object> adminConfigs() throws Exception {
    String topic = "j-configs";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 1, Map.of("retention.ms", "3600000"));
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      String[] keys = {"retention.ms", "cleanup.policy", "max.message.bytes", "segment.bytes", "min.insync.replicas"};
      Config before = describedOnceKnown(admin, res);
      admin.incrementalAlterConfigs(Map.of(res, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND)))).all().get();
      Config altered = admin.describeConfigs(List.of(res)).all().get().get(res);
      admin.incrementalAlterConfigs(Map.of(res, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE),
          new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT)))).all().get();
      Config after = admin.describeConfigs(List.of(res)).all().get().get(res);
      String invalid;
      try {
        admin.incrementalAlterConfigs(Map.of(res, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all().get();
        invalid = "accepted";
      } catch (Exception e) {
        invalid = simpleName(e);
      }
      String unknownTopic;
      try {
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "j-no-such-topic");
        admin.describeConfigs(List.of(missing)).all().get();
        unknownTopic = "described";
      } catch (Exception e) {
        unknownTopic = simpleName(e);
      }
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
      Config brokerConfig = admin.describeConfigs(List.of(broker)).all().get().get(broker);
      return map("before", configFacts(before, keys), "altered", configFacts(altered, keys),
          "after", configFacts(after, keys), "invalid_value", invalid, "unknown_topic", unknownTopic,
          "broker", configFacts(brokerConfig, "num.partitions", "log.segment.bytes", "auto.create.topics.enable"));
    }
  }

  /** DeleteRecords and ListOffsets (earliest, latest, max timestamp, by timestamp). */
  static Map<String, Object> adminRecords() throws Exception {
    String topic = "j-records";
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = admin()) {
      createTopic(admin, topic, 1, null);
      try (KafkaProducer<String, String> p = producer()) {
        for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(topic, 0, 1_000_000L + 10L * i, "k" + i, "v" + i));
      }
      Map<String, Object> lists = new LinkedHashMap<>();
      Map<String, OffsetSpec> specs = new LinkedHashMap<>();
      specs.put("earliest", OffsetSpec.earliest());
      specs.put("latest", OffsetSpec.latest());
      specs.put("max_timestamp", OffsetSpec.maxTimestamp());
      specs.put("for_1000205", OffsetSpec.forTimestamp(1_000_205L));
      specs.put("for_1000000", OffsetSpec.forTimestamp(1_000_000L));
      specs.put("for_2000000", OffsetSpec.forTimestamp(2_000_000L));
      for (Map.Entry<String, OffsetSpec> s : specs.entrySet()) {
        ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, s.getValue())).partitionResult(tp).get();
        lists.put("before_delete " + s.getKey(), List.of(info.offset(), info.timestamp()));
      }
      long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(20))).lowWatermarks().get(tp).get().lowWatermark();
      for (String k : List.of("earliest", "latest", "for_1000000")) {
        ListOffsetsResult.ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, specs.get(k))).partitionResult(tp).get();
        lists.put("after_delete " + k, List.of(info.offset(), info.timestamp()));
      }
      String beyond;
      try {
        admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(51))).all().get();
        beyond = "deleted";
      } catch (Exception e) {
        beyond = simpleName(e);
      }
      long firstRead;
      try (KafkaConsumer<String, String> c = consumer()) {
        firstRead = readAll(c, List.of(tp), 30).get(0).offset();
      }
      Map<String, Object> logDirs = new TreeMap<>();
      admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).forEach((dir, d) ->
          d.replicaInfos().forEach((p, info) -> {
            if (p.equals(tp)) logDirs.put("replica_size_positive", info.size() > 0);
          }));
      return map("list_offsets", lists, "low_watermark", low, "delete_beyond_end", beyond,
          "first_offset_read", firstRead, "log_dirs", logDirs);
    }
  }

  /** The group operations of the admin client on a group with a live member, then empty. */
  static Map<String, Object> adminGroups() throws Exception {
    String topic = "j-admin-groups";
    String group = "j-admin-group";
    try (Admin admin = admin()) {
      createTopic(admin, topic, 3, null);
      produceNumbered(topic, 3, 5);
      Map<String, Object> live;
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
          ConsumerConfig.CLIENT_ID_CONFIG, "admin-groups-client")) {
        c.subscribe(List.of(topic));
        int[] read = {0};
        waitFor("15 records", () -> read[0] >= 15, () -> read[0] += c.poll(Duration.ofMillis(100)).count());
        c.commitSync();
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        MemberDescription m = d.members().iterator().next();
        String alterWhileLive;
        try {
          admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1))).all().get();
          alterWhileLive = "altered";
        } catch (Exception e) {
          alterWhileLive = simpleName(e);
        }
        live = map("state", d.groupState().toString(), "type", d.type().toString(), "assignor", d.partitionAssignor(),
            "members", d.members().size(), "client_id", m.clientId(),
            "assignment", Events.ids(m.assignment().topicPartitions()),
            "coordinator", d.coordinator().id(), "alter_while_live", alterWhileLive);
      }
      Map<String, Object> listed = new TreeMap<>();
      for (GroupListing g : admin.listGroups().all().get())
        if (g.groupId().equals(group))
          listed.put(g.groupId(), List.of(g.type().map(Object::toString).orElse("-"), g.protocol(),
              g.groupState().map(Object::toString).orElse("-")));
      // The consumer-group listing (ListGroups filtered to consumer groups, classic and new).
      @SuppressWarnings("deprecation")
      List<String> consumerGroups = admin.listConsumerGroups().all().get().stream()
          .map(org.apache.kafka.clients.admin.ConsumerGroupListing::groupId).filter(group::equals)
          .collect(Collectors.toList());
      // Only consumer groups: a group of another type filtered out by ListGroups v5.
      List<String> shareGroups = admin.listGroups(org.apache.kafka.clients.admin.ListGroupsOptions.forShareGroups())
          .all().get().stream().map(GroupListing::groupId).collect(Collectors.toList());
      TopicPartition p0 = new TopicPartition(topic, 0);
      TopicPartition p1 = new TopicPartition(topic, 1);
      admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(2, "rewound"))).all().get();
      Map<String, Object> offsets = new TreeMap<>();
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
          .forEach((tp, om) -> offsets.put(tp.toString(), List.of(om.offset(), om.metadata())));
      admin.deleteConsumerGroupOffsets(group, Set.of(p1)).all().get();
      Set<String> afterDelete = new TreeSet<>();
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().keySet()
          .forEach(tp -> afterDelete.add(tp.toString()));
      String emptyState = admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState().toString();
      admin.deleteConsumerGroups(List.of(group)).all().get();
      boolean listedAfterDelete = admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals(group));
      String describeDeleted;
      try {
        describeDeleted = admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState().toString();
      } catch (Exception e) {
        describeDeleted = simpleName(e);
      }
      return map("live", live, "listed", listed, "listed_as_consumer_group", consumerGroups,
          "share_groups", shareGroups, "offsets_after_alter", offsets,
          "partitions_after_offset_delete", new ArrayList<>(afterDelete), "empty_state", emptyState,
          "listed_after_delete", listedAfterDelete, "describe_after_delete", describeDeleted);
    }
  }

  // ---- transactions ----

  static List<String> values(List<? extends ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).collect(Collectors.toList());
  }

  /** Reads a partition from the beginning up to its end (for the consumer's isolation level). */
  static List<ConsumerRecord<String, String>> readToEnd(KafkaConsumer<String, String> c, TopicPartition tp) {
    c.assign(List.of(tp));
    c.seekToBeginning(List.of(tp));
    long end = c.endOffsets(List.of(tp)).get(tp);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    waitFor("the end of " + tp, () -> c.position(tp) >= end, () -> c.poll(Duration.ofMillis(100)).forEach(out::add));
    return out;
  }

  /**
   * Committed, aborted and open transactions as read_committed and read_uncommitted consumers
   * see them; the last stable offset; a second producer with the same transactional id fences
   * the first; the transaction coordinator as the admin client lists and describes it.
   */
  static Map<String, Object> transactions() throws Exception {
    String topic = "j-txn";
    TopicPartition tp = new TopicPartition(topic, 0);
    Map<String, Object> out = new LinkedHashMap<>();
    try (Admin admin = admin()) {
      createTopic(admin, topic, 1, null);
      try (KafkaProducer<String, String> p = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "j-txn-1")) {
        p.initTransactions();
        for (String kind : List.of("commit-a", "abort", "commit-b")) {
          p.beginTransaction();
          for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, kind, kind + "-" + i));
          // Sent before the abort (else the producer drops them unsent), so the log holds them.
          p.flush();
          if (kind.equals("abort")) p.abortTransaction();
          else p.commitTransaction();
        }
        try (KafkaConsumer<String, String> committed = consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
             KafkaConsumer<String, String> uncommitted = consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted")) {
          List<ConsumerRecord<String, String>> rc = readToEnd(committed, tp);
          out.put("read_committed", values(rc));
          out.put("read_committed_offsets", rc.stream().map(ConsumerRecord::offset).collect(Collectors.toList()));
          out.put("read_uncommitted", values(readToEnd(uncommitted, tp)));
          // An open transaction: the last stable offset stays before it until it commits.
          p.beginTransaction();
          for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(topic, "open", "open-" + i));
          p.flush();
          out.put("end_offsets_while_open", List.of(committed.endOffsets(List.of(tp)).get(tp),
              uncommitted.endOffsets(List.of(tp)).get(tp)));
          int[] seen = {0};
          for (int i = 0; i < 5; i++) seen[0] += committed.poll(Duration.ofMillis(100)).count();
          out.put("read_committed_while_open", seen[0]);
          Collection<TransactionListing> open = admin.listTransactions().all().get();
          out.put("listed_while_open", open.stream().filter(t -> t.transactionalId().equals("j-txn-1"))
              .map(t -> t.state().toString()).collect(Collectors.toList()));
          TransactionDescription desc = admin.describeTransactions(List.of("j-txn-1")).all().get().get("j-txn-1");
          out.put("described_while_open", map("state", desc.state().toString(),
              "partitions", desc.topicPartitions().stream().map(TopicPartition::toString).collect(Collectors.toList())));
          p.commitTransaction();
          List<String> late = new ArrayList<>();
          waitFor("the open transaction's records after its commit", () -> late.size() >= 3,
              () -> committed.poll(Duration.ofMillis(100)).forEach(r -> late.add(r.value())));
          out.put("read_committed_after_commit", late);
          out.put("end_offsets_after_commit", List.of(committed.endOffsets(List.of(tp)).get(tp),
              uncommitted.endOffsets(List.of(tp)).get(tp)));
        }
        TransactionDescription desc = admin.describeTransactions(List.of("j-txn-1")).all().get().get("j-txn-1");
        out.put("described_after", desc.state().toString());
      }
      // Fencing: a new producer with the same id aborts the old one's open transaction.
      KafkaProducer<String, String> zombie = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "j-txn-fenced");
      try {
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(topic, "zombie", "zombie-0")).get();
        try (KafkaProducer<String, String> successor = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "j-txn-fenced")) {
          successor.initTransactions();
          successor.beginTransaction();
          successor.send(new ProducerRecord<>(topic, "successor", "successor-0"));
          successor.commitTransaction();
        }
        try {
          zombie.send(new ProducerRecord<>(topic, "zombie", "zombie-1")).get();
          zombie.commitTransaction();
          out.put("zombie_commit", "committed");
        } catch (Exception e) {
          out.put("zombie_commit", simpleName(e));
        }
      } finally {
        zombie.close(Duration.ZERO);
      }
      try (KafkaConsumer<String, String> committed = consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")) {
        List<String> all = values(readToEnd(committed, tp));
        out.put("read_committed_tail", all.subList(Math.max(0, all.size() - 2), all.size()));
      }
    }
    return out;
  }

  /**
   * Consume-transform-produce with the group's offsets in the transaction
   * (sendOffsetsToTransaction with the consumer's group metadata): a committed batch moves the
   * group's offset, an aborted one leaves it and its output invisible, and the batch processed
   * again after the abort appears exactly once.
   */
  static Map<String, Object> transactionalOffsets() throws Exception {
    String in = "j-ctp-in";
    String out = "j-ctp-out";
    String group = "j-ctp-group";
    TopicPartition inTp = new TopicPartition(in, 0);
    Map<String, Object> facts = new LinkedHashMap<>();
    try (Admin admin = admin()) {
      createTopic(admin, in, 1, null);
      createTopic(admin, out, 1, null);
      try (KafkaProducer<String, String> p = producer()) {
        for (int i = 0; i < 30; i++) p.send(new ProducerRecord<>(in, "k" + i, "word" + i));
      }
      List<Long> committedAfter = new ArrayList<>();
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.GROUP_ID_CONFIG, group,
               ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
           KafkaProducer<String, String> p = producer(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "j-ctp")) {
        p.initTransactions();
        c.subscribe(List.of(in));
        int batch = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.assignment().contains(inTp) || c.position(inTp, Duration.ofSeconds(30)) < 30 || batch < 4) {
          if (System.nanoTime() > deadline) throw new AssertionError("the loop did not finish");
          ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
          if (records.isEmpty()) continue;
          p.beginTransaction();
          long next = -1;
          for (ConsumerRecord<String, String> r : records) {
            p.send(new ProducerRecord<>(out, r.key(), r.value().toUpperCase()));
            next = r.offset() + 1;
          }
          p.sendOffsetsToTransaction(Map.of(inTp, new OffsetAndMetadata(next)), c.groupMetadata());
          if (batch == 1) {
            p.flush();  // its records reach the log, marked aborted
            p.abortTransaction();
            // Back to the last committed offset, as an application does after an abort.
            OffsetAndMetadata last = c.committed(Set.of(inTp)).get(inTp);
            c.seek(inTp, last == null ? 0 : last.offset());
          } else {
            p.commitTransaction();
          }
          committedAfter.add(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(inTp) == null
              ? -1 : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(inTp).offset());
          batch++;
        }
      }
      facts.put("group_offset_after_each_batch", committedAfter);
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")) {
        List<String> outValues = values(readToEnd(c, new TopicPartition(out, 0)));
        facts.put("output_count", outValues.size());
        facts.put("output_distinct", new TreeSet<>(outValues).size());
        facts.put("output_first_last", List.of(outValues.get(0), outValues.get(outValues.size() - 1)));
      }
      try (KafkaConsumer<String, String> c = consumer(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted")) {
        facts.put("output_uncommitted_count", readToEnd(c, new TopicPartition(out, 0)).size());
      }
    }
    return facts;
  }
}
