// kafka-go-client produces and consumes keyed records with segmentio/kafka-go v0.2.1 (the
// release Debian 12 ships), for tests/integration/interop_kafka_go_test.py.
//
//	kafka-go-client -bootstrap H:P -topic T -mode produce -count N [-start I] [-codec C]
//	kafka-go-client -bootstrap H:P -topic T -mode consume -count N
//	kafka-go-client -bootstrap H:P -topic T -mode group -group G
//
// This release sends no ApiVersions: it always produces with Produce v2 (message format v1,
// compressed as a wrapper message) and fetches with Fetch v2, and lists offsets with
// ListOffsets v1. Its groups use JoinGroup v1, SyncGroup v0, OffsetFetch v1 and OffsetCommit v2.
// (Releases from 0.2.3 on ask ApiVersions and move to Produce v7 and Fetch v10 when a broker
// offers them, so they would not exercise the old versions.)
//
// produce writes records key-I..key-(I+N-1) with values value-I.. in one batch, hashed to
// partitions by key. consume reads every partition from its first offset without a group until
// N records have arrived and prints "partition offset key value" for each. group joins consumer
// group G, prints "# assigned P..." for each generation and every record it reads (committing
// each synchronously), and closes and exits when its standard input closes. (Close means to
// leave the group, but this release has dropped its membership by then and sends no
// LeaveGroup: the coordinator sees the member go at its session timeout.)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"strconv"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"

	"moldau/tests/interop/internal/lines"
)

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker host:port")
	topic := flag.String("topic", "", "topic")
	mode := flag.String("mode", "", "produce, consume or group")
	count := flag.Int("count", 0, "records to produce or to consume")
	start := flag.Int("start", 0, "index of the first produced record")
	codec := flag.String("codec", "none", "compression: none, gzip, snappy, lz4")
	group := flag.String("group", "", "consumer group (mode group)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long (produce, consume)")
	verbose := flag.Bool("verbose", false, "kafka-go's log to stderr")
	flag.Parse()

	if *topic == "" {
		lines.Fail("-topic is required")
	}
	var err error
	switch *mode {
	case "produce":
		err = produce(*bootstrap, *topic, *codec, *start, *count, *timeout)
	case "consume":
		err = consume(*bootstrap, *topic, *count, *timeout)
	case "group":
		if *group == "" {
			lines.Fail("-group is required in mode group")
		}
		err = runGroup(*bootstrap, *topic, *group, *verbose)
	default:
		lines.Fail("-mode must be produce, consume or group, not %q", *mode)
	}
	if err != nil {
		lines.Fail("%v", err)
	}
}

func compressionCodec(name string) (kafka.CompressionCodec, error) {
	switch name {
	case "none":
		return nil, nil
	case "gzip":
		return gzip.NewCompressionCodec(), nil
	case "snappy":
		return snappy.NewCompressionCodec(), nil
	case "lz4":
		return lz4.NewCompressionCodec(), nil
	}
	return nil, fmt.Errorf("-codec %q: want none, gzip, snappy or lz4 (this release has no zstd)", name)
}

func produce(bootstrap, topic, codecName string, start, count int, timeout time.Duration) error {
	codec, err := compressionCodec(codecName)
	if err != nil {
		return err
	}
	w := kafka.NewWriter(kafka.WriterConfig{
		Brokers:      []string{bootstrap},
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		BatchSize:    count,
		BatchTimeout: 200 * time.Millisecond,
		RequiredAcks: -1,
		// A topic just created may not have its leader ready yet: retry like a real producer.
		// A resend that duplicated records would fail the tests' checks.
		MaxAttempts:      10,
		CompressionCodec: codec,
	})
	msgs := make([]kafka.Message, count)
	for n := range msgs {
		i := start + n
		msgs[n] = kafka.Message{Key: []byte(lines.Key(i)), Value: []byte(lines.Value(i))}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		w.Close()
		return fmt.Errorf("produce: %v", err)
	}
	return w.Close()
}

func partitionsOf(bootstrap, topic string) ([]int, error) {
	conn, err := kafka.Dial("tcp", bootstrap)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(topic)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(ps))
	for n, p := range ps {
		ids[n] = p.ID
	}
	return ids, nil
}

func consume(bootstrap, topic string, count int, timeout time.Duration) error {
	partitions, err := partitionsOf(bootstrap, topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %v", topic, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	msgs := make(chan kafka.Message)
	errs := make(chan error, len(partitions))
	for _, p := range partitions {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:   []string{bootstrap},
			Topic:     topic,
			Partition: p,
			MinBytes:  1,
			MaxBytes:  1 << 20,
			MaxWait:   200 * time.Millisecond,
		})
		defer r.Close()
		go func(r *kafka.Reader) {
			for {
				m, err := r.ReadMessage(ctx)
				if err != nil {
					errs <- err
					return
				}
				select {
				case msgs <- m:
				case <-ctx.Done():
					return
				}
			}
		}(r)
	}
	var out lines.Printer
	for got := 0; got < count; {
		select {
		case m := <-msgs:
			out.Record(int32(m.Partition), m.Offset, m.Key, m.Value)
			got++
		case e := <-errs:
			if errors.Is(e, context.DeadlineExceeded) {
				return fmt.Errorf("consume: read %d of %d records in %v", got, count, timeout)
			}
			return fmt.Errorf("consume: %v", e)
		}
	}
	return nil
}

// assignmentLog turns the reader's "subscribed to partitions: map[0:-2 2:5]" log line into
// "# assigned 0 2" (this release reports its assignment nowhere else) and copies the log to
// stderr when verbose.
type assignmentLog struct {
	out     *lines.Printer
	verbose bool
}

var subscribed = regexp.MustCompile(`subscribed to partitions: map\[(.*)\]`)
var partitionEntry = regexp.MustCompile(`(\d+):-?\d+`)

func (a assignmentLog) Write(b []byte) (int, error) {
	if a.verbose {
		os.Stderr.Write(b)
	}
	if m := subscribed.FindSubmatch(b); m != nil {
		var ps []int32
		for _, e := range partitionEntry.FindAllSubmatch(m[1], -1) {
			p, _ := strconv.Atoi(string(e[1]))
			ps = append(ps, int32(p))
		}
		a.out.Event("assigned", ps...)
	}
	return len(b), nil
}

func runGroup(bootstrap, topic, group string, verbose bool) error {
	out := &lines.Printer{}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{bootstrap},
		GroupID:           group,
		Topic:             topic,
		MinBytes:          1,
		MaxBytes:          1 << 20,
		MaxWait:           200 * time.Millisecond,
		HeartbeatInterval: 500 * time.Millisecond,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		CommitInterval:    0, // ReadMessage commits each record before returning it
		Logger:            log.New(assignmentLog{out: out, verbose: verbose}, "", 0),
		ErrorLogger:       log.New(os.Stderr, "[kafka-go] ", log.LstdFlags),
	})
	ctx := lines.UntilStdinCloses(context.Background())
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				break
			}
			r.Close()
			return fmt.Errorf("read as %s: %v", group, err)
		}
		out.Record(int32(m.Partition), m.Offset, m.Key, m.Value)
	}
	if err := r.Close(); err != nil {
		return fmt.Errorf("close: %v", err)
	}
	return nil
}
