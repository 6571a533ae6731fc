"""The nemesis: a schedule of faults drawn from a seed, and its execution against a FaultCluster.

A schedule is a list of steps {"at", "fault", "target", "duration"}: at `at` seconds into the
run the fault starts, `duration` seconds later it is undone (links restored, the process
resumed or started again), and the next step starts after a quiet interval. The same seed and
length give the same schedule; targets named by role ("leader of jepsen/1", "the etcd leader",
"the controller") are resolved when the step runs, and both are printed, so a failing run can
be replayed with MOLDAU_FAULT_SEED.

Faults (one at a time):
  isolate-leader                 a partition's leader cut from the other brokers and from etcd
  isolate-leader-from-followers  ... from the other brokers only (it keeps etcd: ISR shrinks)
  broker-cut-from-etcd           a broker cut from every etcd member only
  isolate-controller             the controller cut from the other brokers and from etcd
  etcd-minority                  an etcd member (sometimes the raft leader) cut from the others
  split                          a clean split: one broker and one etcd member | the rest
  kill-broker / kill-etcd        kill -9, started again at the end of the step
  pause-broker / pause-etcd      SIGSTOP, SIGCONT at the end of the step
The test's clients are never cut: like Jepsen's, they reach every node.
"""
import random
import time

FAULTS = ["isolate-leader", "isolate-leader-from-followers", "broker-cut-from-etcd", "isolate-controller",
          "etcd-minority", "split", "kill-broker", "pause-broker", "kill-etcd", "pause-etcd"]

# Seconds a fault lasts: long enough to outlive a broker session (6 s) and the replica lag
# time (6 s), so leases lapse, ISRs shrink and leaders move. A round of all ten faults fits
# in SHORT_RUN seconds, the CI schedule.
DURATION = (7.0, 10.0)
QUIET = (4.0, 5.5)
WARMUP = 5.0
SHORT_RUN = WARMUP + len(FAULTS) * (DURATION[1] + QUIET[1])


def make_schedule(seed, seconds, brokers=3, etcd_members=3, partitions=3, topic="jepsen", faults=None):
    """Rounds of every fault kind in a seeded order, until `seconds` are used."""
    rng = random.Random(seed)
    kinds = list(faults or FAULTS)
    steps = []
    t = WARMUP
    while True:
        order = kinds[:]
        rng.shuffle(order)
        for kind in order:
            duration = round(rng.uniform(*DURATION), 1)
            quiet = round(rng.uniform(*QUIET), 1)
            if t + duration > seconds:
                return steps
            steps.append({"at": round(t, 1), "fault": kind, "duration": duration,
                          "target": _target(rng, kind, brokers, etcd_members, partitions, topic)})
            t += duration + quiet


def _target(rng, kind, brokers, etcd_members, partitions, topic):
    if kind in ("isolate-leader", "isolate-leader-from-followers"):
        return f"leader of {topic}/{rng.randrange(partitions)}"
    if kind == "isolate-controller":
        return "controller"
    if kind in ("broker-cut-from-etcd", "kill-broker", "pause-broker"):
        # Half the time the leader of a partition, so that the fault moves a leadership.
        if rng.random() < 0.5:
            return f"leader of {topic}/{rng.randrange(partitions)}"
        return f"b{rng.randrange(1, brokers + 1)}"
    if kind in ("etcd-minority", "kill-etcd", "pause-etcd"):
        return "etcd leader" if rng.random() < 0.5 else f"e{rng.randrange(1, etcd_members + 1)}"
    if kind == "split":
        return [f"b{rng.randrange(1, brokers + 1)}", f"e{rng.randrange(1, etcd_members + 1)}"]
    raise ValueError(kind)


def format_schedule(seed, seconds, steps):
    lines = [f"nemesis schedule: MOLDAU_FAULT_SEED={seed} MOLDAU_FAULT_SECONDS={seconds:g} ({len(steps)} faults)"]
    for s in steps:
        lines.append(f"  at {s['at']:7.1f}s for {s['duration']:4.1f}s  {s['fault']:<30} {s['target']}")
    return "\n".join(lines)


