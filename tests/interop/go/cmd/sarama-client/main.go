// sarama-client produces and consumes keyed records with Sarama at a chosen protocol version,
// for tests/integration/interop_sarama_test.py.
//
//	sarama-client -bootstrap H:P -topic T -mode produce -count N [-start I] [-codec C] [-version V]
//	sarama-client -bootstrap H:P -topic T -mode consume -count N [-version V]
//	sarama-client -bootstrap H:P -topic T -mode group -group G [-version V]
//
// produce sends records key-I..key-(I+N-1) with values value-I.. in one flush (so a compressed
// message set holds many records) and prints "partition offset key value" for each acknowledged
// record. consume reads every partition from its oldest offset without a group until N records
// have arrived and prints them. group joins consumer group G, prints "# assigned P..." for each
// generation and every record it reads, marks what it read for commit, and leaves the group and
// exits when its standard input closes.
//
// The version (V0_8_2_0, V0_10_2_0, V2_1_0_0, ...) picks the requests Sarama sends: at V0_8_2_0
// Produce v0, Fetch v0, ListOffsets v0 and message format v0; at V0_10_2_0 Produce v2, Fetch v3
// and format v1; from V0_11_0_0 Produce v3, Fetch v4 and record batches (v2), whose header
// maxTimestamp this Sarama release leaves at -1.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/Shopify/sarama"

	"moldau/tests/interop/internal/lines"
)

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker host:port")
	topic := flag.String("topic", "", "topic")
	mode := flag.String("mode", "", "produce, consume or group")
	count := flag.Int("count", 0, "records to produce or to consume")
	start := flag.Int("start", 0, "index of the first produced record")
	codec := flag.String("codec", "none", "compression: none, gzip, snappy, lz4, zstd")
	version := flag.String("version", "V0_8_2_0", "Sarama Config.Version, as V0_8_2_0 or 0.8.2.0")
	group := flag.String("group", "", "consumer group (mode group)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long (produce, consume)")
	verbose := flag.Bool("verbose", false, "Sarama's log to stderr")
	flag.Parse()

	if *verbose {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags|log.Lmicroseconds)
	}
	if *topic == "" {
		lines.Fail("-topic is required")
	}
	config, err := newConfig(*version, *codec)
	if err != nil {
		lines.Fail("%v", err)
	}
	brokers := []string{*bootstrap}
	switch *mode {
	case "produce":
		err = produce(brokers, config, *topic, *start, *count, *timeout)
	case "consume":
		err = consume(brokers, config, *topic, *count, *timeout)
	case "group":
		if *group == "" {
			lines.Fail("-group is required in mode group")
		}
		err = runGroup(brokers, config, *topic, *group)
	default:
		lines.Fail("-mode must be produce, consume or group, not %q", *mode)
	}
	if err != nil {
		lines.Fail("%v", err)
	}
}

// versionString turns Sarama's constant names into what ParseKafkaVersion reads: V0_8_2_0 is
// "0.8.2.0", but from 1.0 on V2_1_0_0 is "2.1.0".
func versionString(name string) string {
	parts := strings.Split(strings.ReplaceAll(strings.TrimPrefix(name, "V"), "_", "."), ".")
	if len(parts) == 4 && parts[0] != "0" {
		parts = parts[:3]
	}
	return strings.Join(parts, ".")
}

func newConfig(version, codec string) (*sarama.Config, error) {
	config := sarama.NewConfig()
	config.ClientID = "moldau-interop-sarama"
	v, err := sarama.ParseKafkaVersion(versionString(version))
	if err != nil {
		return nil, fmt.Errorf("-version %q: %v", version, err)
	}
	config.Version = v
	switch codec {
	case "none":
		config.Producer.Compression = sarama.CompressionNone
	case "gzip":
		config.Producer.Compression = sarama.CompressionGZIP
	case "snappy":
		config.Producer.Compression = sarama.CompressionSnappy
	case "lz4":
		config.Producer.Compression = sarama.CompressionLZ4
	case "zstd":
		config.Producer.Compression = sarama.CompressionZSTD
	default:
		return nil, fmt.Errorf("-codec %q: want none, gzip, snappy, lz4 or zstd", codec)
	}
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Return.Successes = true
	// A topic just created may not have its leader ready yet (NOT_LEADER_FOR_PARTITION): retry
	// like a real producer. A resend that duplicated records would fail the tests' checks.
	config.Producer.Retry.Max = 10
	config.Producer.Retry.Backoff = 200 * time.Millisecond
	// Hold records until all are queued (or 200 ms pass) so one request carries them all.
	config.Producer.Flush.Frequency = 200 * time.Millisecond
	config.Consumer.Offsets.Initial = sarama.OffsetOldest
	config.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	config.Consumer.Return.Errors = true
	config.Metadata.Retry.Max = 10
	config.Metadata.Retry.Backoff = 200 * time.Millisecond
	return config, config.Validate()
}

