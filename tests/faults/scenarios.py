"""Deterministic scenarios, step by step on conditions rather than a random schedule.

leader_isolation: the Kafka 0.8 loss Jepsen found, made reproducible. A partition's leader L is
cut from its followers (not from etcd): it shrinks the ISR to itself. With min.insync.replicas=1
it keeps acknowledging acks=all writes alone. Then L is cut from etcd too: its lease lapses and,
with unclean.leader.election.enable=true, the controller elects a follower that never had those
writes; when the network heals, L follows the new leader and truncates them. The checker must
report them lost. The same steps with min.insync.replicas=2 and no unclean election must lose
nothing: L refuses the writes it cannot replicate, and the partition waits offline for L.
"""
import time

import checker
from fault_cluster import FaultCluster, wait_until
from fault_run import create_topics
from workload import History, Writer, drain

TOPIC = "lossy"


class Outcome:
    def __init__(self):
        self.history = History()
        self.steps = []
        self.report = None
        self.text = ""

    def step(self, msg):
        line = f"[{self.history.now():6.1f}s] {msg}"
        self.steps.append(line)
        print(line, flush=True)


def leader_isolation(net, root, unclean, acked_alone=50):
    """Runs the scenario; returns an Outcome with the checker's report. `unclean`: the lossy
    configuration (min.insync.replicas=1, unclean.leader.election.enable=true)."""
    out = Outcome()
    h = out.history
    config = ({"min.insync.replicas": "1", "unclean.leader.election.enable": "true"} if unclean
              else {"min.insync.replicas": "2", "unclean.leader.election.enable": "false"})
    cluster = FaultCluster(net, root, brokers=3, etcd_members=1, overrides=config)
    writer = None
    try:
        cluster.start()
        create_topics(cluster, [(TOPIC, 1, config)])
        writer = Writer("w0", h, cluster.bootstrap, TOPIC, 1, rate=200, message_timeout_ms=10000).start()

        def acks(since):
            if writer.crash is not None:  # say why, rather than wait for writes that cannot come
                raise AssertionError(f"the writer crashed: {writer.crash!r}") from writer.crash
            return [w for w in h.of("write") if w["ok"] and w["invoke"] >= since]

        wait_until(lambda: len(acks(0)) >= 50, 60, message="first acknowledgements")
        leader = cluster.partition_state(TOPIC, 0)["leader"]
        lname = f"b{leader}"
        followers = [b for b in cluster.broker_names() if b != lname]
        out.step(f"{len(acks(0))} writes acknowledged; leader b{leader}, ISR "
                 f"{cluster.partition_state(TOPIC, 0)['isr']}")

        net.cut_between([lname], followers)
        h.add({"type": "nemesis", "phase": "start", "fault": "isolate-leader-from-followers",
               "targets": [lname], "t": h.now()})
        out.step(f"cut {lname} from its followers {followers}")
        wait_until(lambda: cluster.partition_state(TOPIC, 0)["isr"] == [leader], 60, interval=0.2,
                   message=f"the ISR shrunk to [{leader}]")
        shrunk = h.now()
        out.step(f"ISR shrunk to [{leader}] in etcd")
        if unclean:
            wait_until(lambda: len(acks(shrunk)) >= acked_alone, 60, interval=0.2,
                       message=f"{acked_alone} writes acknowledged by {lname} alone")
            out.step(f"{len(acks(shrunk))} writes acknowledged by {lname} alone (min.insync.replicas=1)")
        else:
            wait_until(lambda: [w for w in h.of("write") if not w["ok"] and w["invoke"] >= shrunk], 60,
                       interval=0.2, message=f"{lname} refusing writes it cannot replicate")
            refused = [w for w in h.of("write") if not w["ok"] and w["invoke"] >= shrunk]
            out.step(f"{lname} refuses writes with one in-sync replica: {sorted({w['error'] for w in refused})}; "
                     f"{len(acks(shrunk))} acknowledged since the shrink")

        net.cut_between([lname], cluster.etcd_names())
        h.add({"type": "nemesis", "phase": "start", "fault": "isolate-leader", "targets": [lname], "t": h.now()})
        out.step(f"cut {lname} from etcd too")
        if unclean:
            wait_until(lambda: cluster.partition_state(TOPIC, 0)["leader"] not in (leader, -1), 60, interval=0.2,
                       message="an unclean election of a follower")
            state = cluster.partition_state(TOPIC, 0)
            elected = h.now()
            out.step(f"unclean election: leader b{state['leader']} epoch {state['leader_epoch']} ISR {state['isr']}")
            wait_until(lambda: len(acks(elected)) >= 20, 60, interval=0.2,
                       message="writes acknowledged by the new leader")
        else:
            wait_until(lambda: leader not in cluster.registered(), 60, interval=0.2,
                       message=f"{lname}'s registration gone")
            state = cluster.partition_state(TOPIC, 0)
            out.step(f"{lname} gone from etcd; partition state: leader {state['leader']} ISR {state['isr']}")
            assert state["leader"] in (-1, leader), f"an unclean election without unclean.leader.election: {state}"

        net.heal()
        h.add({"type": "nemesis", "phase": "end", "fault": "isolate-leader", "targets": [lname], "t": h.now()})
        out.step("healed")
        cluster.wait_registered(sorted(cluster.brokers), 90)
        wait_until(lambda: cluster.all_in_sync({TOPIC: 1}), 120, interval=0.5,
                   message="every replica back in sync")
        healed = h.now()
        wait_until(lambda: acks(healed), 60, interval=0.2, message="writes acknowledged after healing")
        state = cluster.partition_state(TOPIC, 0)
        out.step(f"all in sync: leader b{state['leader']} epoch {state['leader_epoch']} ISR {state['isr']}")
        writer.stop()
        writer.join(60)
        writer = None
        drain(h, cluster.bootstrap, TOPIC, 1)
        out.report = checker.check(h.events)
        out.text = "\n".join(out.steps + [out.report.summary()])
        return out
    finally:
        if writer is not None:
            writer.stop()
            try:
                writer.join(60)
            except AssertionError:
                pass
        out.stop_codes = cluster.stop()
        out.cluster = cluster
