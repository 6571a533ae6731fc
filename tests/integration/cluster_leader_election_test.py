"""kafka-leader-election on a cluster of three brokers: after a broker restarts, the partitions
it prefers stay led by others (auto.leader.rebalance.enable off) until a preferred election
moves them back; the answers for elections that cannot happen (preferred replica down, no live
replica) and that are not needed; an unclean election; every acknowledged record still
readable. And with auto.leader.rebalance.enable (the default) the controller restores preferred
leaders by itself."""
import pytest

import apache_kafka
from cluster import cluster_factory, consume_all, describe, produce, topics  # noqa: F401 (fixture)
from conftest import tool, wait_until


def elect(bootstrap, *args):
    return tool("kafka-leader-election", "--bootstrap-server", bootstrap, *args, timeout=120)


def test_preferred_election_after_restart(cluster_factory):
    c = cluster_factory(3, overrides={"auto.leader.rebalance.enable": "false"})
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "pref", "--partitions", "3", "--replication-factor", "3")
    wait_until(lambda: all(l == r[0] and len(i) == 3 for l, r, i in describe(b1, "pref").values()), 60,
               message="preferred leaders, full ISRs")
    produce(b1, "pref", [(f"k{i}".encode(), f"before-{i}".encode()) for i in range(60)])
    # The partition broker 2 prefers, and a topic that lives on broker 2 alone.
    p2 = next(p for p, (l, r, i) in describe(b1, "pref").items() if r[0] == 2)
    topics(b1, "--create", "--topic", "only2", "--replica-assignment", "2")

    c.broker(2).stop()
    wait_until(lambda: describe(b1, "pref")[p2][0] not in (-1, 2), 60, message="leadership moved off broker 2")
    wait_until(lambda: describe(b1, "only2")[0][0] == -1, 60, message="only2 offline")

    # The preferred replica is down: it cannot be elected.
    r = elect(b1, "--election-type", "preferred", "--topic", "pref", "--partition", str(p2))
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == (f"Error completing leader election (PREFERRED) for partition: pref-{p2}: "
                        "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: "
                        "The preferred leader was not available.\n")
    assert r.stderr == ("1 replica(s) could not be elected\n"
                        "org.apache.kafka.tools.AdminCommandFailedException: 1 replica(s) could not be elected\n\n")
    # No replica of only2 is live: even an unclean election has nobody to elect.
    r = elect(c.broker(3).bootstrap, "--election-type", "unclean", "--topic", "only2", "--partition", "0")
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ("Error completing leader election (UNCLEAN) for partition: only2-0: "
                        "org.apache.kafka.common.errors.EligibleLeadersNotAvailableException: "
                        "Eligible topic partition leaders are not available.\n")
    # A partition with a leader needs no unclean election.
    r = elect(b1, "--election-type", "unclean", "--topic", "pref", "--partition", str(p2))
    assert (r.returncode, r.stdout, r.stderr) == (0, f"Valid replica already elected for partitions pref-{p2}\n", "")

    produce(b1, "pref", [(f"k{i}".encode(), f"during-{i}".encode()) for i in range(60)])
    c.broker(2).start()
    wait_until(lambda: all(len(i) == 3 for l, r, i in describe(b1, "pref").values()), 90,
               message="broker 2 back in every ISR")
    # only2's one replica is back: the controller elects it (else the election below would).
    wait_until(lambda: describe(b1, "only2")[0][0] == 2, 60, message="only2 led by broker 2 again")
    assert describe(b1, "pref")[p2][0] != 2  # no automatic rebalance

    # Asked through a broker that is not the controller: it forwards to the controller.
    via = next(b for n, b in c.brokers.items() if n != c.controller_id())
    r = elect(via.bootstrap, "--election-type", "PREFERRED", "--all-topic-partitions")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == f"Successfully completed leader election (PREFERRED) for partitions pref-{p2}\n"
    assert r.stderr == ""
    state = describe(b1, "pref")
    assert all(l == r[0] for l, r, i in state.values()), state
    assert state[p2][0] == 2

    # Done: the same election is not needed any more.
    r = elect(b1, "--election-type", "preferred", "--topic", "pref", "--partition", str(p2))
    assert (r.returncode, r.stdout, r.stderr) == (0, f"Valid replica already elected for partitions pref-{p2}\n", "")
    r = elect(b1, "--election-type", "preferred", "--all-topic-partitions")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    if apache_kafka.available():
        # Kafka's own tool (the Java admin client) gets the same answers from our cluster.
        k = apache_kafka.run_tool("kafka-leader-election", "--bootstrap-server", via.bootstrap, "--election-type",
                                  "preferred", "--topic", "pref", "--partition", str(p2))
        assert (k.returncode, k.stdout) == (0, f"Valid replica already elected for partitions pref-{p2}\n"), k.stderr

    produce(b1, "pref", [(f"k{i}".encode(), f"after-{i}".encode()) for i in range(60)])
    got = consume_all(c.broker(3).bootstrap, "pref", 180)
    assert len(got) == 180


