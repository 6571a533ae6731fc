"""The workload of a fault run, with confluent-kafka (librdkafka) clients in threads of the test
process, every operation logged with its result to a History (the checker's input):

- Writers: idempotent acks=all producers, values "w<i>-<n>" round-robin over the partitions of
  one topic, paced; a delivery report is an acknowledgement (ok, with its offset) or a failure
  (indeterminate: the record may or may not be in the log). A producer that hits a fatal error
  is replaced. Beside them, a writer of the Java client (JavaWriter, a process of its own)
  writing "j<i>-<n>" and logging the same events.
- Group consumers: members of one group reading that topic, committing what they read.
- Transactional producers: each transaction writes a few records "t<i>-<n>-<k>" to another
  topic and then commits or aborts (the choice seeded); the outcome is committed, aborted, or
  unknown when the commit's fate cannot be known (a fatal error, a timeout).
- read_committed consumers: members of a second group reading the transactional topic.
- The drain, after the faults: every partition read from its start to its high watermark,
  read_uncommitted (and read_committed for the transactional topic), and the groups' committed
  offsets.
"""
import json
import logging
import os
import random
import selectors
import subprocess
import threading
import time
import traceback

from confluent_kafka import (Consumer, KafkaError, KafkaException, OFFSET_BEGINNING, Producer,
                             TopicPartition)


