"""The checker on synthetic histories: a clean one passes, and each anomaly it exists to catch
is caught, by name, with the offending record — so a green fault run means something."""
import copy

import checker

T, TX = "jepsen", "jepsen-txn"


def write(value, offset, partition=0, ok=True, invoke=1.0, complete=1.1, process="w0"):
    return {"type": "write", "process": process, "topic": T, "partition": partition, "value": value,
            "invoke": invoke, "complete": complete, "ok": ok, "offset": offset if ok else None,
            "error": None if ok else "_MSG_TIMED_OUT"}


def read(value, offset, partition=0, process="c0", group="g", isolation="read_uncommitted", topic=T,
         segment=0, t=2.0):
    return {"type": "read", "process": process, "group": group, "isolation": isolation, "topic": topic,
            "partition": partition, "offset": offset, "value": value, "t": t, "segment": segment}


def final(records, partition=0, topic=T, isolation="read_uncommitted", end=None):
    return {"type": "final-log", "isolation": isolation, "topic": topic, "partition": partition,
            "records": [[o, v] for o, v in records],
            "end": end if end is not None else (max((o for o, _ in records), default=-1) + 1)}


def txn(tid, records, outcome, intent=None):
    return {"type": "txn", "process": "t0", "id": tid, "intent": intent or ("abort" if outcome == "aborted" else "commit"),
            "outcome": outcome, "invoke": 1.0, "complete": 1.5, "error": None,
            "records": [{"topic": TX, "partition": 0, "value": v, "offset": o} for o, v in records]}


def clean_history():
    """Three acknowledged writes, one failed (indeterminate, absent), a committed and an aborted
    transaction (offset 2 and 5 are their markers), group reads, commits, and the final log."""
    return [
        write("w0-0", 0), write("w0-1", 1), write("w0-2", 2),
        write("w0-3", None, ok=False),
        txn("t0-0", [(0, "t0-0-a"), (1, "t0-0-b")], "committed"),
        txn("t0-1", [(3, "t0-1-a"), (4, "t0-1-b")], "aborted"),
        read("w0-0", 0), read("w0-1", 1), read("w0-2", 2),
        read("t0-0-a", 0, topic=TX, isolation="read_committed", group="rc", process="r0"),
        read("t0-0-b", 1, topic=TX, isolation="read_committed", group="rc", process="r0"),
        {"type": "commit", "process": "c0", "group": "g", "ok": True, "error": None, "t": 2.1,
         "offsets": [{"topic": T, "partition": 0, "offset": 3}]},
        {"type": "nemesis", "phase": "start", "fault": "kill-broker", "targets": ["b1"], "t": 0.5},
        {"type": "nemesis", "phase": "end", "fault": "kill-broker", "targets": ["b1"], "t": 0.9},
        final([(0, "w0-0"), (1, "w0-1"), (2, "w0-2")]),
        final([(0, "t0-0-a"), (1, "t0-0-b"), (3, "t0-1-a"), (4, "t0-1-b")], topic=TX, end=6),
        final([(0, "t0-0-a"), (1, "t0-0-b")], topic=TX, isolation="read_committed", end=6),
        {"type": "group-offsets", "group": "g", "offsets": [{"topic": T, "partition": 0, "offset": 3}]},
        {"type": "group-offsets", "group": "rc", "offsets": [{"topic": TX, "partition": 0, "offset": 6}]},
    ]


def only(report, kind):
    """The report has anomalies of `kind` and no other kind."""
    assert report.counts[kind] > 0, report.summary()
    others = {k: v for k, v in report.counts.items() if v and k != kind}
    assert not others, report.summary()
    return report.anomalies[kind]


def test_clean_history_passes():
    r = checker.check(clean_history())
    assert r.ok, r.summary()
    assert r.stats["writes_ok"] == 3 and r.stats["writes_failed"] == 1
    assert r.stats["txns_committed"] == 1 and r.stats["txns_aborted"] == 1
    assert "RESULT: no anomalies" in r.summary()


