"""An idempotent producer whose connections are cut mid-stream (the broker killed with
SIGKILL and restarted while it produces) writes every record exactly once, in order per
partition: retried batches are recognised by their sequence numbers, also after recovery
rebuilt the producer state from the snapshot and the log."""
import threading

from confluent_kafka import Producer

from conftest import wait_until
from txn_helpers import consume, create_topic

N = 6000
PARTITIONS = 3


def test_idempotent_producer_survives_broker_kills(broker_factory):
    broker = broker_factory()
    create_topic(broker, "idem", PARTITIONS)
    acked = []
    errors = []

    def on_delivery(err, msg):
        if err:
            errors.append(err)
        else:
            acked.append(msg.offset())

    p = Producer({
        "bootstrap.servers": broker.bootstrap,
        "enable.idempotence": True,
        "linger.ms": 2,
        "batch.num.messages": 50,
        "message.timeout.ms": 120000,
        "reconnect.backoff.ms": 50,
        "reconnect.backoff.max.ms": 200,
    })
    stop = threading.Event()

    def pump():
        while not stop.is_set():
            p.poll(0.05)

    poller = threading.Thread(target=pump)
    poller.start()
    try:
        for i in range(N):
            while True:
                try:
                    p.produce("idem", key=str(i % PARTITIONS).encode(), value=f"{i}".encode(),
                              partition=i % PARTITIONS, on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.05)
            if i in (N // 3, 2 * N // 3):
                # Cut the connections while batches are in flight.
                wait_until(lambda: len(acked) > i // 2, 60, message="some acknowledged")
                broker.kill()
                broker.start()
        assert p.flush(120) == 0
    finally:
        stop.set()
        poller.join()
    assert errors == []
    assert len(acked) == N

    records = consume(broker, "idem", PARTITIONS, "read_uncommitted", lambda r: len(r) >= N, timeout=120)
    values = [int(v) for _, _, v in records]
    assert len(values) == N
    assert sorted(values) == list(range(N))
    for part in range(PARTITIONS):
        in_part = [int(v) for p_, _, v in records if p_ == part]
        assert in_part == list(range(part, N, PARTITIONS))
