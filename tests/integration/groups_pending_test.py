"""Two members joining a group at once, in raw JoinGroup v5 / SyncGroup v3 requests (KIP-394):
both get MEMBER_ID_REQUIRED; the first one's rejoin completes generation 1 without the second
(at once with group.initial.rebalance.delay.ms=0, after the delay with Kafka's default 3000);
the second's rejoin, arriving after that, must be accepted as Kafka accepts it (its pending
member id survives the completed join) and start generation 2, in which both members get
assignments. Before the fix it got UNKNOWN_MEMBER_ID and the group lost a round.

Each member has its own connection, since a JoinGroup stays unanswered until its join phase
completes. Asserts error codes, generations, leaders and assignments, never timing.
"""
import socket
import struct
import time

import pytest

from raw_batches import frame, read_response

FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP = 10, 11, 14
NONE, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, MEMBER_ID_REQUIRED = 0, 27, 25, 79
COORDINATOR_RETRIABLE = {14, 15, 16}  # loading, not available, not coordinator


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def nullable_string(s):
    return struct.pack(">h", -1) if s is None else string(s)


def byte_array(b):
    return struct.pack(">i", len(b)) + b


def subscription(topic):
    # ConsumerProtocolSubscription v0: version, topics, user data (null).
    return struct.pack(">h", 0) + struct.pack(">i", 1) + string(topic) + struct.pack(">i", -1)


def assignment(topic, partitions):
    # ConsumerProtocolAssignment v0: version, [topic, [partition]], user data (null).
    return (struct.pack(">h", 0) + struct.pack(">i", 1) + string(topic) +
            struct.pack(">i", len(partitions)) + b"".join(struct.pack(">i", p) for p in partitions) +
            struct.pack(">i", -1))


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def bytes(self):
        n = self.take(">i")
        if n < 0:
            return None
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b


