"""Transactions with confluent-kafka: a committed transaction is read whole by read_committed
consumers, an aborted one never (read_uncommitted sees both); a newer producer epoch fences
the old producer; a transaction left open past its timeout is aborted by the coordinator."""
import pytest
from confluent_kafka import KafkaException, Producer

from conftest import wait_until
from txn_helpers import TXN_OVERRIDES, consume, create_topic, high_watermark


def txn_producer(broker, txn_id, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    conf.update(extra)
    p = Producer(conf)
    p.init_transactions(30)
    return p


def test_committed_read_whole_aborted_never(broker_factory):
    broker = broker_factory(TXN_OVERRIDES)
    create_topic(broker, "tv", 2)
    p = txn_producer(broker, "tv-1")
    p.begin_transaction()
    for i in range(5):
        p.produce("tv", value=f"a{i}".encode(), partition=i % 2)
    p.flush(30)
    p.abort_transaction(30)
    p.begin_transaction()
    for i in range(10):
        p.produce("tv", value=f"c{i}".encode(), partition=i % 2)
    p.commit_transaction(30)

    committed = consume(broker, "tv", 2, "read_committed", lambda r: len(r) >= 10)
    assert sorted(v for _, _, v in committed) == sorted(f"c{i}" for i in range(10))
    for part in (0, 1):
        assert [v for p_, _, v in committed if p_ == part] == [f"c{i}" for i in range(part, 10, 2)]
    # Partition 0: a0 a2 a4 (0-2), ABORT (3), c0 c2 c4 c6 c8 (4-8), COMMIT (9).
    assert [o for p_, o, _ in committed if p_ == 0] == [4, 5, 6, 7, 8]
    assert high_watermark(broker, "tv", 0) == 10
    assert high_watermark(broker, "tv", 1) == 9

    everything = consume(broker, "tv", 2, "read_uncommitted", lambda r: len(r) >= 15)
    assert len(everything) == 15
    assert [v for p_, _, v in everything if p_ == 0] == ["a0", "a2", "a4", "c0", "c2", "c4", "c6", "c8"]

    # After a restart the aborted index and the producer state come back from disk.
    broker.restart()
    again = consume(broker, "tv", 2, "read_committed", lambda r: len(r) >= 10)
    assert sorted(v for _, _, v in again) == sorted(f"c{i}" for i in range(10))


def test_new_epoch_fences_old_producer(broker_factory):
    broker = broker_factory(TXN_OVERRIDES)
    create_topic(broker, "tf", 1)
    old = txn_producer(broker, "tf-1")
    old.begin_transaction()
    old.produce("tf", value=b"zombie")
    old.flush(30)
    new = txn_producer(broker, "tf-1")  # bumps the epoch, aborts the open transaction
    with pytest.raises(KafkaException) as exc:
        old.commit_transaction(30)
    assert exc.value.args[0].fatal()
    new.begin_transaction()
    new.produce("tf", value=b"fresh")
    new.commit_transaction(30)
    committed = consume(broker, "tf", 1, "read_committed", lambda r: len(r) >= 1)
    assert [v for _, _, v in committed] == ["fresh"]
    # zombie (0), ABORT (1), fresh (2), COMMIT (3)
    assert committed[0][1] == 2


def test_open_transaction_aborted_after_timeout(broker_factory):
    broker = broker_factory(TXN_OVERRIDES)
    create_topic(broker, "tt", 1)
    stale = txn_producer(broker, "tt-stale", **{"transaction.timeout.ms": 2000})
    stale.begin_transaction()
    for i in range(3):
        stale.produce("tt", value=f"x{i}".encode())
    stale.flush(30)
    other = txn_producer(broker, "tt-other")
    other.begin_transaction()
    other.produce("tt", value=b"y0")
    other.commit_transaction(30)
    # The open transaction holds the last stable offset at 0 until the coordinator aborts it.
    committed = consume(broker, "tt", 1, "read_committed", lambda r: len(r) >= 1, timeout=60)
    assert [(o, v) for _, o, v in committed] == [(3, "y0")]
    wait_until(lambda: high_watermark(broker, "tt", 0) == 6, 30, message="abort marker")
    everything = consume(broker, "tt", 1, "read_uncommitted", lambda r: len(r) >= 4)
    assert [(o, v) for _, o, v in everything] == [(0, "x0"), (1, "x1"), (2, "x2"), (3, "y0")]
    # The aborted producer's epoch was bumped: it is fenced.
    with pytest.raises(KafkaException) as exc:
        stale.commit_transaction(30)
    assert exc.value.args[0].fatal() or exc.value.args[0].txn_requires_abort()
