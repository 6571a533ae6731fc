"""The checker: reads a history of operations (what every producer, consumer and the nemesis
did, with results and times) and reports what a correct Kafka log forbids, in the manner of
Jepsen's Kafka queue and list-append tests.

A history is a list of JSON-able events (workload.History writes them, one per line):

  write         {"process", "topic", "partition", "value", "invoke", "complete", "ok",
                 "offset", "error"}          an idempotent acks=all produce
  txn           {"process", "id", "records": [{"topic", "partition", "value", "offset"}],
                 "intent": "commit"|"abort", "outcome": "committed"|"aborted"|"unknown",
                 "invoke", "complete", "error"}
  read          {"process", "group", "isolation", "topic", "partition", "offset", "value",
                 "t", "segment"}             one record a consumer returned; `segment` counts
                                             the consumer's assignments of that partition
  commit        {"process", "group", "offsets": [{"topic", "partition", "offset"}], "ok",
                 "error", "t"}
  nemesis       {"phase": "start"|"end", "fault", "targets", "t", ...}
  final-log     {"isolation", "topic", "partition", "records": [[offset, value], ...],
                 "end"}                      the drain after the faults, read from offset 0
                                             up to the high watermark `end`
  group-offsets {"group", "offsets": [{"topic", "partition", "offset"}]}   after the drain

Values are unique per produce call (writer and sequence number), so a value names one
operation. Times are seconds since the run began.

Anomalies (each a list of examples in the report; `ok` only when all are empty):
  lost             acknowledged writes, records of committed transactions, or records any
                   consumer read, that are not in the final log
  duplicated       a value at more than one offset (in the final log or in any reads/acks)
  offset_conflict  two different values at one offset, across acks, reads and the final log
  aborted_read     a record of an aborted transaction returned to a read_committed reader
  nonmonotonic     a consumer, within one assignment of a partition, went back or repeated
  skipped          a consumer, within one assignment, jumped over records the final log has
                   (visible at its isolation level): a gap the log does not explain
  committed_beyond_log   a group committed an offset past the partition's final end
  group_unread     a record below a group's final committed offset that no member read
Measurements (not anomalies):
  unavailability   per fault: the longest stretch, from the fault's start until the next one,
                   in which some partition had no write acknowledged
"""
import json
import sys
from collections import defaultdict

ANOMALIES = ["lost", "duplicated", "offset_conflict", "aborted_read", "nonmonotonic", "skipped",
             "committed_beyond_log", "group_unread"]
MAX_EXAMPLES = 20


class Report:
    def __init__(self):
        self.anomalies = {k: [] for k in ANOMALIES}
        self.counts = {k: 0 for k in ANOMALIES}
        self.stats = {}
        self.unavailability = []   # one dict per fault
        self.notes = []

    def add(self, kind, example):
        self.counts[kind] += 1
        if len(self.anomalies[kind]) < MAX_EXAMPLES:
            self.anomalies[kind].append(example)

    @property
    def ok(self):
        return not any(self.counts.values())

    def longest_unavailability(self):
        return max((u["unavailable_s"] for u in self.unavailability), default=0.0)

    def to_json(self):
        return {"ok": self.ok, "counts": self.counts, "anomalies": self.anomalies, "stats": self.stats,
                "unavailability": self.unavailability, "notes": self.notes}

    def summary(self):
        lines = []
        s = self.stats
        lines.append(f"writes: {s.get('writes_ok', 0)} acknowledged, {s.get('writes_failed', 0)} failed "
                     f"(indeterminate); transactions: {s.get('txns_committed', 0)} committed, "
                     f"{s.get('txns_aborted', 0)} aborted, {s.get('txns_unknown', 0)} unknown; "
                     f"reads: {s.get('reads', 0)}; final log: {s.get('final_records', 0)} records")
        for kind in ANOMALIES:
            mark = "ok  " if self.counts[kind] == 0 else "FAIL"
            lines.append(f"  {mark} {kind}: {self.counts[kind]}")
            for ex in self.anomalies[kind][:5]:
                lines.append(f"         e.g. {json.dumps(ex, sort_keys=True)}")
        if self.unavailability:
            lines.append("unavailability after each fault (longest stretch without an acknowledged write "
                         "on some partition, until the next fault):")
            for u in self.unavailability:
                lines.append(f"  t={u['t']:7.1f}s {u['fault']:<28} {str(u['targets']):<24} "
                             f"{u['unavailable_s']:6.1f}s ({u['partition']}, {u['failed']} writes failed)")
            lines.append(f"  longest: {self.longest_unavailability():.1f}s")
        for n in self.notes:
            lines.append(f"note: {n}")
        lines.append("RESULT: " + ("no anomalies" if self.ok else
                                   "ANOMALIES: " + ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)))
        return "\n".join(lines)


def _tp(e):
    return (e["topic"], e["partition"])