def test_acknowledged_write_missing_from_final_log_is_lost():
    h = clean_history()
    for e in h:
        if e["type"] == "final-log" and e["topic"] == T:
            e["records"] = [[0, "w0-0"], [1, "w0-1"]]
            e["end"] = 2
    h = [e for e in h if not (e["type"] == "read" and e["value"] == "w0-2")]
    h = [e for e in h if e["type"] not in ("commit", "group-offsets") or e.get("group") != "g"]
    lost = only(checker.check(h), "lost")
    assert [x["value"] for x in lost] == ["w0-2"]
    assert "acknowledged at offset 2" in lost[0]["why"]


def test_unclean_truncation_shows_as_lost_and_offset_conflict():
    # The negative control's shape: w0-2 acked at 2, then a new leader wrote w1-0 there.
    h = clean_history()
    h = [e for e in h if e["type"] not in ("commit", "group-offsets") or e.get("group") != "g"]
    h = [e for e in h if not (e["type"] == "read" and e["value"] == "w0-2")]
    h.append(write("w1-0", 2, process="w1"))
    for e in h:
        if e["type"] == "final-log" and e["topic"] == T:
            e["records"] = [[0, "w0-0"], [1, "w0-1"], [2, "w1-0"]]
    r = checker.check(h)
    assert [x["value"] for x in r.anomalies["lost"]] == ["w0-2"]
    assert r.anomalies["offset_conflict"][0]["offset"] == 2
    assert set(r.anomalies["offset_conflict"][0]["values"]) == {"w0-2", "w1-0"}
    assert not r.ok


def test_committed_transaction_record_missing_is_lost():
    h = clean_history()
    for e in h:
        if e["type"] == "final-log" and e["topic"] == TX:
            e["records"] = [r for r in e["records"] if r[1] != "t0-0-b"]
    h = [e for e in h if not (e["type"] == "read" and e["value"] == "t0-0-b")]
    h = [e for e in h if e["type"] != "group-offsets" or e["group"] != "rc"]
    r = checker.check(h)
    assert [x["value"] for x in r.anomalies["lost"]] == ["t0-0-b"]
    assert "committed" in r.anomalies["lost"][0]["why"]


def test_record_read_then_gone_is_lost():
    h = clean_history()
    h.append(read("w0-9", 3))  # a read of a record that did not survive
    r = checker.check(h)
    lost = r.anomalies["lost"]
    assert [x["value"] for x in lost] == ["w0-9"] and "read at offset 3" in lost[0]["why"]


def test_duplicate_value_in_final_log():
    h = clean_history()
    for e in h:
        if e["type"] == "final-log" and e["topic"] == T:
            e["records"].append([3, "w0-1"])
            e["end"] = 4
    dup = only(checker.check(h), "duplicated")
    assert dup == [{"topic": T, "partition": 0, "value": "w0-1", "offsets": [1, 3], "in_final_log": [1, 3]}]


def test_two_values_at_one_offset_across_reads():
    h = clean_history()
    h.append(read("w0-1", 2, process="c1", segment=0))  # c1 saw w0-1 at offset 2; others saw w0-2
    r = checker.check(h)
    assert any(c["offset"] == 2 and set(c["values"]) == {"w0-1", "w0-2"} for c in r.anomalies["offset_conflict"])
    assert r.counts["duplicated"] == 1  # and w0-1 at offsets 1 and 2


def test_aborted_record_read_committed():
    h = clean_history()
    h.append(read("t0-1-a", 3, topic=TX, isolation="read_committed", group="rc", process="r1"))
    ab = only(checker.check(h), "aborted_read")
    assert ab[0]["value"] == "t0-1-a" and ab[0]["txn"] == "t0-1" and ab[0]["reader"] == "r1"


def test_aborted_record_in_read_committed_drain():
    h = clean_history()
    for e in h:
        if e["type"] == "final-log" and e["isolation"] == "read_committed":
            e["records"].append([4, "t0-1-b"])
    r = checker.check(h)
    ab = r.anomalies["aborted_read"]
    assert len(ab) == 1 and ab[0]["reader"] == "final drain (read_committed)", r.summary()
    # And the rc group, committed past it, is told it never read a record that now looks visible.
    assert r.anomalies["group_unread"][0]["unread_offsets"] == [4]


def test_aborted_record_read_uncommitted_is_fine():
    h = clean_history()
    h.append(read("t0-1-a", 3, topic=TX, isolation="read_uncommitted", group=None, process="u0"))
    assert checker.check(h).ok


