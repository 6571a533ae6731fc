"""The negative control: the checker must catch a configuration Kafka documents as lossy
(min.insync.replicas=1, unclean.leader.election.enable=true) losing acknowledged writes under a
leader-isolating partition; and the same steps with min.insync.replicas=2 lose nothing."""
from scenarios import leader_isolation


def test_unclean_election_loses_acknowledged_writes_and_the_checker_says_so(net, tmp_root):
    out = leader_isolation(net, tmp_root, unclean=True)
    print(out.text)
    r = out.report
    assert r.counts["lost"] > 0, "the lossy configuration lost nothing; the control proves nothing\n" + out.text
    # What was lost was acknowledged: the writes the isolated leader took alone.
    assert all("acknowledged at offset" in x["why"] or "read at offset" in x["why"] for x in r.anomalies["lost"])
    # The new leader wrote other records at those offsets.
    assert r.counts["offset_conflict"] > 0, out.text
    assert not [b for b, code in out.stop_codes.items() if code != 0], out.stop_codes


def test_same_isolation_with_min_insync_2_loses_nothing(net, tmp_root):
    out = leader_isolation(net, tmp_root, unclean=False)
    print(out.text)
    assert out.report.ok, out.text
    assert out.report.stats["writes_ok"] > 0
    assert not [b for b, code in out.stop_codes.items() if code != 0], out.stop_codes
