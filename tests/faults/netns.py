"""A private network for fault tests: one Linux network namespace per node (each broker, each
etcd member), each with one veth link to a bridge in the host's namespace, where the test's
clients run. Links between nodes are cut with blackhole routes inside the namespaces (iproute2
only: no iptables or nftables, whose kernel modules a container may lack): a node with a
blackhole route to a peer drops every packet it would send there, so TCP between them stalls
exactly as in a real partition, established connections included, and resumes when the route
is removed.

Everything made is named after the owning process's pid:
  namespaces  mfault-<pid>-<node>      (e.g. mfault-4242-b1)
  links       mf<pid>br (bridge), mf<pid>n<k> (host end of node k's veth)
  state       /run/moldau-faults/<pid> (the owner's start time; says the owner is still alive)
A Net removes all of it in close() (called from the test's finally, and from atexit), and
`cleanup_leftovers()` removes whatever an earlier run left when it was killed: every name whose
owner pid is no longer the process that made it, the processes inside those namespaces first.

Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`).
"""
import atexit
import ctypes
import fcntl
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import threading
import time

NS_PREFIX = "mfault-"
LINK_PREFIX = "mf"
STATE_DIR = "/run/moldau-faults"
SUBNET_BASE = ipaddress.ip_network("10.213.0.0/16")  # one /24 per live run, picked when free

_NS_RE = re.compile(r"^mfault-(\d+)-")
_LINK_RE = re.compile(r"^mf(\d+)(br|n\d+)$")
_PR_SET_PDEATHSIG = 1


def ip(*args, ns=None, check=True):
    """Runs `ip [-n ns] args...`; returns its stdout. Raises with ip's stderr when it fails."""
    argv = ["ip"] + (["-n", ns] if ns else []) + list(args)
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def require_root():
    if os.geteuid() != 0:
        raise PermissionError("fault tests need root (network namespaces, veth links, routes)")
    if shutil.which("ip") is None:
        raise FileNotFoundError("iproute2's `ip` is not installed: run scripts/setup")


def _start_time(pid):
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or
    None when there is no such process. Together with the pid it names one process for good."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[19])


def _owner_alive(pid):
    try:
        with open(os.path.join(STATE_DIR, str(pid))) as f:
            recorded = int(f.read().strip() or "-1")
    except (OSError, ValueError):
        return False
    return recorded == _start_time(pid)