class Nemesis:
    """Runs a schedule against `cluster`, logging each fault's start and end to `history`.
    Runs on the test's main thread (processes it restarts then die with the test if it is
    killed, see Net.spawn)."""

    def __init__(self, cluster, history, seed, log=print):
        self.cluster = cluster
        self.net = cluster.net
        self.history = history
        self.seed = seed
        self.log = log
        self.applied = []  # (step, concrete targets, detail) for the report

    # -- targets --------------------------------------------------------------------------

    def _broker_name(self, target, rng):
        if target == "controller":
            c = self.cluster.controller()
            if c is not None:
                return f"b{c}"
        elif target.startswith("leader of "):
            topic, p = target[len("leader of "):].rsplit("/", 1)
            try:
                leader = self.cluster.partition_state(topic, int(p))["leader"]
            except Exception:  # noqa: BLE001 - etcd unreachable or topic missing: pick one
                leader = -1
            if leader > 0:
                return f"b{leader}"
        elif target.startswith("b"):
            return target
        return rng.choice(self.cluster.broker_names())

    def _etcd_name(self, target, rng):
        if target == "etcd leader":
            leader = self.cluster.etcd.leader()
            if leader:
                return leader
            return rng.choice(self.cluster.etcd_names())
        return target

    # -- faults ---------------------------------------------------------------------------

    def apply(self, step, rng):
        """Starts the step's fault; returns (targets, undo)."""
        kind, target = step["fault"], step["target"]
        c, net = self.cluster, self.net
        brokers, etcd = c.broker_names(), c.etcd_names()
        if kind in ("isolate-leader", "isolate-controller"):
            b = self._broker_name(target, rng)
            net.cut_between([b], [x for x in brokers if x != b] + etcd)
            return [b], net.heal
        if kind == "isolate-leader-from-followers":
            b = self._broker_name(target, rng)
            net.cut_between([b], [x for x in brokers if x != b])
            return [b], net.heal
        if kind == "broker-cut-from-etcd":
            b = self._broker_name(target, rng)
            net.cut_between([b], etcd)
            return [b], net.heal
        if kind == "etcd-minority":
            e = self._etcd_name(target, rng)
            net.cut_between([e], [x for x in etcd if x != e])
            return [e], net.heal
        if kind == "split":
            minority = list(target)
            majority = [x for x in brokers + etcd if x not in minority]
            net.partition(minority, majority)
            return [minority, majority], net.heal
        if kind in ("kill-broker", "pause-broker"):
            b = self._broker_name(target, rng)
            proc = c.process(b)
        elif kind in ("kill-etcd", "pause-etcd"):
            b = self._etcd_name(target, rng)
            proc = c.process(b)
        else:
            raise ValueError(kind)
        if not proc.running():
            return [b + " (not running)"], lambda: None
        if kind.startswith("kill"):
            proc.kill()
            return [b], (proc.start if kind == "kill-broker" else proc.spawn)
        proc.pause()
        return [b], proc.resume

    def run(self, steps, t0):
        """Runs `steps`, their times relative to time.monotonic() value t0."""
        for i, step in enumerate(steps):
            self._sleep_until(t0 + step["at"])
            rng = random.Random(f"{self.seed}-{i}")
            targets, undo = self.apply(step, rng)
            start = self.history.now()
            self.history.add({"type": "nemesis", "phase": "start", "fault": step["fault"], "target": step["target"],
                              "targets": targets, "t": start, "step": i})
            self.log(f"[{start:7.1f}s] start {step['fault']} {step['target']} -> {targets}")
            self._sleep_until(t0 + step["at"] + step["duration"])
            error = None
            try:
                undo()
            except Exception as e:  # noqa: BLE001 - e.g. a broker that does not start again
                error = repr(e)
            end = self.history.now()
            self.history.add({"type": "nemesis", "phase": "end", "fault": step["fault"], "targets": targets,
                              "t": end, "step": i, "error": error})
            self.log(f"[{end:7.1f}s] end   {step['fault']} {targets}" + (f" ERROR {error}" if error else ""))
            self.applied.append({"step": i, **step, "targets": targets, "started": start, "ended": end,
                                 "error": error})

    @staticmethod
    def _sleep_until(deadline):
        # The schedule's own timing: intervals are part of the schedule, not waits for a condition.
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.5))