def test_gap_the_log_explains_is_fine_and_one_it_does_not_is_skipped():
    # read_committed over markers and aborted records: 1 -> 6 skips 2..5, none visible.
    h = clean_history()
    h += [txn("t0-2", [(6, "t0-2-a")], "committed"),
          read("t0-2-a", 6, topic=TX, isolation="read_committed", group="rc", process="r0")]
    for e in h:
        if e["type"] == "final-log" and e["topic"] == TX:
            e["records"].append([6, "t0-2-a"])
            e["end"] = 8
        if e["type"] == "group-offsets" and e["group"] == "rc":
            e["offsets"][0]["offset"] = 8
    assert checker.check(h).ok, checker.check(h).summary()
    # A read_uncommitted consumer making the same jump skipped the aborted records 3 and 4.
    h += [read("t0-0-b", 1, topic=TX, group=None, process="u0"), read("t0-2-a", 6, topic=TX, group=None, process="u0")]
    sk = only(checker.check(h), "skipped")
    assert sk[0]["skipped_offsets"] == [3, 4] and sk[0]["reader"] == "u0"


def test_gap_across_assignments_is_not_a_skip_but_within_one_is():
    h = clean_history()
    h = [e for e in h if not (e["type"] == "read" and e["value"] == "w0-1")]
    # c0 read 0 and 2 in one assignment: 1 was skipped.
    r = checker.check(h)
    assert r.counts["skipped"] == 1
    # In two assignments (c1 read 1 in between, e.g. after a rebalance) it is fine.
    for e in h:
        if e["type"] == "read" and e["value"] == "w0-2":
            e["segment"] = 1
    h.append(read("w0-1", 1, process="c1"))
    assert checker.check(h).ok


def test_consumer_going_backwards_within_an_assignment():
    h = clean_history()
    h.append(read("w0-1", 1, t=3.0))  # after 2, within the same assignment
    nm = only(checker.check(h), "nonmonotonic")
    assert nm[0]["from"] == 2 and nm[0]["to"] == 1


def test_committed_offset_beyond_the_log():
    h = clean_history()
    h.append({"type": "commit", "process": "c0", "group": "g", "ok": True, "error": None, "t": 3.0,
              "offsets": [{"topic": T, "partition": 0, "offset": 7}]})
    cb = only(checker.check(h), "committed_beyond_log")
    assert cb[0]["committed"] == 7 and cb[0]["log_end"] == 3
    # A failed commit does not count.
    h[-1]["ok"] = False
    assert checker.check(h).ok


def test_group_committed_past_records_nobody_read():
    h = clean_history()
    h = [e for e in h if not (e["type"] == "read" and e["value"] in ("w0-1", "w0-2"))]
    gu = only(checker.check(h), "group_unread")
    assert gu[0]["unread_offsets"] == [1, 2]


def test_unavailability_window_per_fault():
    h = [write(f"w0-{i}", i, invoke=t, complete=t + 0.01) for i, t in enumerate([0.0, 1.0, 2.0, 9.0, 10.0])]
    h += [write("w0-x", None, ok=False, invoke=3.0, complete=8.0),
          {"type": "nemesis", "phase": "start", "fault": "isolate-leader", "targets": ["b1"], "t": 2.5},
          {"type": "nemesis", "phase": "end", "fault": "isolate-leader", "targets": ["b1"], "t": 6.0},
          {"type": "nemesis", "phase": "start", "fault": "pause-broker", "targets": ["b2"], "t": 9.5}]
    u = checker.unavailability([e for e in h if e["type"] == "write"], [e for e in h if e["type"] == "nemesis"])
    assert u[0]["fault"] == "isolate-leader" and abs(u[0]["unavailable_s"] - 6.51) < 1e-6 and u[0]["failed"] == 1
    assert u[1]["fault"] == "pause-broker" and abs(u[1]["unavailable_s"] - 0.51) < 1e-6


def test_history_round_trips_through_a_file(tmp_path):
    h = clean_history()
    p = tmp_path / "history.jsonl"
    import json
    p.write_text("".join(json.dumps(e) + "\n" for e in h))
    assert checker.load(str(p)) == copy.deepcopy(h)
    assert checker.check(checker.load(str(p))).ok