class History:
    """Events in the order they happened, appended from any thread; times are seconds since
    the History was made."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.events = []
        self.lock = threading.Lock()

    def now(self):
        return round(time.monotonic() - self.t0, 4)

    def add(self, event):
        with self.lock:
            self.events.append(event)

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e["type"] == kind]

    def dump(self, path):
        with self.lock, open(path, "w") as f:
            for e in self.events:
                f.write(json.dumps(e) + "\n")


def _err(err):
    if isinstance(err, KafkaException):
        err = err.args[0]
    if isinstance(err, KafkaError):
        return err.name()
    return repr(err)


def file_logger(name, path):
    """A logger writing to `path` only (a client's librdkafka debug log)."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    return logger


class Worker:
    """A thread that runs until stop()."""

    def __init__(self, name):
        self.name = name
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.crash = None

    def start(self):
        self.thread.start()
        return self

    def _main(self):
        try:
            self.run()
        except BaseException as e:  # noqa: BLE001 - reported by join()
            self.crash = e
            traceback.print_exc()

    def stop(self):
        self.stopping.set()

    def join(self, timeout=120):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError(f"{self.name} did not stop within {timeout}s")
        if self.crash is not None:
            raise AssertionError(f"{self.name} crashed: {self.crash!r}") from self.crash


class Writer(Worker):
    """An idempotent acks=all producer writing `rate` records/s round-robin over `partitions`."""

    # message.timeout.ms well above any outage a schedule causes (12 s at most so far): when a
    # message times out, librdkafka bumps the producer epoch and sends what it still holds again
    # under the new epoch from sequence 0, which duplicates records that were persisted but not
    # yet acknowledged (seen in a 30-minute run: epoch 1 sequences 0-366 and epoch 2 sequences
    # 0-499 holding the same records; confluentinc/librdkafka#4953). That is the client's doing,
    # and not what these tests are about. librdkafka also bumps the epoch when batches behind one
    # refused with NOT_ENOUGH_REPLICAS get OUT_OF_ORDER_SEQUENCE_NUMBER; fault_run tells those
    # resends apart by the epochs of the batches (docs/reliability.md).
    def __init__(self, name, history, bootstrap, topic, partitions, rate=100, message_timeout_ms=120000,
                 debug_log=None):
        super().__init__(name)
        self.debug_log = debug_log  # (librdkafka debug contexts, file): the client's own account
        self.history, self.bootstrap, self.topic, self.partitions = history, bootstrap, topic, partitions
        self.rate = rate
        self.message_timeout_ms = message_timeout_ms
        self.invoked = {}  # value -> invoke time, until its delivery report
        self.n = 0
        self.producers_made = 0

    def make_producer(self):
        self.producers_made += 1
        self.fatal = None

        def on_error(err):
            if err.fatal():
                self.fatal = err

        conf = {"bootstrap.servers": self.bootstrap, "enable.idempotence": True, "acks": "all",
                "linger.ms": 5, "message.timeout.ms": self.message_timeout_ms,
                "request.timeout.ms": 5000, "retry.backoff.ms": 100,
                "reconnect.backoff.max.ms": 1000, "topic.metadata.refresh.interval.ms": 2000,
                "error_cb": on_error}
        if self.debug_log:
            contexts, path = self.debug_log
            conf.update({"debug": contexts, "logger": file_logger(f"librdkafka.{self.name}", path)})
        return Producer(conf)

    def on_delivery(self, err, msg):
        value = msg.value().decode()
        invoke = self.invoked.pop(value)
        ok = err is None
        self.history.add({"type": "write", "process": self.name, "topic": self.topic, "partition": msg.partition(),
                          "value": value, "invoke": invoke, "complete": self.history.now(), "ok": ok,
                          "offset": msg.offset() if ok else None, "error": None if ok else _err(err)})

    def on_fatal(self, e):
        """produce() and poll() raise once the producer has a fatal error, perhaps before error_cb
        told of it: the producer is replaced as for error_cb's report."""
        if not e.args[0].fatal():
            raise e
        self.fatal = e.args[0]

    def abandon(self):
        """What a fatal producer never reported on stays unknown (indeterminate), as a failed write."""
        for value, invoke in list(self.invoked.items()):
            self.history.add({"type": "write", "process": self.name, "topic": self.topic,
                              "partition": int(value.rsplit("-", 1)[1]) % self.partitions,
                              "value": value, "invoke": invoke, "complete": self.history.now(),
                              "ok": False, "offset": None, "error": "no delivery report (fatal producer)"})
        self.invoked.clear()

    def poll(self, p, timeout):
        try:
            p.poll(timeout)
        except KafkaException as e:
            self.on_fatal(e)

    def run(self):
        p = self.make_producer()
        start = time.monotonic()
        while not self.stopping.is_set():
            if self.fatal is not None:
                # An idempotent producer's fatal error (e.g. an out-of-order sequence the broker
                # reports) ends that producer; what it still held fails, and a new one goes on.
                self.history.add({"type": "client-fatal", "process": self.name, "error": _err(self.fatal),
                                  "t": self.history.now()})
                for call in (p.purge, lambda: p.flush(5)):
                    try:
                        call()
                    except KafkaException:  # the fatal producer refuses: it has failed its queue itself
                        pass
                self.abandon()
                p = self.make_producer()
            if len(self.invoked) >= 500 or self.n >= (time.monotonic() - start) * self.rate:
                self.poll(p, 0.01)
                continue
            value = f"{self.name}-{self.n}"
            partition = self.n % self.partitions
            self.invoked[value] = self.history.now()
            try:
                p.produce(self.topic, value=value.encode(), partition=partition, on_delivery=self.on_delivery)
                self.n += 1
            except BufferError:
                del self.invoked[value]
                self.poll(p, 0.05)
            except KafkaException as e:
                del self.invoked[value]
                self.on_fatal(e)
                continue
            self.poll(p, 0)
        # Stop: every record still held resolves (acknowledged or failed) within the timeout.
        deadline = time.monotonic() + self.message_timeout_ms / 1000 + 30
        while self.invoked and time.monotonic() < deadline and self.fatal is None:
            self.poll(p, 0.1)
        if self.fatal is not None:  # it reports on nothing more: what it held stays unknown
            self.abandon()
        if self.invoked:
            raise AssertionError(f"{len(self.invoked)} records without a delivery report after the message timeout")


class JavaWriter(Worker):
    """An idempotent acks=all producer of the Java client (tests/java FaultWriter, a process of its
    own), writing "<name>-<n>" as Writer does and adding the same "write" events. The Java client
    does not send a record of unknown fate again under a bumped epoch, so any duplicate of its
    values is the broker's.

    The pacing is ours: each "send n" line we write is the operation's invoke, stamped before the
    program can have sent it (an invoke earlier than reality only widens the operation's window),
    and a completion is stamped when its line is read (no earlier than the real one)."""

    MAX_PENDING = 500

    def __init__(self, name, history, bootstrap, topic, partitions, command, stderr_path, rate=100,
                 delivery_timeout_ms=120000):
        super().__init__(name)
        self.history, self.topic, self.partitions = history, topic, partitions
        self.rate = rate
        self.delivery_timeout_ms = delivery_timeout_ms
        self.argv = [*command, bootstrap, topic, str(partitions), name, str(delivery_timeout_ms)]
        self.stderr_path = stderr_path
        self.proc = None
        self.invoked = {}  # value -> invoke time, until its completion line
        self.n = 0
        self.producers_made = 0
        self.done = None   # the program's last line

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def on_line(self, line):
        e = json.loads(line)
        kind = e["event"]
        if kind == "complete":
            value = e["value"]
            if value not in self.invoked:
                raise AssertionError(f"{self.name}: a completion of {value}, never sent or completed twice")
            assert e["partition"] == int(value.rsplit("-", 1)[1]) % self.partitions, line
            invoke = self.invoked.pop(value)
            ok = e["ok"]
            self.history.add({"type": "write", "process": self.name, "topic": self.topic,
                              "partition": e["partition"], "value": value, "invoke": invoke,
                              "complete": self.history.now(), "ok": ok, "offset": e["offset"] if ok else None,
                              "error": None if ok else e["error"]})
        elif kind == "fatal":
            self.history.add({"type": "client-fatal", "process": self.name, "error": e["error"],
                              "t": self.history.now()})
        elif kind == "producer":
            self.producers_made = e["count"]
        elif kind == "done":
            self.done = e
        elif kind != "invoke":
            raise AssertionError(f"{self.name}: unexpected line {line!r}")

    def tell(self, line):
        """Writes a line to the program; False when it is gone (its exit code says why)."""
        try:
            self.proc.stdin.write(line)
            self.proc.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def run(self):
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        try:
            self._converse()
        finally:
            self.kill()

    def _converse(self):
        out = self.proc.stdout.fileno()
        sel = selectors.DefaultSelector()
        sel.register(out, selectors.EVENT_READ)
        buf = b""
        start = time.monotonic()
        stop_deadline = None
        eof = False
        gone = False  # its stdin is closed: it died (judged at its exit) or was told to stop
        while not eof:
            if stop_deadline is None and self.stopping.is_set():
                if self.tell(b"stop\n"):
                    self.proc.stdin.close()
                gone = True
                # The program waits up to the delivery timeout for what is pending.
                stop_deadline = time.monotonic() + self.delivery_timeout_ms / 1000 + 60
            if stop_deadline is not None and time.monotonic() > stop_deadline:
                raise AssertionError(f"{self.name}: the Java writer did not finish within the delivery timeout "
                                     f"({len(self.invoked)} records pending)")
            if not gone and len(self.invoked) < self.MAX_PENDING and \
                    self.n < (time.monotonic() - start) * self.rate:
                value = f"{self.name}-{self.n}"
                self.invoked[value] = self.history.now()  # before the program can read the line
                if self.tell(f"send {self.n}\n".encode()):
                    self.n += 1
                else:
                    del self.invoked[value]
                    gone = True
                timeout = 0
            else:
                timeout = 0.01
            if sel.select(timeout):
                chunk = os.read(out, 65536)
                if not chunk:
                    eof = True
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    if line.strip():
                        self.on_line(line.decode())
        code = self.proc.wait(60)
        if code != 0 or self.done is None:
            raise AssertionError(f"{self.name}: the Java writer exited with {code}"
                                 f"{'' if self.done else ' without its last line'}; see {self.stderr_path}")
        if stop_deadline is None:
            raise AssertionError(f"{self.name}: the Java writer ended before it was told to stop")
        if self.invoked:
            raise AssertionError(f"{self.name}: {len(self.invoked)} records without a completion")


class GroupReader(Worker):
    """A member of `group` reading `topic`, committing the offsets after what it read."""

    def __init__(self, name, history, bootstrap, topic, group, isolation="read_uncommitted",
                 commit_every_s=1.0, debug_log=None):
        super().__init__(name)
        self.debug_log = debug_log  # (librdkafka debug contexts, file), as Writer's
        self.history, self.bootstrap, self.topic, self.group = history, bootstrap, topic, group
        self.isolation = isolation
        self.commit_every_s = commit_every_s
        self.segment = {}    # partition -> assignments so far
        self.position = {}   # partition -> offset after the last record read, in this assignment
        self.last_read = time.monotonic()

    def on_assign(self, consumer, partitions):
        for tp in partitions:
            self.segment[tp.partition] = self.segment.get(tp.partition, 0) + 1
            self.position.pop(tp.partition, None)
        self.history.add({"type": "assign", "process": self.name, "group": self.group, "t": self.history.now(),
                          "partitions": [tp.partition for tp in partitions]})

    def on_revoke(self, consumer, partitions):
        self.commit(consumer)  # what was read, before another member takes over
        for tp in partitions:
            self.position.pop(tp.partition, None)
        self.history.add({"type": "revoke", "process": self.name, "group": self.group, "t": self.history.now(),
                          "partitions": [tp.partition for tp in partitions]})

    def commit(self, consumer):
        offsets = [TopicPartition(self.topic, p, o) for p, o in sorted(self.position.items())]
        if not offsets:
            return
        t = self.history.now()
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
            ok, error = True, None
        except KafkaException as e:
            ok, error = False, _err(e)
        self.history.add({"type": "commit", "process": self.name, "group": self.group, "t": t, "ok": ok,
                          "error": error, "offsets": [{"topic": self.topic, "partition": tp.partition,
                                                       "offset": tp.offset} for tp in offsets]})

    def make_consumer(self):
        conf = {"bootstrap.servers": self.bootstrap, "group.id": self.group,
                "enable.auto.commit": False, "auto.offset.reset": "earliest",
                "isolation.level": self.isolation, "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 120000,
                "topic.metadata.refresh.interval.ms": 2000, "reconnect.backoff.max.ms": 1000,
                "client.id": self.name}
        if self.debug_log:
            contexts, path = self.debug_log
            conf.update({"debug": contexts, "logger": file_logger(f"librdkafka.{self.name}", path)})
        return Consumer(conf)

    def run(self):
        c = self.make_consumer()
        c.subscribe([self.topic], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_revoke)
        last_commit = time.monotonic()
        try:
            while not self.stopping.is_set():
                m = c.poll(0.2)
                if m is not None and not m.error():
                    p = m.partition()
                    self.history.add({"type": "read", "process": self.name, "group": self.group,
                                      "isolation": self.isolation, "topic": self.topic, "partition": p,
                                      "offset": m.offset(), "value": m.value().decode(), "t": self.history.now(),
                                      "segment": self.segment.get(p, 0)})
                    self.position[p] = m.offset() + 1
                    self.last_read = time.monotonic()
                elif m is not None and m.error().fatal():
                    raise KafkaException(m.error())
                if time.monotonic() - last_commit >= self.commit_every_s:
                    self.commit(c)
                    last_commit = time.monotonic()
            self.commit(c)
        finally:
            c.close()


class TxnWriter(Worker):
    """A transactional producer: transactions of `size` records over the partitions of `topic`,
    each committed or aborted (with probability abort_ratio), seeded."""

    def __init__(self, name, history, bootstrap, topic, partitions, seed, size=4, abort_ratio=0.3,
                 pause_s=0.2):
        super().__init__(name)
        self.history, self.bootstrap, self.topic, self.partitions = history, bootstrap, topic, partitions
        self.rng = random.Random(f"{seed}-{name}")
        self.size, self.abort_ratio, self.pause_s = size, abort_ratio, pause_s
        self.txn_id = f"moldau-faults-{name}"

    def make_producer(self):
        p = Producer({"bootstrap.servers": self.bootstrap, "transactional.id": self.txn_id,
                      "transaction.timeout.ms": 15000, "message.timeout.ms": 15000, "request.timeout.ms": 5000,
                      "retry.backoff.ms": 100, "reconnect.backoff.max.ms": 1000,
                      "topic.metadata.refresh.interval.ms": 2000})
        deadline = time.monotonic() + 120
        while True:
            try:
                p.init_transactions(10)
                return p
            except KafkaException as e:
                if e.args[0].fatal() or time.monotonic() > deadline or self.stopping.is_set():
                    raise
                self.history.add({"type": "client-error", "process": self.name, "op": "init_transactions",
                                  "error": _err(e), "t": self.history.now()})

    def run(self):
        p = None
        n = 0
        while not self.stopping.is_set():
            if p is None:
                try:
                    p = self.make_producer()
                except KafkaException as e:
                    if self.stopping.is_set():
                        return
                    self.history.add({"type": "client-error", "process": self.name, "op": "init_transactions",
                                      "error": _err(e), "t": self.history.now()})
                    p = None
                    time.sleep(1)  # backoff before a fresh producer, not a wait for a condition
                    continue
            tid = f"{self.name}-{n}"
            n += 1
            intent = "abort" if self.rng.random() < self.abort_ratio else "commit"
            records = [{"topic": self.topic, "partition": self.rng.randrange(self.partitions),
                        "value": f"{tid}-{k}", "offset": None} for k in range(self.size)]
            event = {"type": "txn", "process": self.name, "id": tid, "intent": intent, "records": records,
                     "invoke": self.history.now(), "outcome": "unknown", "error": None, "complete": None}
            p, outcome_error = self.one_transaction(p, event)
            event["complete"] = self.history.now()
            event["error"] = outcome_error
            self.history.add(event)
            time.sleep(self.pause_s)  # pacing of the workload
        if p is not None:
            p.flush(10)

    def one_transaction(self, p, event):
        """Runs one transaction; sets event["outcome"]; returns (producer or None, error)."""
        by_value = {r["value"]: r for r in event["records"]}

        def on_delivery(err, msg):
            if err is None:
                by_value[msg.value().decode()]["offset"] = msg.offset()

        try:
            p.begin_transaction()
            for r in event["records"]:
                p.produce(self.topic, value=r["value"].encode(), partition=r["partition"], on_delivery=on_delivery)
            if event["intent"] == "commit":
                p.flush(20)
                self.finish(p, commit=True)
                event["outcome"] = "committed"
            else:
                p.flush(20)
                self.finish(p, commit=False)
                event["outcome"] = "aborted"
            p.poll(0)
            return p, None
        except KafkaException as e:
            err = e.args[0]
            if err.txn_requires_abort():
                try:
                    self.finish(p, commit=False)
                    event["outcome"] = "aborted"
                    return p, _err(e)
                except KafkaException as e2:
                    return self.abandon(p, f"{_err(e)}; abort: {_err(e2)}")
            return self.abandon(p, _err(e))

    def finish(self, p, commit):
        """commit_transaction or abort_transaction, retried while the error is retriable."""
        deadline = time.monotonic() + 60
        while True:
            try:
                (p.commit_transaction if commit else p.abort_transaction)(15)
                return
            except KafkaException as e:
                if not e.args[0].retriable() or time.monotonic() > deadline:
                    raise

    def abandon(self, p, error):
        # The outcome stays unknown: a new producer with the same transactional.id fences this
        # one, and the coordinator completes or aborts what it had.
        try:
            p.purge()
            p.flush(1)
        except Exception:  # noqa: BLE001
            pass
        return None, error


def drain(history, bootstrap, topic, partitions, isolation="read_uncommitted", timeout=180):
    """Reads every partition of `topic` from its start to its high watermark and logs one
    final-log event per partition. Fails if a partition cannot be read to its end in time."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "moldau-faults-drain", "enable.auto.commit": False,
                  "isolation.level": isolation, "auto.offset.reset": "earliest",
                  "enable.partition.eof": True, "topic.metadata.refresh.interval.ms": 2000})
    try:
        for p in range(partitions):
            tp = TopicPartition(topic, p)
            deadline = time.monotonic() + timeout
            low, high = c.get_watermark_offsets(tp, timeout=30)
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING)])
            records = []
            while True:
                position = c.position([TopicPartition(topic, p)])[0].offset
                if position >= high or (high == 0):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"drain of {topic}/{p} ({isolation}) stuck at {position} of {high}")
                m = c.poll(0.5)
                if m is None:
                    continue
                if m.error():
                    # The end for this isolation level: the high watermark, or for read_committed
                    # the last stable offset, which is the high watermark once no transaction is open.
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if m.offset() >= high:
                            break
                        continue
                    raise KafkaException(m.error())
                if m.offset() < high:
                    records.append([m.offset(), m.value().decode()])
            history.add({"type": "final-log", "isolation": isolation, "topic": topic, "partition": p,
                         "records": records, "end": high, "start": low})
            c.unassign()
    finally:
        c.close()


def group_offsets(history, bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        committed = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=30)
    finally:
        c.close()
    history.add({"type": "group-offsets", "group": group,
                 "offsets": [{"topic": topic, "partition": tp.partition, "offset": tp.offset}
                             for tp in committed if tp.offset >= 0]})
