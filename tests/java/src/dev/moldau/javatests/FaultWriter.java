package dev.moldau.javatests;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An idempotent acks=all writer of the fault run (tests/faults/workload.py JavaWriter), with the
 * Java client, whose duplicates are never the client's doing.
 *
 * <p>Usage: FaultWriter bootstrap topic partitions name [delivery.timeout.ms]. The caller paces
 * it: each stdin line "send N" makes it send the value "name-N" to partition N % partitions, so
 * that the caller can stamp the operation's invoke time before the send really happens. "stop" or
 * end of input: it sends nothing more, waits (up to the delivery timeout) for what is pending,
 * closes and exits 0.
 *
 * <p>stdout: one JSON object per line. {"event":"invoke",value,partition} just before send();
 * {"event":"complete",value,partition,ok,offset|error} from the callback; {"event":"fatal",error}
 * when the producer became unusable (what it still held is then reported failed with that error,
 * and a new producer goes on); {"event":"producer",count} for each producer made;
 * {"event":"done",sent,producers} last.
 */
public final class FaultWriter {
  private static final Object STOP = new Object();

  private final String bootstrap;
  private final String topic;
  private final int partitions;
  private final String name;
  private final int deliveryTimeoutMs;
  /** value -> partition, from before send() until its one completion line. */
  private final Map<String, Integer> pending = new ConcurrentHashMap<>();
  private volatile Exception fatal;
  private volatile boolean stopRequested;
  private KafkaProducer<String, String> producer;
  private int producers;
  private long sent;

  private FaultWriter(String bootstrap, String topic, int partitions, String name, int deliveryTimeoutMs) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.partitions = partitions;
    this.name = name;
    this.deliveryTimeoutMs = deliveryTimeoutMs;
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("Error: usage: FaultWriter bootstrap topic partitions name [delivery.timeout.ms]");
      System.exit(2);
    }
    FaultWriter w = new FaultWriter(args[0], args[1], Integer.parseInt(args[2]), args[3],
        args.length > 4 ? Integer.parseInt(args[4]) : 120000);
    w.run();
    System.exit(0);  // the stdin reader may still be blocked
  }

  private void makeProducer() {
    producers++;
    fatal = null;
    Kit.bootstrap = bootstrap;
    producer = Kit.producer(
        ProducerConfig.CLIENT_ID_CONFIG, name + "-" + producers,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100,
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000,
        ProducerConfig.METADATA_MAX_AGE_CONFIG, 2000,
        // send() waits this long for a partition's metadata; stdin lines queue meanwhile.
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
    Facts.print(Facts.map("event", "producer", "count", producers));
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  /** Errors after which this producer sends nothing more under its id (as workload.Writer
   *  replaces a librdkafka producer on a fatal error). */
  private static boolean isFatal(Exception e) {
    return e instanceof ProducerFencedException || e instanceof OutOfOrderSequenceException
        || e instanceof InvalidProducerEpochException || e instanceof UnknownProducerIdException
        || e instanceof AuthorizationException || e instanceof UnsupportedVersionException;
  }

  /** Prints the one completion line of `value`, unless it was printed already. */
  private void complete(String value, boolean ok, long offset, String error) {
    Integer partition = pending.remove(value);
    if (partition == null) return;
    Facts.print(ok
        ? Facts.map("event", "complete", "value", value, "partition", partition, "ok", true, "offset", offset)
        : Facts.map("event", "complete", "value", value, "partition", partition, "ok", false, "error", error));
  }

  private void send(long n) {
    String value = name + "-" + n;
    int partition = (int) (n % partitions);
    pending.put(value, partition);
    Facts.print(Facts.map("event", "invoke", "value", value, "partition", partition));
    sent++;
    try {
      producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
        if (e == null) {
          complete(value, true, md.offset(), null);
        } else {
          if (isFatal(e)) fatal = e;
          complete(value, false, -1, describe(e));
        }
      });
    } catch (KafkaException | IllegalStateException e) {
      // Thrown (not given to the callback) only when the producer cannot go on.
      fatal = e;
      complete(value, false, -1, describe(e));
    }
  }

  /** Closes the producer at once; what it never reported on fails with `why` (its fate unknown). */
  private void abandon(String why) {
    producer.close(Duration.ZERO);  // fails its unsent batches through their callbacks
    for (String value : pending.keySet()) complete(value, false, -1, why);
  }

  private void replaceIfFatal(boolean stopping) {
    Exception e = fatal;
    if (e == null) return;
    Facts.print(Facts.map("event", "fatal", "error", describe(e)));
    abandon("fatal producer: " + describe(e));
    if (!stopping) makeProducer();
  }

  private void run() throws InterruptedException {
    BlockingQueue<Object> commands = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          line = line.trim();
          if (line.equals("stop")) {
            stopRequested = true;
            break;
          }
          if (line.startsWith("send ")) commands.add(Long.parseLong(line.substring(5).trim()));
        }
      } catch (Exception e) {
        System.err.println("Error: reading stdin: " + e);
      }
      stopRequested = true;
      commands.add(STOP);
    }, "stdin");
    reader.setDaemon(true);
    reader.start();

    makeProducer();
    while (true) {
      replaceIfFatal(false);
      Object c = commands.poll(100, TimeUnit.MILLISECONDS);
      if (c == STOP) break;
      if (c == null) continue;
      if (stopRequested) {
        // Asked for but not sent yet (send() may have blocked on metadata): it never will be.
        String value = name + "-" + c;
        pending.put(value, (int) ((Long) c % partitions));
        complete(value, false, -1, "not sent: the writer was stopped first");
      } else {
        send((Long) c);
      }
    }
    // Stop: what is pending resolves within the delivery timeout (acknowledged or failed).
    long deadline = System.nanoTime() + (deliveryTimeoutMs + 30000L) * 1_000_000L;
    boolean closed = false;
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      if (fatal != null) {
        replaceIfFatal(true);
        closed = true;
        break;
      }
      Thread.sleep(50);
    }
    if (!closed) abandon("no delivery report within the delivery timeout");
    Facts.print(Facts.map("event", "done", "sent", sent, "producers", producers));
  }
}
