"""The nemesis without a broker: schedules are reproducible from their seed and cover every
fault; etcd faults applied to real members in namespaces take effect and are undone."""
import random

from fault_cluster import FaultCluster, wait_until
from nemesis import FAULTS, SHORT_RUN, Nemesis, format_schedule, make_schedule
from workload import History


def test_schedule_is_a_function_of_seed_and_length():
    a = make_schedule(7, SHORT_RUN)
    assert a == make_schedule(7, SHORT_RUN)
    assert a != make_schedule(8, SHORT_RUN)
    assert make_schedule(7, 600)[:len(a)] == a  # a longer run begins with the short one
    # The short schedule has every fault, in a seeded order, within its length.
    assert {s["fault"] for s in a} == set(FAULTS)
    assert all(s["at"] + s["duration"] <= SHORT_RUN for s in a)
    assert all(b["at"] >= a_["at"] + a_["duration"] for a_, b in zip(a, a[1:]))
    for other in range(20):  # whatever the seed
        assert {s["fault"] for s in make_schedule(other, SHORT_RUN)} == set(FAULTS)
    text = format_schedule(7, SHORT_RUN, a)
    assert "MOLDAU_FAULT_SEED=7" in text and all(f in text for f in FAULTS)


def test_etcd_faults_take_effect_and_are_undone(net, tmp_root):
    c = FaultCluster(net, tmp_root, brokers=0, etcd_members=3)
    c.etcd.start()
    nem = Nemesis(c, History(), seed=3, log=lambda *_: None)
    rng = random.Random(0)

    targets, undo = nem.apply({"fault": "etcd-minority", "target": "etcd leader"}, rng)
    [cut] = targets
    wait_until(lambda: not c.etcd.members[cut].healthy(), 30, message=f"{cut} without quorum")
    undo()
    wait_until(c.etcd.members[cut].healthy, 30, message=f"{cut} back")

    targets, undo = nem.apply({"fault": "pause-etcd", "target": "e2"}, rng)
    assert targets == ["e2"] and c.etcd.members["e2"].paused
    assert not c.etcd.members["e2"].healthy()
    undo()
    wait_until(c.etcd.members["e2"].healthy, 30, message="e2 resumed")

    targets, undo = nem.apply({"fault": "kill-etcd", "target": "e3"}, rng)
    assert not c.etcd.members["e3"].running()
    undo()
    wait_until(c.etcd.members["e3"].healthy, 30, message="e3 restarted")

    targets, undo = nem.apply({"fault": "split", "target": ["e1"]}, rng)
    assert targets == [["e1"], ["e2", "e3"]]
    wait_until(lambda: not c.etcd.members["e1"].healthy(), 30, message="e1 on the minority side")
    undo()
    assert net.cuts == set()
    wait_until(c.etcd.members["e1"].healthy, 30, message="e1 healed")
