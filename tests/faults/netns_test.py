"""The fault harness without a broker: etcd members in their own namespaces, links cut and
healed (an etcd minority, a clean split, a member cut from the client only), SIGSTOP/SIGCONT and
kill -9 of members, and the cleanup of everything a killed run left behind."""
import os
import signal
import subprocess
import sys
import time

from fault_cluster import Etcd, wait_until
import netns

HERE = os.path.dirname(__file__)


def start_etcd(net, root, members=3):
    for i in range(1, members + 1):
        net.add_node(f"e{i}")
    etcd = Etcd(net, root, [f"e{i}" for i in range(1, members + 1)])
    etcd.start()
    return etcd


def put(member, key, value):
    """Writes through member, retrying while the cluster elects a raft leader (a fault may just
    have removed it)."""
    import base64
    body = {"key": base64.b64encode(key.encode()).decode(),
            "value": base64.b64encode(value.encode()).decode()}

    def attempt():
        try:
            member.post("/v3/kv/put", body)
            return True
        except Exception:  # noqa: BLE001 - no leader yet: try again
            return False
    wait_until(attempt, 30, message=f"put {key} through {member.name}")


def test_etcd_minority_and_clean_split_then_heal(net, tmp_root):
    etcd = start_etcd(net, tmp_root)
    e1, e2, e3 = (etcd.members[n] for n in ("e1", "e2", "e3"))
    put(e1, "k", "before")

    # An etcd minority: e1 cut from the other members, still reachable from the client.
    net.cut_between(["e1"], ["e2", "e3"])
    assert net.routes_blackholed("e1") == sorted([net.address("e2"), net.address("e3")])
    assert net.routes_blackholed("e2") == [net.address("e1")]
    wait_until(lambda: not e1.healthy(), 30, message="e1 without quorum refuses linearizable reads")
    wait_until(lambda: e2.healthy() and e3.healthy(), 30, message="the majority side serves")
    put(e2, "k", "during")  # the majority still writes
    net.heal()
    assert net.routes_blackholed("e1") == []
    wait_until(e1.healthy, 30, message="e1 back in the quorum")
    wait_until(lambda: etcd.range("k") == {"k": "during"}, 30, message="e1 caught up")

    # A clean split with a node that is not etcd on the minority side: the client keeps both.
    net.add_node("b1")
    net.partition(["e3", "b1"], ["e1", "e2"])
    assert frozenset(("b1", "e1")) in net.cuts and frozenset(("e3", "e2")) in net.cuts
    assert frozenset(("b1", "e3")) not in net.cuts
    wait_until(lambda: not e3.healthy(), 30, message="e3 on the minority side")
    # If e3 led, the majority side elects a leader first.
    wait_until(lambda: e1.healthy() and e2.healthy(), 30, message="the majority side serves")
    net.heal()
    wait_until(e3.healthy, 30, message="e3 healed")

    # Cut from the client only: the members still form a quorum among themselves.
    net.isolate("e2", from_=[net.CLIENT])
    wait_until(lambda: not e2.healthy(), 10, message="client cannot reach e2")
    put(e1, "k", "cut-from-client")
    net.restore(net.CLIENT, "e2")
    wait_until(e2.healthy, 10, message="client reaches e2 again")


def test_pause_resume_and_kill_restart_members(net, tmp_root):
    etcd = start_etcd(net, tmp_root)
    e1, e2, e3 = (etcd.members[n] for n in ("e1", "e2", "e3"))
    leader = etcd.leader()
    assert leader in ("e1", "e2", "e3")

    # SIGSTOP the raft leader: the others elect another; SIGCONT brings it back as a follower.
    paused = etcd.members[leader]
    paused.pause()
    assert paused.proc.poll() is None
    wait_until(lambda: etcd.leader() not in (None, leader), 30, message="a new etcd leader")
    paused.resume()
    wait_until(paused.healthy, 30, message=f"{leader} resumed")

    # kill -9 a member and start it again on the same data: it keeps what the cluster wrote.
    put(e1, "survives", "yes")
    assert e3.kill() == -signal.SIGKILL
    put(e1, "written-while-down", "yes")
    e3.spawn()
    wait_until(e3.healthy, 30, message="e3 restarted")
    got = {}
    wait_until(lambda: got.update(e3.post("/v3/kv/range", {"key": "d3JpdHRlbi13aGlsZS1kb3du"})) or
               got.get("kvs"), 30, message="e3 has the key written while it was down")


def test_leftovers_of_a_killed_run_are_removed(net, tmp_root):
    # A child run makes a namespace with a process in it (started from a thread, so that it does
    # not die with the child) and is then SIGKILLed: nothing of its own cleanup runs.
    script = f"""
import sys, threading, time
sys.path.insert(0, {HERE!r})
import netns
n = netns.Net()
n.add_node("b1"); n.add_node("e1")
procs = []
t = threading.Thread(target=lambda: procs.append(n.spawn("b1", ["sleep", "600"], {os.path.join(tmp_root, 'sleep.log')!r})))
t.start(); t.join()
n.cut("b1", "e1")
print(n.pid, procs[0].pid, flush=True)
time.sleep(600)
"""
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        owner, sleeper = (int(x) for x in child.stdout.readline().split())
        made = netns.leftovers_of(owner)
        assert sorted(made) == sorted([f"mfault-{owner}-b1", f"mfault-{owner}-e1", f"mf{owner}br",
                                       f"mf{owner}n0", f"mf{owner}n1"])
        # While its owner lives, another run leaves it alone.
        assert not [n for n in netns.cleanup_leftovers() if str(owner) in n]
        assert sorted(netns.leftovers_of(owner)) == sorted(made)
    finally:
        child.kill()
        child.wait()
    assert os.path.exists(f"/proc/{sleeper}"), "the process in the namespace outlived its run"
    removed = netns.cleanup_leftovers()
    assert {f"mfault-{owner}-b1", f"mfault-{owner}-e1", f"mf{owner}br"} <= set(removed)
    assert netns.leftovers_of(owner) == []
    wait_until(lambda: not os.path.exists(f"/proc/{sleeper}") or
               open(f"/proc/{sleeper}/stat").read().split()[2] == "Z", 10,
               message="the leftover process killed")
    assert not os.path.exists(os.path.join(netns.STATE_DIR, str(owner)))


def test_close_removes_everything(tmp_root):
    n = netns.Net()
    n.add_node("b1")
    p = n.spawn("b1", ["sleep", "600"], os.path.join(tmp_root, "s.log"))
    p.send_signal(signal.SIGSTOP)  # a paused process must be removed too
    n.cut(n.CLIENT, "b1")
    n.close()
    assert p.poll() is not None
    assert netns.leftovers_of(n.pid) == []
    n.close()  # idempotent
