"""One fault run: a cluster in namespaces, the workload, a nemesis schedule, recovery, the drain
and the checker. Used by the CI test (a short schedule) and for long runs:

    sudo MOLDAU_BIN=build/bin MOLDAU_FAULT_SECONDS=1800 /usr/bin/python3 -m pytest -s \
        tests/faults/faults_test.py::test_nemesis_schedule

MOLDAU_FAULT_SEED replays a schedule; MOLDAU_FAULT_ARTIFACTS names a directory that keeps the
history (history.jsonl, which `python3 tests/faults/checker.py` checks again), the report and
every node's log, and the Java writer's stderr (j0.client.log).

The writers of TOPIC are w0 and w1 (librdkafka) and j0 (the Java client, tests/java FaultWriter,
compiled at the start; the run fails if Java or the jars are missing). Duplicates that librdkafka
sent itself under a bumped epoch are counted apart (attribute_duplicates); j0's never are.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

from confluent_kafka.admin import AdminClient, NewTopic

import checker
from fault_cluster import BIN, FaultCluster, wait_until
from nemesis import Nemesis, format_schedule, make_schedule
from workload import GroupReader, History, JavaWriter, TxnWriter, Writer, drain, group_offsets

# java_programs (tests/integration) compiles and runs tests/java; appended, so that no module of
# that directory shadows one of ours.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import java_programs  # noqa: E402

TOPIC = "jepsen"
TXN_TOPIC = "jepsen-txn"
GROUP = "jepsen-group"
RC_GROUP = "jepsen-rc"


def create_topics(cluster, specs, timeout=120):
    """specs: [(name, partitions, {config})], replication factor 3; waits until every replica is
    in sync."""
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    futures = admin.create_topics([NewTopic(n, p, replication_factor=len(cluster.brokers), config=cfg)
                                   for n, p, cfg in specs], operation_timeout=60, request_timeout=90)
    for f in futures.values():
        f.result(timeout)
    wait_until(lambda: cluster.all_in_sync({n: p for n, p, _ in specs}), timeout, interval=0.5,
               message=f"topics {[n for n, _, _ in specs]} fully replicated")


class Run:
    """Everything of one run; `report` and `text` after finish()."""

    def __init__(self, net, root, seed, seconds, partitions=3, broker_overrides=None, topic_config=None,
                 artifacts=None, log=print):
        self.net, self.root, self.seed, self.seconds = net, root, seed, seconds
        self.partitions = partitions
        self.log = log
        self.artifacts = artifacts
        self.cluster = FaultCluster(net, root, overrides=broker_overrides)
        self.topic_config = topic_config or {"min.insync.replicas": "2"}
        self.history = History()
        self.writers, self.txn_writers, self.readers, self.rc_readers = [], [], [], []
        self.nem = None
        self.recovered_s = None
        self.report = None
        self.text = ""
        self.steps = make_schedule(seed, seconds, partitions=partitions, topic=TOPIC)

    def java_writer_command(self):
        """The Java writer's command (compiling tests/java first); the run fails, not skips, when
        Java or the jars are missing: CI has them (scripts/setup)."""
        why = java_programs.missing()
        if why is not None:
            raise AssertionError(f"the fault run's Java writer (j0) cannot run: {why}")
        return java_programs.java_command("FaultWriter", heap="-Xmx256M")

    def start(self):
        java = self.java_writer_command()  # before the cluster: compiling takes a while
        self.cluster.start()
        create_topics(self.cluster, [(TOPIC, self.partitions, self.topic_config),
                                     (TXN_TOPIC, self.partitions, self.topic_config)])
        b = self.cluster.bootstrap
        h = self.history
        # MOLDAU_FAULT_CLIENT_DEBUG=eos,msg,... keeps each writer's librdkafka debug log beside
        # the brokers' logs (<writer>.client.log), to tell what the client did from what we did.
        debug = os.environ.get("MOLDAU_FAULT_CLIENT_DEBUG")
        self.writers = [Writer(f"w{i}", h, b, TOPIC, self.partitions,
                               debug_log=(debug, os.path.join(self.root, f"w{i}.client.log")) if debug else None)
                        for i in range(2)]
        # A writer of the Java client beside librdkafka's: its duplicates are never excused
        # (attribute_duplicates).
        self.writers.append(JavaWriter("j0", h, b, TOPIC, self.partitions, java,
                                       os.path.join(self.root, "j0.client.log")))
        self.txn_writers = [TxnWriter(f"t{i}", h, b, TXN_TOPIC, self.partitions, self.seed) for i in range(2)]
        # MOLDAU_FAULT_CONSUMER_DEBUG=topic,metadata,... does the same for the group members
        # (<member>.client.log): "topic" tells each offset reset and the broker that caused it.
        cdebug = os.environ.get("MOLDAU_FAULT_CONSUMER_DEBUG")
        self.readers = [GroupReader(f"c{i}", h, b, TOPIC, GROUP,
                                    debug_log=(cdebug, os.path.join(self.root, f"c{i}.client.log")) if cdebug else None)
                        for i in range(2)]
        self.rc_readers = [GroupReader(f"r{i}", h, b, TXN_TOPIC, RC_GROUP, isolation="read_committed")
                           for i in range(2)]
        for w in self.writers + self.txn_writers + self.readers + self.rc_readers:
            w.start()
        # The schedule starts once every writer has been acknowledged on every partition.
        wait_until(lambda: self._acked_everywhere(since=0), 120, interval=0.2,
                   message="first acknowledgements on every partition")

    def _acked_everywhere(self, since):
        done = {(w["process"], w["partition"]) for w in self.history.of("write") if w["ok"] and w["invoke"] >= since}
        return all((w.name, p) in done for w in self.writers for p in range(self.partitions))

    def nemesis(self):
        self.log(format_schedule(self.seed, self.seconds, self.steps))
        self.nem = Nemesis(self.cluster, self.history, self.seed, log=self.log)
        self.nem.run(self.steps, time.monotonic())

    def recover(self):
        """Heals everything; returns seconds until every partition was fully in sync again and
        writes were acknowledged on every partition."""
        t = self.history.now()
        self.history.add({"type": "nemesis", "phase": "start", "fault": "recover", "target": "all", "targets": [],
                          "t": t})
        start = time.monotonic()
        self.cluster.recover_all()
        wait_until(lambda: self.cluster.all_in_sync({TOPIC: self.partitions, TXN_TOPIC: self.partitions}), 180,
                   interval=0.5, message="every partition fully in sync after the faults")
        in_sync = time.monotonic() - start
        t_sync = self.history.now()
        wait_until(lambda: self._acked_everywhere(since=t_sync), 120, interval=0.2,
                   message="writes acknowledged on every partition after the faults")
        self.recovered_s = time.monotonic() - start
        self.history.add({"type": "nemesis", "phase": "end", "fault": "recover", "targets": [],
                          "t": self.history.now()})
        self.log(f"recovered: in sync after {in_sync:.1f}s, writing everywhere after {self.recovered_s:.1f}s")

    def finish_workload(self):
        for w in self.writers + self.txn_writers:
            w.stop()
        for w in self.writers + self.txn_writers:
            w.join(120)
        b = self.cluster.bootstrap
        drain(self.history, b, TOPIC, self.partitions)
        drain(self.history, b, TXN_TOPIC, self.partitions)
        drain(self.history, b, TXN_TOPIC, self.partitions, isolation="read_committed")
        # The groups read to the end of what survived, then commit and leave.
        last_visible = {}
        for f in self.history.of("final-log"):
            if (f["topic"] == TOPIC) or (f["topic"] == TXN_TOPIC and f["isolation"] == "read_committed"):
                if f["records"]:
                    last_visible[(f["topic"], f["partition"])] = f["records"][-1][0]

        def groups_caught_up():
            read = {}
            for r in self.history.of("read"):
                key = (r["topic"], r["partition"])
                read[key] = max(read.get(key, -1), r["offset"])
            return all(read.get(k, -1) >= v for k, v in last_visible.items())

        try:
            wait_until(groups_caught_up, 120, interval=0.5, message="the groups read to the end of the log")
        except AssertionError as e:
            self.history.add({"type": "note", "text": str(e)})
        for w in self.readers + self.rc_readers:
            w.stop()
        for w in self.readers + self.rc_readers:
            w.join(120)
        group_offsets(self.history, b, GROUP, TOPIC, self.partitions)
        group_offsets(self.history, b, RC_GROUP, TXN_TOPIC, self.partitions)

    def check(self):
        self.report = checker.check(self.history.events)
        for n in self.history.of("note"):
            self.report.notes.append(n["text"])
        for w in self.writers:
            if isinstance(w, JavaWriter):
                done = [e for e in self.history.of("write") if e["process"] == w.name]
                self.report.stats[f"writes_ok_{w.name}"] = sum(1 for e in done if e["ok"])
                self.report.notes.append(f"Java writer {w.name}: {self.report.stats[f'writes_ok_{w.name}']} "
                                         f"acknowledged, {sum(1 for e in done if not e['ok'])} failed, "
                                         f"{w.producers_made} producers")
        fatal = self.history.of("client-fatal")
        if fatal:
            self.report.notes.append(f"{len(fatal)} fatal client errors: {sorted({f['error'] for f in fatal})}")
        crashed = [b.node_id for b in self.cluster.brokers.values() if b.proc is not None and b.proc.poll() is not None]
        if crashed:
            self.report.notes.append(f"brokers exited on their own: {crashed}")
        self.format_text()
        return self.report

    def format_text(self):
        lines = [format_schedule(self.seed, self.seconds, self.steps), "faults as applied:"]
        for a in self.nem.applied if self.nem else []:
            lines.append(f"  [{a['started']:7.1f}s - {a['ended']:7.1f}s] {a['fault']:<30} {a['target']} -> "
                         f"{a['targets']}" + (f" ERROR {a['error']}" if a["error"] else ""))
        if self.recovered_s is not None:
            lines.append(f"recovery after the schedule: {self.recovered_s:.1f}s")
        lines.append(self.report.summary())
        self.text = "\n".join(lines)

    def attribute_duplicates(self):
        """Reads the batch that holds each copy of a duplicated value from the stopped brokers'
        segments. Copies in batches of one producer id under different epochs were sent again by
        the client after it bumped its epoch: librdkafka (2.0.2 here, and later) bumps the epoch
        when a batch behind a refused one gets OUT_OF_ORDER_SEQUENCE_NUMBER (the refusal Kafka's
        leader gives too: a batch refused with NOT_ENOUGH_REPLICAS, then the ISR grew back), and
        renumbers from sequence 0 what it still holds, including a batch whose fate it did not know
        (a timeout, NOT_ENOUGH_REPLICAS_AFTER_APPEND). A leader cannot tell such a record from a new
        one, Kafka's no more than ours, so these are counted apart (resent_after_epoch_bump) and
        do not fail the run. Copies under one epoch are the leader's fault and stay anomalies, as
        does anything that cannot be read back, and any duplicate of a Java writer's value: the
        Java client fails a batch of unknown fate rather than send it again under a new epoch."""
        r = self.report
        dups = r.anomalies.get("duplicated", []) if r else []
        if not dups or r.counts["duplicated"] != len(dups):  # examples capped: judge none
            return
        resent = []
        for d in dups:
            batches = [batch_holding(self.cluster, d["topic"], d["partition"], o) for o in d["offsets"]]
            for o, b in zip(d["offsets"], batches):
                r.notes.append(f"{d['value']} at {d['topic']}/{d['partition']} offset {o}: "
                               + (describe_batch(b) if b else "in no broker's segments"))
            if written_by_java(d["value"]):
                r.notes.append(f"{d['value']} was written by the Java client, which sends nothing of unknown fate "
                               f"again under a new epoch: the broker's duplicate")
            elif all(batches) and len({b["producer_id"] for b in batches}) == 1 and \
                    len({b["epoch"] for b in batches}) == len(batches):
                resent.append(d)
        for d in resent:
            r.anomalies["duplicated"].remove(d)
            r.counts["duplicated"] -= 1
        if resent:
            r.stats["resent_after_epoch_bump"] = len(resent)
            r.notes.append(f"{len(resent)} duplicated values were sent again by the client under a bumped "
                           f"producer epoch (not an anomaly of the broker): {[d['value'] for d in resent]}")
        self.format_text()

    def save(self, status="done"):
        """Keeps the history, report and logs in `artifacts` (when given)."""
        if not self.artifacts:
            return
        os.makedirs(self.artifacts, exist_ok=True)
        self.history.dump(os.path.join(self.artifacts, "history.jsonl"))
        with open(os.path.join(self.artifacts, "report.txt"), "w") as f:
            f.write(f"status: {status}\n{self.text}\n")
        if self.report is not None:
            with open(os.path.join(self.artifacts, "report.json"), "w") as f:
                json.dump(self.report.to_json(), f, indent=1)
        for name in os.listdir(self.root):
            if name.endswith(".log"):
                shutil.copy(os.path.join(self.root, name), os.path.join(self.artifacts, name))

    def stop(self):
        """Stops workers still running (after a failure) and the cluster."""
        workers = self.writers + self.txn_writers + self.readers + self.rc_readers
        for w in workers:
            w.stop()
        for w in workers:
            try:
                w.join(60)
            except AssertionError:
                pass
            if isinstance(w, JavaWriter):
                w.kill()
        return self.cluster.stop()


def execute(net, root, seed, seconds, **kw):
    """A whole run; returns the Run (its report checked). Always stops the cluster and saves."""
    run = Run(net, root, seed, seconds, **kw)
    status = "failed"
    try:
        run.start()
        run.nemesis()
        run.recover()
        run.finish_workload()
        run.check()
        status = "done"
        return run
    finally:
        if run.report is None:
            try:
                run.check()
            except Exception:  # noqa: BLE001 - a partial history: save what there is
                pass
        run.stop_codes = run.stop()
        try:
            run.attribute_duplicates()
        except Exception as e:  # noqa: BLE001 - the report stands as the checker made it
            run.text += f"\n(duplicates not attributed: {e!r})"
        run.save(status)


def written_by_java(value):
    """Values of the Java writers are "j<i>-<n>"."""
    return value.startswith("j")


_BATCH_LINE = re.compile(r"baseOffset: (-?\d+) lastOffset: (-?\d+) count: \d+ baseSequence: (-?\d+) "
                         r"lastSequence: (-?\d+) producerId: (-?\d+) producerEpoch: (-?\d+)")


def batch_holding(cluster, topic, partition, offset):
    """The header of the batch that holds `offset` (a dict), from the first broker whose copy has
    it; None when none has."""
    for b in sorted(cluster.brokers.values(), key=lambda b: b.node_id):
        segments = sorted(glob.glob(os.path.join(b.log_dir, f"{topic}-{partition}", "*.log")))
        if not segments:
            continue
        out = subprocess.run([os.path.join(BIN, "kafka-dump-log"), "--files", ",".join(segments)],
                             capture_output=True, text=True, timeout=120).stdout
        for m in _BATCH_LINE.finditer(out):
            base, last, first_seq, last_seq, pid, epoch = map(int, m.groups())
            if base <= offset <= last:
                return {"base": base, "last": last, "first_seq": first_seq, "last_seq": last_seq,
                        "producer_id": pid, "epoch": epoch, "broker": b.node_id}
    return None


def describe_batch(b):
    return (f"batch {b['base']}-{b['last']} of producerId {b['producer_id']} epoch {b['epoch']} "
            f"sequences {b['first_seq']}-{b['last_seq']} (broker {b['broker']})")