class Member:
    """One group member on its own connection, speaking JoinGroup v5 and SyncGroup v3."""

    def __init__(self, bootstrap, group, topic, name):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        self.group, self.topic, self.name = group, topic, name
        self.member_id = ""
        self.correlation = 0

    def close(self):
        self.sock.close()

    def send_join(self):
        self.correlation += 1
        body = (string(self.group) + struct.pack(">ii", 30000, 60000) + string(self.member_id) +
                nullable_string(None) + string("consumer") + struct.pack(">i", 1) + string("range") +
                byte_array(subscription(self.topic)))
        self.sock.sendall(frame(JOIN_GROUP, 5, self.correlation, body, client_id=self.name))

    def read_join(self):
        r = Reader(read_response(self.sock))
        assert r.take(">i") == self.correlation
        r.take(">i")  # throttle time
        error, generation = r.take(">h"), r.take(">i")
        protocol, leader, member_id = r.string(), r.string(), r.string()
        members = []
        for _ in range(r.take(">i")):
            mid, _instance, _metadata = r.string(), r.string(), r.bytes()
            members.append(mid)
        if member_id:
            self.member_id = member_id
        return {"error": error, "generation": generation, "protocol": protocol, "leader": leader,
                "members": sorted(members)}

    def find_coordinator(self):
        """FindCoordinator v1, as every client sends before joining: it is what creates the
        offsets topic (Kafka's broker does not create it for a JoinGroup). Returns the error."""
        self.correlation += 1
        self.sock.sendall(frame(FIND_COORDINATOR, 1, self.correlation, string(self.group) + b"\x00",
                                client_id=self.name))
        r = Reader(read_response(self.sock))
        assert r.take(">i") == self.correlation
        r.take(">i")  # throttle time
        return r.take(">h")

    def join(self):
        """A JoinGroup answered at once or after its join phase; retries while the coordinator
        is still coming up."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.find_coordinator() != NONE:
            time.sleep(0.05)
        while time.monotonic() < deadline:
            self.send_join()
            res = self.read_join()
            if res["error"] not in COORDINATOR_RETRIABLE:
                return res
            time.sleep(0.05)  # the offsets topic's partition is still being created or loaded
        raise AssertionError(f"{self.name}: coordinator never became available")

    def sync(self, generation, assignments=None):
        self.correlation += 1
        body = string(self.group) + struct.pack(">i", generation) + string(self.member_id) + nullable_string(None)
        assignments = assignments or {}
        body += struct.pack(">i", len(assignments))
        for mid, a in assignments.items():
            body += string(mid) + byte_array(a)
        self.sock.sendall(frame(SYNC_GROUP, 3, self.correlation, body, client_id=self.name))
        r = Reader(read_response(self.sock))
        assert r.take(">i") == self.correlation
        r.take(">i")  # throttle time
        return r.take(">h"), r.bytes()


@pytest.mark.parametrize("initial_delay_ms", [0, 3000])
def test_second_pending_member_joins_the_next_generation(broker_factory, initial_delay_ms):
    broker = broker_factory({"group.initial.rebalance.delay.ms": str(initial_delay_ms)})
    group, topic = f"pending-{initial_delay_ms}", "pending-topic"
    a = Member(broker.bootstrap, group, topic, "member-a")
    b = Member(broker.bootstrap, group, topic, "member-b")
    try:
        # Both join at once without ids: both are asked to come back with one.
        first_a, first_b = a.join(), b.join()
        assert first_a["error"] == MEMBER_ID_REQUIRED and a.member_id.startswith("member-a-")
        assert first_b["error"] == MEMBER_ID_REQUIRED and b.member_id.startswith("member-b-")

        # a rejoins first; its join phase completes (the initial delay runs out, b still pending).
        gen1 = a.join()
        assert gen1["error"] == NONE, gen1
        assert gen1["generation"] == 1
        assert gen1["leader"] == a.member_id
        assert gen1["members"] == [a.member_id]

        # b's rejoin comes after generation 1 completed: it is accepted and starts a rebalance
        # (its JoinGroup waits for a), instead of UNKNOWN_MEMBER_ID.
        b.send_join()
        # a learns about the rebalance from its SyncGroup of generation 1 and rejoins.
        err, _ = a.sync(1, {a.member_id: assignment(topic, [0])})
        if err == NONE:
            # The sync may have completed generation 1 before b's join reached the coordinator.
            err, _ = a.sync(1, {a.member_id: assignment(topic, [0])})
        if err != REBALANCE_IN_PROGRESS:
            # b's rejoin did not start a rebalance; its JoinGroup was answered already.
            pytest.fail(f"a's SyncGroup got error {err}, not REBALANCE_IN_PROGRESS; b's rejoin was "
                        f"answered {b.read_join()}")
        a.send_join()
        gen2_a, gen2_b = a.read_join(), b.read_join()
        for res in (gen2_a, gen2_b):
            assert res["error"] == NONE, res
            assert res["generation"] == 2, res
            assert res["leader"] == gen2_a["leader"]
        leader, follower = (a, b) if gen2_a["leader"] == a.member_id else (b, a)
        assert (gen2_a if leader is a else gen2_b)["members"] == sorted([a.member_id, b.member_id])

        # Both get their assignments in generation 2. The follower's SyncGroup waits for the
        # leader's, so send it first and read it after.
        follower.correlation += 1
        body = (string(group) + struct.pack(">i", 2) + string(follower.member_id) + nullable_string(None) +
                struct.pack(">i", 0))
        follower.sock.sendall(frame(SYNC_GROUP, 3, follower.correlation, body, client_id=follower.name))
        plan = {leader.member_id: assignment(topic, [0]), follower.member_id: assignment(topic, [1])}
        err, got = leader.sync(2, plan)
        assert err == NONE and got == plan[leader.member_id]
        r = Reader(read_response(follower.sock))
        assert r.take(">i") == follower.correlation
        r.take(">i")
        assert r.take(">h") == NONE
        assert r.bytes() == plan[follower.member_id]
    finally:
        a.close()
        b.close()