def _kill_namespace_processes(ns):
    """SIGKILLs every process in `ns` (SIGCONT too, for paused ones) and waits until none is left."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = [int(p) for p in ip("netns", "pids", ns, check=False).split()]
        if not pids:
            return
        for pid in pids:
            for sig in (signal.SIGKILL, signal.SIGCONT):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        time.sleep(0.05)
    raise RuntimeError(f"processes in namespace {ns} survived SIGKILL for 30s")


def cleanup_leftovers():
    """Removes namespaces, links and state files of earlier runs whose owner is gone. Returns
    what it removed (names), for the caller to log."""
    removed = []
    for line in ip("netns", "list").splitlines():
        ns = line.split()[0] if line.split() else ""
        m = _NS_RE.match(ns)
        if m and not _owner_alive(int(m.group(1))):
            _kill_namespace_processes(ns)
            ip("netns", "del", ns, check=False)
            removed.append(ns)
    for line in ip("-o", "link", "show").splitlines():
        parts = line.split(": ")
        if len(parts) < 2:
            continue
        name = parts[1].split("@")[0]
        m = _LINK_RE.match(name)
        if m and not _owner_alive(int(m.group(1))):
            ip("link", "del", name, check=False)
            removed.append(name)
    if os.path.isdir(STATE_DIR):
        for name in os.listdir(STATE_DIR):
            if name.isdigit() and not _owner_alive(int(name)):
                try:
                    os.unlink(os.path.join(STATE_DIR, name))
                except FileNotFoundError:
                    pass
    return removed


def _used_subnets():
    used = set()
    for line in ip("-o", "-4", "addr", "show").splitlines():
        m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", line)
        if m:
            addr = ipaddress.ip_address(m.group(1))
            if addr in SUBNET_BASE:
                used.add(ipaddress.ip_network(f"{addr}/24", strict=False))
    return used


class Node:
    """One network namespace with one address on the bridge."""

    def __init__(self, name, index, ns, address, host_link):
        self.name = name          # "b1", "e2"
        self.index = index        # k in the link name mf<pid>n<k>
        self.ns = ns              # mfault-<pid>-<name>
        self.address = address    # "10.213.7.11"
        self.host_link = host_link

    def __repr__(self):
        return f"Node({self.name} {self.address})"


class Net:
    """A bridge and namespaces for named nodes; cut and heal links between any of them and the
    host (the node named "client", where the test's Kafka and etcd clients run).

    Not thread-safe: one thread (the test's, or its nemesis) changes the network.
    """

    CLIENT = "client"

    def __init__(self):
        require_root()
        self.pid = os.getpid()
        self.nodes = {}          # name -> Node
        self.cuts = set()        # frozenset({a, b}) of node names (CLIENT included)
        self.procs = []          # every Popen started in a namespace
        self.closed = False
        self.removed_leftovers = cleanup_leftovers()
        os.makedirs(STATE_DIR, exist_ok=True)
        with open(os.path.join(STATE_DIR, str(self.pid)), "w") as f:
            f.write(str(_start_time(self.pid)))
        self.bridge = f"{LINK_PREFIX}{self.pid}br"
        atexit.register(self.close)
        try:
            with open(os.path.join(STATE_DIR, "lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # two runs must not pick the same subnet
                free = [n for n in SUBNET_BASE.subnets(new_prefix=24) if n not in _used_subnets()]
                if not free:
                    raise RuntimeError(f"no free /24 in {SUBNET_BASE}")
                self.subnet = free[self.pid % len(free)]
                hosts = list(self.subnet.hosts())
                self.client_address = str(hosts[0])
                self._free_addresses = [str(h) for h in hosts[10:]]
                ip("link", "add", self.bridge, "type", "bridge")
                ip("addr", "add", f"{self.client_address}/24", "dev", self.bridge)
                ip("link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    # -- nodes ----------------------------------------------------------------------------

    def add_node(self, name):
        """A namespace `mfault-<pid>-<name>` with lo up and eth0 on the bridge. Returns the Node."""
        assert name not in self.nodes and name != self.CLIENT and re.match(r"^[a-z0-9]+$", name)
        index = len(self.nodes)
        ns = f"{NS_PREFIX}{self.pid}-{name}"
        host_link = f"{LINK_PREFIX}{self.pid}n{index}"
        address = self._free_addresses.pop(0)
        node = Node(name, index, ns, address, host_link)
        self.nodes[name] = node
        ip("netns", "add", ns)
        ip("link", "set", "lo", "up", ns=ns)
        ip("link", "add", host_link, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("link", "set", host_link, "master", self.bridge, "up")
        ip("addr", "add", f"{address}/24", "dev", "eth0", ns=ns)
        ip("link", "set", "eth0", "up", ns=ns)
        return node

    def address(self, name):
        return self.client_address if name == self.CLIENT else self.nodes[name].address

    # -- processes ------------------------------------------------------------------------

    def spawn(self, node_name, argv, log_path, env=None):
        """Starts argv inside the node's namespace (`ip netns exec` execs it, so the Popen's pid
        is the program's own: signals reach it directly). Its own session, so a Ctrl-C at the
        terminal reaches only the test, which then stops everything; and when started from the
        main thread, SIGKILL if the test process dies, so nothing outlives a killed test."""
        node = self.nodes[node_name]
        log = open(log_path, "ab")
        on_main = threading.current_thread() is threading.main_thread()

        def child_setup():
            if on_main:
                ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

        try:
            proc = subprocess.Popen(["ip", "netns", "exec", node.ns] + list(argv), stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=child_setup, env=env)
        finally:
            log.close()
        self.procs.append(proc)
        return proc

    # -- links ----------------------------------------------------------------------------

    def _route(self, action, a, b):
        # The route goes in the namespace of each side that is a node; the host's routing table
        # (shared with everything else on the machine) is never touched. Dropping one direction
        # is enough to stop TCP, and for node-to-node links both sides drop.
        for src, dst in ((a, b), (b, a)):
            if src != self.CLIENT:
                ip("route", action, "blackhole", f"{self.address(dst)}/32", ns=self.nodes[src].ns,
                   check=(action == "add"))

    def cut(self, a, b):
        """Drops every packet between nodes a and b (either may be CLIENT). Idempotent."""
        assert a != b
        link = frozenset((a, b))
        if link not in self.cuts:
            self._route("add", a, b)
            self.cuts.add(link)

    def restore(self, a, b):
        link = frozenset((a, b))
        if link in self.cuts:
            self._route("del", a, b)
            self.cuts.discard(link)

    def cut_between(self, side_a, side_b):
        """Cuts every link from a node of side_a to a node of side_b."""
        for a in side_a:
            for b in side_b:
                if a != b:
                    self.cut(a, b)

    def isolate(self, name, from_=None):
        """Cuts `name` from every node in `from_` (default: every other node and the client)."""
        others = from_ if from_ is not None else [n for n in list(self.nodes) + [self.CLIENT] if n != name]
        self.cut_between([name], others)

    def partition(self, *sides):
        """A clean split: each side reaches only itself. Nodes not named stay connected to all."""
        for i, a in enumerate(sides):
            for b in sides[i + 1:]:
                self.cut_between(a, b)

    def heal(self):
        """Removes every cut (and any blackhole route left in a namespace)."""
        for node in self.nodes.values():
            ip("route", "flush", "type", "blackhole", ns=node.ns, check=False)
        self.cuts.clear()

    def routes_blackholed(self, name):
        """The addresses `name`'s namespace drops packets to (read back from the kernel)."""
        out = ip("route", "show", "type", "blackhole", ns=self.nodes[name].ns)
        return sorted(line.split()[1].split("/")[0] for line in out.splitlines() if line.strip())

    # -- teardown -------------------------------------------------------------------------

    def close(self):
        """Kills every process started here (and anything else in our namespaces), deletes the
        namespaces (which takes their veth ends, and so the host ends), the bridge and the state
        file. Idempotent; never raises for something already gone."""
        if self.closed:
            return
        self.closed = True
        for proc in self.procs:
            if proc.poll() is None:
                for sig in (signal.SIGKILL, signal.SIGCONT):
                    try:
                        proc.send_signal(sig)
                    except ProcessLookupError:
                        pass
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        for node in self.nodes.values():
            _kill_namespace_processes(node.ns)
            ip("netns", "del", node.ns, check=False)
            ip("link", "del", node.host_link, check=False)
        ip("link", "del", self.bridge, check=False)
        try:
            os.unlink(os.path.join(STATE_DIR, str(self.pid)))
        except FileNotFoundError:
            pass
        try:
            atexit.unregister(self.close)
        except Exception:  # noqa: BLE001 - interpreter shutting down
            pass


def leftovers_of(pid):
    """Names of namespaces and links that belong to `pid` (for tests of the cleanup)."""
    names = [line.split()[0] for line in ip("netns", "list").splitlines() if line.split()]
    names = [n for n in names if n.startswith(f"{NS_PREFIX}{pid}-")]
    for line in ip("-o", "link", "show").splitlines():
        parts = line.split(": ")
        if len(parts) >= 2:
            name = parts[1].split("@")[0]
            m = _LINK_RE.match(name)
            if m and int(m.group(1)) == pid:
                names.append(name)
    return names