func produce(brokers []string, config *sarama.Config, topic string, start, count int, timeout time.Duration) error {
	config.Producer.Flush.Messages = count
	producer, err := sarama.NewSyncProducer(brokers, config)
	if err != nil {
		return fmt.Errorf("new producer: %v", err)
	}
	msgs := make([]*sarama.ProducerMessage, count)
	for n := range msgs {
		i := start + n
		msgs[n] = &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(lines.Key(i)),
			Value: sarama.StringEncoder(lines.Value(i))}
	}
	done := make(chan error, 1)
	go func() { done <- producer.SendMessages(msgs) }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		return fmt.Errorf("produce: no answer within %v", timeout)
	}
	if err != nil {
		if errs, ok := err.(sarama.ProducerErrors); ok && len(errs) > 0 {
			return fmt.Errorf("produce: %d of %d records failed, first: %v", len(errs), count, errs[0].Err)
		}
		return fmt.Errorf("produce: %v", err)
	}
	var out lines.Printer
	for n, m := range msgs {
		out.Record(m.Partition, m.Offset, []byte(lines.Key(start+n)), []byte(lines.Value(start+n)))
	}
	return producer.Close()
}

func consume(brokers []string, config *sarama.Config, topic string, count int, timeout time.Duration) error {
	consumer, err := sarama.NewConsumer(brokers, config)
	if err != nil {
		return fmt.Errorf("new consumer: %v", err)
	}
	defer consumer.Close()
	partitions, err := consumer.Partitions(topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %v", topic, err)
	}
	msgs := make(chan *sarama.ConsumerMessage)
	errs := make(chan error, len(partitions))
	for _, p := range partitions {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			return fmt.Errorf("consume %s-%d: %v", topic, p, err)
		}
		defer pc.AsyncClose()
		go func(pc sarama.PartitionConsumer) {
			for m := range pc.Messages() {
				msgs <- m
			}
		}(pc)
		go func(pc sarama.PartitionConsumer) {
			for e := range pc.Errors() {
				errs <- e
			}
		}(pc)
	}
	var out lines.Printer
	deadline := time.After(timeout)
	for got := 0; got < count; {
		select {
		case m := <-msgs:
			out.Record(m.Partition, m.Offset, m.Key, m.Value)
			got++
		case e := <-errs:
			return fmt.Errorf("consume: %v", e)
		case <-deadline:
			return fmt.Errorf("consume: read %d of %d records in %v", got, count, timeout)
		}
	}
	return nil
}

// member reports each generation's assignment and every record it is given.
type member struct {
	topic string
	out   *lines.Printer
}

func (h member) Setup(s sarama.ConsumerGroupSession) error {
	h.out.Event("assigned", s.Claims()[h.topic]...)
	return nil
}

func (h member) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h member) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.out.Record(m.Partition, m.Offset, m.Key, m.Value)
		s.MarkMessage(m, "")
	}
	return nil
}

func runGroup(brokers []string, config *sarama.Config, topic, group string) error {
	config.Consumer.Group.Session.Timeout = 10 * time.Second
	config.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	cg, err := sarama.NewConsumerGroup(brokers, group, config)
	if err != nil {
		return fmt.Errorf("new consumer group: %v", err)
	}
	ctx := lines.UntilStdinCloses(context.Background())
	failed := make(chan error, 1)
	go func() {
		for e := range cg.Errors() {
			select {
			case failed <- e:
			default:
			}
		}
	}()
	h := member{topic: topic, out: &lines.Printer{}}
	for ctx.Err() == nil {
		// Consume returns at each rebalance; join again until told to stop.
		if err := cg.Consume(ctx, []string{topic}, h); err != nil {
			cg.Close()
			return fmt.Errorf("consume as %s: %v", group, err)
		}
		select {
		case e := <-failed:
			cg.Close()
			return fmt.Errorf("group %s: %v", group, e)
		default:
		}
	}
	// Close commits the marked offsets and leaves the group.
	if err := cg.Close(); err != nil {
		return fmt.Errorf("close: %v", err)
	}
	select {
	case e := <-failed:
		return fmt.Errorf("group %s: %v", group, e)
	default:
	}
	return nil
}
