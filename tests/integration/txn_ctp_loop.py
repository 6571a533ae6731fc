"""A consume-transform-produce loop (KIP-447 style): reads `in` with read_committed in group
`ctp`, writes value+"-out" to `out` and sends its offsets to the same transaction, 20 records
per transaction. Mode "forever" runs until killed; "drain" exits once it owns partitions and
has consumed them to their end.
usage: txn_ctp_loop.py BOOTSTRAP IN OUT TXN_ID forever|drain"""
import sys
from confluent_kafka import Consumer, KafkaException, Producer


def drained(consumer):
    assignment = consumer.assignment()
    if not assignment:
        return False
    # The group's committed offsets, not the consumer's positions: a loop that starts after
    # everything was processed consumes nothing, and its positions stay unknown (-1001).
    for tp in consumer.committed(assignment, timeout=10):
        high = consumer.get_watermark_offsets(tp, timeout=10)[1]
        if tp.offset < high:
            return False
    return True


def main():
    bootstrap, src, dst, txn_id, mode = sys.argv[1:6]
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
    producer.init_transactions(60)
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "ctp",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "session.timeout.ms": 6000,
    })
    consumer.subscribe([src])
    while True:
        msgs = consumer.consume(20, 0.5)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            if mode == "drain" and drained(consumer):
                break
            continue
        producer.begin_transaction()
        for m in msgs:
            producer.produce(dst, key=m.key(), value=m.value() + b"-out", partition=m.partition())
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata(), 60)
        producer.commit_transaction(60)
        print(f"committed {len(msgs)}", flush=True)
    consumer.close()


if __name__ == "__main__":
    try:
        main()
    except KafkaException as e:
        print(f"fatal: {e}", file=sys.stderr, flush=True)
        sys.exit(2)
