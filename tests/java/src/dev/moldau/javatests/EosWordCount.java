package dev.moldau.javatests;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * A stateful Kafka Streams application with processing.guarantee=exactly_once_v2: words of
 * an input topic are re-keyed by word (a repartition topic), counted in a state store (a
 * compacted changelog topic) and each new count goes to an output topic, all inside Streams'
 * transactions. With the record cache off every input record yields exactly one output record,
 * so a read_committed reader of the output must see, per word, the counts 1, 2, 3, ... without
 * a gap or a repeat, however often the application is killed.
 *
 * Usage: EosWordCount <bootstrap> <application.id> <state.dir> <input> <output>. Prints
 * "state <NEW STATE>" on each state change; runs until SIGTERM (closes cleanly) or SIGKILL.
 */
public final class EosWordCount {
  private EosWordCount() {}

  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // A killed instance leaves its member in the group until its session times out, and the
    // restarted one waits for that (Streams' default is 45 s); the broker's minimum is 6 s.
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1500);
    // Small fetches, so that a run processes its input in many transactions, not one.
    p.put(StreamsConfig.consumerPrefix("max.poll.records"), 50);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[3], Consumed.with(Serdes.String(), Serdes.String()).withName("words"))
        .groupBy((key, word) -> word, Grouped.with("by-word", Serdes.String(), Serdes.String()))
        .count(Materialized.as("word-counts"))
        .toStream()
        .to(args[4], Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("state " + now);
      System.out.flush();
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) done.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      done.countDown();
    }));
    streams.start();
    done.await();
    if (streams.state() == KafkaStreams.State.ERROR) System.exit(1);
  }
}