def check(events):
    r = Report()
    writes = [e for e in events if e["type"] == "write"]
    txns = [e for e in events if e["type"] == "txn"]
    reads = [e for e in events if e["type"] == "read"]
    commits = [e for e in events if e["type"] == "commit"]
    nemesis = [e for e in events if e["type"] == "nemesis"]
    finals = [e for e in events if e["type"] == "final-log"]
    group_offsets = [e for e in events if e["type"] == "group-offsets"]

    # The final log, per isolation level: tp -> {offset: value}, and its end.
    final = defaultdict(dict)       # read_uncommitted (every record, aborted ones included)
    final_rc = {}                   # read_committed, for the partitions drained that way
    final_end = {}
    for f in finals:
        tp = _tp(f)
        target = final[tp] if f["isolation"] != "read_committed" else final_rc.setdefault(tp, {})
        for offset, value in f["records"]:
            target[offset] = value
        final_end[tp] = max(final_end.get(tp, 0), f["end"])
    final_where = defaultdict(set)  # (tp, value) -> offsets in the final log
    for tp, recs in final.items():
        for offset, value in recs.items():
            final_where[(tp, value)].add(offset)

    r.stats.update({
        "writes_ok": sum(1 for w in writes if w["ok"]),
        "writes_failed": sum(1 for w in writes if not w["ok"]),
        "txns_committed": sum(1 for t in txns if t["outcome"] == "committed"),
        "txns_aborted": sum(1 for t in txns if t["outcome"] == "aborted"),
        "txns_unknown": sum(1 for t in txns if t["outcome"] == "unknown"),
        "reads": len(reads),
        "final_records": sum(len(v) for v in final.values()),
    })

    # Every observation of (tp, offset) -> value, with where it came from.
    seen_at = defaultdict(dict)     # (tp, offset) -> {value: first source}
    seen_where = defaultdict(set)   # (tp, value) -> offsets observed

    def observe(tp, offset, value, source):
        if offset is None or offset < 0:
            return
        seen_at[(tp, offset)].setdefault(value, source)
        seen_where[(tp, value)].add(offset)

    for w in writes:
        if w["ok"]:
            observe(_tp(w), w["offset"], w["value"], f"ack to {w['process']}")
    for t in txns:
        for rec in t["records"]:
            if rec.get("offset") is not None:
                observe(_tp(rec), rec["offset"], rec["value"], f"ack to {t['process']} (txn {t['id']})")
    for rd in reads:
        observe(_tp(rd), rd["offset"], rd["value"], f"read by {rd['process']} at t={rd['t']:.1f}")
    for tp, recs in final.items():
        for offset, value in recs.items():
            observe(tp, offset, value, "final log")
    for tp, recs in final_rc.items():
        for offset, value in recs.items():
            observe(tp, offset, value, "final log (read_committed)")

    # offset_conflict: one offset, two values.
    for (tp, offset), values in sorted(seen_at.items()):
        if len(values) > 1:
            r.add("offset_conflict", {"topic": tp[0], "partition": tp[1], "offset": offset,
                                      "values": {v: src for v, src in values.items()}})

    # duplicated: one value, two offsets.
    for (tp, value), offsets in sorted(seen_where.items()):
        if len(offsets) > 1:
            r.add("duplicated", {"topic": tp[0], "partition": tp[1], "value": value,
                                 "offsets": sorted(offsets),
                                 "in_final_log": sorted(final_where.get((tp, value), ()))})

    # lost: acknowledged, committed or read, and not in the final log.
    drained = set(final)
    must_exist = {}  # (tp, value) -> why
    for w in writes:
        if w["ok"]:
            must_exist.setdefault((_tp(w), w["value"]), f"acknowledged at offset {w['offset']} to "
                                                       f"{w['process']} at t={w['complete']:.1f}")
    for t in txns:
        if t["outcome"] == "committed":
            for rec in t["records"]:
                must_exist.setdefault((_tp(rec), rec["value"]), f"in txn {t['id']} committed at "
                                                               f"t={t['complete']:.1f}")
    for rd in reads:
        must_exist.setdefault((_tp(rd), rd["value"]), f"read at offset {rd['offset']} by {rd['process']} "
                                                     f"at t={rd['t']:.1f}")
    for (tp, value), why in sorted(must_exist.items()):
        if tp in drained and (tp, value) not in final_where:
            r.add("lost", {"topic": tp[0], "partition": tp[1], "value": value, "why": why})
    undrained = sorted({tp for tp, _ in must_exist} - drained)
    if undrained:
        r.notes.append(f"partitions never drained (not checked for loss): {undrained}")

    # aborted_read: read_committed readers must never return an aborted transaction's record.
    aborted = {}
    for t in txns:
        if t["outcome"] == "aborted":
            for rec in t["records"]:
                aborted[(_tp(rec), rec["value"])] = t["id"]
    for rd in reads:
        if rd["isolation"] == "read_committed" and (_tp(rd), rd["value"]) in aborted:
            r.add("aborted_read", {"topic": rd["topic"], "partition": rd["partition"], "offset": rd["offset"],
                                   "value": rd["value"], "txn": aborted[(_tp(rd), rd["value"])],
                                   "reader": rd["process"], "t": rd["t"]})
    for tp, recs in final_rc.items():
        for offset, value in sorted(recs.items()):
            if (tp, value) in aborted:
                r.add("aborted_read", {"topic": tp[0], "partition": tp[1], "offset": offset, "value": value,
                                       "txn": aborted[(tp, value)], "reader": "final drain (read_committed)"})

    # nonmonotonic and skipped, per consumer, partition and assignment.
    by_segment = defaultdict(list)
    for rd in reads:
        by_segment[(rd["process"], _tp(rd), rd.get("segment", 0))].append(rd)
    for (process, tp, segment), rds in by_segment.items():
        visible = final_rc.get(tp) if rds[0]["isolation"] == "read_committed" else None
        if visible is None:
            visible = final.get(tp)
        for prev, cur in zip(rds, rds[1:]):
            if cur["offset"] <= prev["offset"]:
                r.add("nonmonotonic", {"reader": process, "topic": tp[0], "partition": tp[1],
                                       "from": prev["offset"], "to": cur["offset"], "t": cur["t"]})
            elif cur["offset"] > prev["offset"] + 1 and visible is not None:
                missed = [o for o in range(prev["offset"] + 1, cur["offset"]) if o in visible]
                if missed:
                    r.add("skipped", {"reader": process, "topic": tp[0], "partition": tp[1],
                                      "from": prev["offset"], "to": cur["offset"], "t": cur["t"],
                                      "skipped_offsets": missed[:10], "count": len(missed)})

    # committed_beyond_log: no group may commit past the end of the log that survived.
    for c in commits:
        if not c["ok"]:
            continue
        for o in c["offsets"]:
            tp = _tp(o)
            if tp in final_end and o["offset"] > final_end[tp]:
                r.add("committed_beyond_log", {"group": c["group"], "topic": tp[0], "partition": tp[1],
                                               "committed": o["offset"], "log_end": final_end[tp],
                                               "by": c["process"], "t": c["t"]})
    for g in group_offsets:
        for o in g["offsets"]:
            tp = _tp(o)
            if tp in final_end and o["offset"] > final_end[tp]:
                r.add("committed_beyond_log", {"group": g["group"], "topic": tp[0], "partition": tp[1],
                                               "committed": o["offset"], "log_end": final_end[tp],
                                               "by": "final group offsets"})

    # group_unread: below a group's committed offset, every visible record was read by a member.
    read_by_group = defaultdict(set)  # (group, tp) -> offsets
    isolation_of = {}
    for rd in reads:
        if rd.get("group"):
            read_by_group[(rd["group"], _tp(rd))].add(rd["offset"])
            isolation_of[rd["group"]] = rd["isolation"]
    for g in group_offsets:
        for o in g["offsets"]:
            tp = _tp(o)
            visible = final_rc.get(tp) if isolation_of.get(g["group"]) == "read_committed" else None
            if visible is None:
                visible = final.get(tp, {})
            unread = [off for off in sorted(visible) if off < o["offset"] and
                      off not in read_by_group[(g["group"], tp)]]
            if unread:
                r.add("group_unread", {"group": g["group"], "topic": tp[0], "partition": tp[1],
                                       "committed": o["offset"], "unread_offsets": unread[:10],
                                       "count": len(unread)})

    r.unavailability = unavailability(writes, nemesis)
    return r


