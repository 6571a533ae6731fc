"""Consumer groups with real librdkafka consumers (confluent-kafka), each in its own process:
disjoint assignments covering every partition for range, roundrobin and cooperative-sticky;
partitions move when a member leaves or is killed (after the session timeout); a consumer
beyond the partition count stays idle."""
import json
import os
import signal
import subprocess
import sys
import threading

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import wait_until

HELPER = os.path.join(os.path.dirname(__file__), "group_consumer.py")


class GroupMember:
    """One group_consumer.py process; its latest reported assignment."""

    def __init__(self, broker, group, topic, strategy, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, HELPER, "--bootstrap", broker.bootstrap, "--group", group, "--topic", topic,
             "--strategy", strategy, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.assignment = None
        self.events = []
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            self.events.append(ev)
            if "assignment" in ev:
                self.assignment = {tuple(tp) for tp in ev["assignment"]}
            if ev.get("closed"):
                self.closed = True

    def close(self):
        self.proc.stdin.write("close\n")
        self.proc.stdin.flush()
        self.proc.wait(30)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        f.result(30)


def balanced(members, topic, partitions):
    """Every member has reported, assignments are disjoint and cover every partition."""
    sets = [m.assignment for m in members]
    if any(s is None for s in sets):
        return False
    union = set().union(*sets)
    total = sum(len(s) for s in sets)
    return union == {(topic, p) for p in range(partitions)} and total == partitions


@pytest.fixture
def members():
    made = []
    yield made
    for m in made:
        m.stop()


@pytest.mark.parametrize("strategy", ["range", "roundrobin", "cooperative-sticky"])
def test_three_consumers_share_six_partitions_and_take_over_on_leave(broker, members, strategy):
    create_topic(broker, "orders", 6)
    group = f"g-{strategy}"
    for _ in range(3):
        members.append(GroupMember(broker, group, "orders", strategy))
    wait_until(lambda: balanced(members, "orders", 6) and all(len(m.assignment) == 2 for m in members),
               timeout=60, message="3 x 2 partitions")

    leaving = members.pop(0)
    leaving.close()
    assert leaving.closed
    wait_until(lambda: balanced(members, "orders", 6) and all(len(m.assignment) == 3 for m in members),
               timeout=60, message="2 x 3 partitions after a member left")


def test_killed_consumer_partitions_move_after_session_timeout(broker, members):
    create_topic(broker, "events", 6)
    for _ in range(3):
        members.append(GroupMember(broker, "g-kill", "events", "range"))
    wait_until(lambda: balanced(members, "events", 6) and all(len(m.assignment) == 2 for m in members),
               timeout=60, message="3 x 2 partitions")
    victim = members.pop(1)
    victim.kill()
    wait_until(lambda: balanced(members, "events", 6) and all(len(m.assignment) == 3 for m in members),
               timeout=60, message="survivors own all 6 partitions after the session timeout")


def test_fourth_consumer_on_three_partitions_stays_idle(broker, members):
    create_topic(broker, "small", 3)
    for _ in range(4):
        members.append(GroupMember(broker, "g-idle", "small", "range"))

    def settled():
        if not balanced(members, "small", 3):
            return False
        return sorted(len(m.assignment) for m in members) == [0, 1, 1, 1]

    wait_until(settled, timeout=60, message="three consumers with one partition each, one idle")