def test_unclean_election_of_an_out_of_sync_replica(cluster_factory):
    c = cluster_factory(3)
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "unc", "--replica-assignment", "2:3")
    wait_until(lambda: describe(b1, "unc")[0] == (2, [2, 3], [2, 3]), 60, message="leader 2, ISR [2,3]")
    produce(b1, "unc", [(None, f"v{i}".encode()) for i in range(20)])

    # Broker 3 fails and leaves the ISR, then broker 2, the last in-sync replica, fails too.
    c.broker(3).kill()
    wait_until(lambda: describe(b1, "unc")[0][2] == [2], 60, message="ISR [2]")
    c.broker(2).kill()
    wait_until(lambda: describe(b1, "unc")[0][0] == -1, 60, message="unc offline")
    c.broker(3).start()
    c.wait_for_brokers([1, 3], 90)
    assert describe(b1, "unc")[0][0] == -1  # broker 3 is out of sync: no clean election

    r = elect(b1, "--election-type", "preferred", "--topic", "unc", "--partition", "0")
    assert r.returncode == 1
    assert "PreferredLeaderNotAvailableException: The preferred leader was not available." in r.stdout
    r = elect(b1, "--election-type", "unclean", "--topic", "unc", "--partition", "0")
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "Successfully completed leader election (UNCLEAN) for partitions unc-0\n", "")
    assert describe(b1, "unc")[0] == (3, [2, 3], [3])

    # Broker 2 comes back as a follower of the unclean leader; nothing acknowledged was lost here
    # (broker 3 was in sync when the records were acknowledged).
    c.broker(2).start()
    c.wait_for_brokers([1, 2, 3], 90)
    wait_until(lambda: sorted(describe(b1, "unc")[0][2]) == [2, 3], 90, message="broker 2 back in the ISR")
    assert len(consume_all(b1, "unc", 20)) == 20


def test_auto_leader_rebalance_restores_preferred_leaders(cluster_factory):
    # auto.leader.rebalance.enable is on by default; the harness checks every 5 s.
    c = cluster_factory(3)
    b1 = c.broker(1).bootstrap
    topics(b1, "--create", "--topic", "auto", "--replica-assignment", "2:1:3,3:2:1")
    wait_until(lambda: [l for l, r, i in describe(b1, "auto").values()] == [2, 3], 60, message="preferred leaders")
    c.broker(2).stop()
    wait_until(lambda: describe(b1, "auto")[0][0] in (1, 3), 60, message="partition 0 led by another broker")
    c.broker(2).start()
    # Back in the ISR, then leading again without anybody asking.
    wait_until(lambda: describe(b1, "auto")[0][0] == 2, 90, message="broker 2 leading its preferred partition again")
    assert describe(b1, "auto")[1][0] == 3