def unavailability(writes, nemesis):
    """For each fault: the longest time, from its start to the next fault's start (or the last
    acknowledgement), that some partition went without an acknowledged write, and how many
    writes invoked in that span failed."""
    starts = sorted((e for e in nemesis if e["phase"] == "start"), key=lambda e: e["t"])
    if not starts:
        return []
    acks = defaultdict(list)  # tp -> completion times of acknowledged writes
    for w in writes:
        if w["ok"]:
            acks[_tp(w)].append(w["complete"])
    for times in acks.values():
        times.sort()
    last_ack = max((t[-1] for t in acks.values() if t), default=0.0)
    out = []
    for i, s in enumerate(starts):
        t0 = s["t"]
        t1 = starts[i + 1]["t"] if i + 1 < len(starts) else max(last_ack, t0)
        worst, worst_tp = 0.0, None
        for tp, times in sorted(acks.items()):
            inside = [t for t in times if t0 <= t <= t1]
            points = [t0] + inside + ([t1] if t1 > t0 else [])
            # Stretches between consecutive acknowledgements; if none came at all, the whole span.
            gap = max((b - a for a, b in zip(points, points[1:])), default=0.0)
            if gap > worst:
                worst, worst_tp = gap, tp
        failed = sum(1 for w in writes if not w["ok"] and t0 <= w["invoke"] < t1)
        out.append({"t": t0, "fault": s["fault"], "targets": s.get("targets"), "span_s": round(t1 - t0, 3),
                    "unavailable_s": round(worst, 3),
                    "partition": f"{worst_tp[0]}/{worst_tp[1]}" if worst_tp else "-", "failed": failed})
    return out


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


if __name__ == "__main__":
    # python3 tests/faults/checker.py history.jsonl: check a saved history again.
    report = check(load(sys.argv[1]))
    print(report.summary())
    sys.exit(0 if report.ok else 1)
