"""The emulated VPC: one Linux network namespace per network interface that matters.

    internet ("net")                  igw                     vpc (router)                  hosts
    clients 198.51.100.x ──veth── 1:1 NAT public ──veth── one bridge per subnet ──veth── ALB/NLB nodes,
    internet host 192.0.2.80         203.0.113.x ⇄ private    route table per subnet         tasks, endpoint
                                                           (ip rule iif bridge → table)    ENIs, VPC client
                                                        ──veth── gateway endpoint (prefix list 198.18.N.0/24)

- Every subnet is a bridge in the `vpc` namespace, which owns the subnet's first address as the
  VPC router. Traffic inside the VPC CIDR follows the implicit `local` route; anything else follows
  the subnet's route table: 0.0.0.0/0 → internet gateway if it has one, the prefix list of each
  gateway endpoint on it, and `unreachable` otherwise (no NAT gateway, no internet).
- Internet-facing load balancer nodes get a public address (203.0.113.0/24, a documentation range)
  that the `igw` namespace translates 1:1 to the node's private one, as the internet gateway does.
- Clients live in the `net` namespace with addresses from documentation ranges (or from the
  allowed CIDRs); a client inside the VPC is a host in a private subnet with no security group.

Nothing is connected to the machine's own network namespace: every veth is created with both ends
inside namespaces of this run, so no packet can leave the machine. Namespace names start with
`fe2e-<pid>-`, so `cleanup_leftovers` can remove those of a run whose process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import model

NETNS_DIR = Path("/run/netns")
PREFIX = "fe2e-"
CLONE_NEWNET = 0x40000000

PUBLIC_POOL = ipaddress.IPv4Network("203.0.113.0/24")  # public addresses of internet-facing LB nodes
CLIENT_POOL = ipaddress.IPv4Network("198.51.100.0/24")  # internet clients
INTERNET_HOST = ipaddress.IPv4Address("192.0.2.80")  # "somewhere on the internet" for egress probes
PREFIX_LIST_POOL = ipaddress.IPv4Network("198.18.0.0/16")  # gateway endpoints' prefix lists, a /24 each
LINKS = ipaddress.IPv4Network("169.254.240.0/22")  # point-to-point links between the routers
OUTSIDE = "outside every allowed CIDR"


class TopologyError(RuntimeError):
    pass


def run(argv: list[str], *, stdin: str | None = None, timeout: float = 10.0) -> str:
    """Run a command to completion; raise with its stderr when it fails."""
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise TopologyError(f"{' '.join(argv[:6])} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def in_ns(ns: str, argv: list[str]) -> list[str]:
    """argv run inside network namespace `ns` (only the network namespace: files stay the host's)."""
    return ["nsenter", f"--net={NETNS_DIR / ns}", *argv]


_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def entered(ns: str) -> Iterator[None]:
    """Move the calling thread into network namespace `ns` for the block, then back.

    Sockets created inside the block belong to `ns` for their whole life, so the probes open them
    here and use them anywhere. Only this thread moves (network namespaces are per thread).
    """
    with open("/proc/thread-self/ns/net", "rb") as home, open(NETNS_DIR / ns, "rb") as target:
        if _libc.setns(target.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {ns}")
        try:
            yield
        finally:
            if _libc.setns(home.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the original namespace")


def sysctl(ns: str, settings: dict[str, str]) -> None:
    with entered(ns):
        for key, value in settings.items():
            Path("/proc/sys", key.replace(".", "/")).write_text(value)


@dataclass
class Host:
    """One network interface in the VPC, in its own namespace."""

    key: str
    ns: str
    role: str
    """alb-node, nlb-node, task, endpoint or vpc-client."""
    label: str
    """What the report calls it, e.g. `web-alb node eu-west-1a`."""
    subnet: model.Subnet
    ip: ipaddress.IPv4Address
    groups: tuple[str, ...]
    """Security groups on the interface (URNs)."""
    owner: str = ""
    """URN of the load balancer, endpoint or service the interface belongs to."""
    public_ip: ipaddress.IPv4Address | None = None


@dataclass
class Topology:
    run_id: str
    stack: model.Stack
    hosts: list[Host] = field(default_factory=list)
    clients: dict[ipaddress.IPv4Address, str] = field(default_factory=dict)
    """Internet client addresses → why each was picked (which allowed CIDR, or outside them all)."""
    prefix_lists: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    """Gateway endpoint URN → the CIDR standing in for its prefix list."""
    gateway_hosts: dict[str, tuple[str, ipaddress.IPv4Address]] = field(default_factory=dict)
    """Gateway endpoint URN → (namespace, address that answers for the service)."""
    namespaces: list[str] = field(default_factory=list)

    def ns(self, key: str) -> str:
        return f"{PREFIX}{self.run_id}-{key}"

    @property
    def router(self) -> str:
        return self.ns("vpc")

    @property
    def internet(self) -> str:
        return self.ns("net")

    def host(self, key: str) -> Host:
        return next(h for h in self.hosts if h.key == key)

    def members(self, group: str) -> list[Host]:
        return [h for h in self.hosts if group in h.groups]

    def bridge(self, subnet: model.Subnet) -> str:
        return f"br{self.stack.subnets.index(subnet)}"


# ---------------------------------------------------------------------------------------------
# Planning: who gets which address. Pure; `create` then makes it real.


class _Addresses:
    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, subnet: model.Subnet) -> ipaddress.IPv4Address:
        # AWS reserves the first four addresses of a subnet; start at .10 so addresses read easily.
        n = self.next.get(subnet.urn, 10)
        self.next[subnet.urn] = n + 1
        if n >= subnet.cidr.num_addresses - 1:
            raise TopologyError(f"subnet {subnet.name} ({subnet.cidr}) is too small for the emulation")
        return subnet.cidr.network_address + n


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in text)[:40]


def plan(stack: model.Stack, run_id: str, tasks_per_service: int = 2) -> Topology:
    """Place every interface the emulation needs; create nothing yet."""
    topo = Topology(run_id, stack)
    addresses = _Addresses()
    public = iter(list(PUBLIC_POOL.hosts())[9:])
    for lb in stack.load_balancers:
        for i, subnet in enumerate(lb.subnets):
            key = f"lb-{_slug(lb.name)}-{i}"
            role = "alb-node" if lb.type == "application" else "nlb-node"
            label = f"{lb.name} node {subnet.zone}"
            host = Host(key, topo.ns(key), role, label, subnet, addresses.take(subnet), lb.groups, lb.urn)
            if not lb.internal:
                host.public_ip = next(public)
            topo.hosts.append(host)
    for endpoint in stack.endpoints:
        if endpoint.kind == "Interface":
            for i, subnet in enumerate(endpoint.subnets):
                key = f"ep-{_slug(endpoint.service)}-{i}"
                label = f"{endpoint.service} endpoint {subnet.zone}"
                address = addresses.take(subnet)
                topo.hosts.append(
                    Host(key, topo.ns(key), "endpoint", label, subnet, address, endpoint.groups, endpoint.urn)
                )
    for service in stack.services:
        if not service.subnets:
            continue
        for i in range(tasks_per_service):
            subnet = service.subnets[i % len(service.subnets)]
            key = f"task-{_slug(service.name)}-{i + 1}"
            label = f"{service.name} task {i + 1}"
            address = addresses.take(subnet)
            topo.hosts.append(Host(key, topo.ns(key), "task", label, subnet, address, service.groups, service.urn))
    private = [s for s in stack.subnets if s.route_table is None or not s.route_table.internet_gateway]
    if private:
        topo.hosts.append(
            Host(
                "vpc-client",
                topo.ns("vpc-client"),
                "vpc-client",
                "client in the VPC",
                private[0],
                addresses.take(private[0]),
                (),
            )
        )
    gateways = [e for e in stack.endpoints if e.kind == "Gateway"]
    for j, endpoint in enumerate(gateways):
        cidr = list(PREFIX_LIST_POOL.subnets(new_prefix=24))[j]
        topo.prefix_lists[endpoint.urn] = cidr
        topo.gateway_hosts[endpoint.urn] = (topo.ns(f"gw{j}"), cidr.network_address + 10)
    _pick_clients(topo)
    return topo


def _pick_clients(topo: Topology) -> None:
    """An internet client from each allowed CIDR of the internet-facing load balancers' ingress
    rules, and one from outside all of them (if there is an outside)."""
    allowed: list[ipaddress.IPv4Network] = []
    for lb in topo.stack.load_balancers:
        if lb.internal:
            continue
        for group in lb.groups:
            for rule in topo.stack.rules_of(group, egress=False):
                allowed.extend(c for c in rule.cidrs if not c.subnet_of(topo.stack.vpc_cidr))
    pool = iter(list(CLIENT_POOL.hosts())[9:])
    for cidr in dict.fromkeys(allowed):
        first = cidr.network_address + (1 if cidr.num_addresses > 1 else 0)
        address = next(pool) if cidr.prefixlen == 0 else first
        topo.clients.setdefault(address, f"inside {cidr}")
    for candidate in [*list(CLIENT_POOL.hosts())[199:201], INTERNET_HOST - 1]:
        if not any(candidate in c for c in allowed) and candidate not in topo.clients:
            topo.clients[candidate] = OUTSIDE
            break
    if not topo.clients:  # no internet-facing load balancer: a client on the internet all the same
        topo.clients[next(pool)] = OUTSIDE


# ---------------------------------------------------------------------------------------------
# Creating and removing it


def _links() -> Iterator[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]]:
    for net in LINKS.subnets(new_prefix=30):
        a, b = list(net.hosts())
        yield a, b


def _add_namespace(topo: Topology, name: str) -> None:
    run(["ip", "netns", "add", name])
    topo.namespaces.append(name)
    sysctl(name, {"net.ipv6.conf.all.disable_ipv6": "1", "net.ipv6.conf.default.disable_ipv6": "1"})
    run(["ip", "-n", name, "link", "set", "dev", "lo", "up"])


def create(topo: Topology) -> None:
    """Make the planned topology real. On failure the caller still calls `destroy`."""
    stack = topo.stack
    links = _links()
    for name in [topo.router, topo.ns("igw"), topo.internet, *[h.ns for h in topo.hosts]]:
        _add_namespace(topo, name)
    for ns, _ in topo.gateway_hosts.values():
        _add_namespace(topo, ns)
    forwarding = {
        "net.ipv4.ip_forward": "1",
        "net.ipv4.conf.all.rp_filter": "0",
        "net.ipv4.conf.default.rp_filter": "0",
    }
    sysctl(topo.router, forwarding)
    sysctl(topo.ns("igw"), forwarding)

    router: list[str] = []
    for subnet in stack.subnets:
        gw = subnet.cidr.network_address + 1
        br = topo.bridge(subnet)
        router += [
            f"link add name {br} type bridge",
            f"link set dev {br} up",
            f"addr add {gw}/{subnet.cidr.prefixlen} dev {br}",
        ]
    for i, host in enumerate(topo.hosts):
        router += [
            f"link add name p{i} type veth peer name eth0 netns {host.ns}",
            f"link set dev p{i} master {topo.bridge(host.subnet)}",
            f"link set dev p{i} up",
        ]
    vpc_igw, igw_vpc = next(links)
    router += [
        f"link add name igw type veth peer name vpc netns {topo.ns('igw')}",
        f"addr add {vpc_igw}/30 dev igw",
        "link set dev igw up",
    ]
    gateway_links = {}
    later: list[tuple[str, list[str]]] = []
    for j, (urn, (ns, address)) in enumerate(topo.gateway_hosts.items()):
        near, far = next(links)
        gateway_links[urn] = far
        router += [
            f"link add name gw{j} type veth peer name eth0 netns {ns}",
            f"addr add {near}/30 dev gw{j}",
            f"link set dev gw{j} up",
        ]
        later.append((ns, [f"addr add {far}/30 dev eth0", f"addr add {address}/32 dev eth0", "link set dev eth0 up",
                           f"route add default via {near}"]))  # fmt: skip
    # Route tables: the VPC CIDR is always local; everything else by the subnet's table.
    router.append(f"rule add pref 100 to {stack.vpc_cidr} lookup main")
    tables: dict[str, int] = {}
    for subnet in stack.subnets:
        rt = subnet.route_table
        key = rt.urn if rt else f"main:{subnet.urn}"
        if key not in tables:
            table = tables[key] = 100 + len(tables)
            if rt and rt.internet_gateway:
                router.append(f"route add default via {igw_vpc} dev igw table {table}")
            else:
                router.append(f"route add unreachable default table {table}")
            for urn, cidr in topo.prefix_lists.items():
                endpoint = next(e for e in stack.endpoints if e.urn == urn)
                if rt and rt.urn in endpoint.route_tables:
                    router.append(f"route add {cidr} via {gateway_links[urn]} table {table}")
        router.append(f"rule add pref 200 iif {topo.bridge(subnet)} lookup {tables[key]}")
    run(["ip", "-n", topo.router, "-batch", "-"], stdin="\n".join(router) + "\n")
    for ns, commands in later:
        run(["ip", "-n", ns, "-batch", "-"], stdin="\n".join(commands) + "\n")

    for host in topo.hosts:
        gw = host.subnet.cidr.network_address + 1
        run(["ip", "-n", host.ns, "-batch", "-"], stdin="\n".join([
            f"addr add {host.ip}/{host.subnet.cidr.prefixlen} dev eth0", "link set dev eth0 up",
            f"route add default via {gw}",
        ]))  # fmt: skip
        # Docker (and so ECS) lets containers bind ports below 1024 without privileges.
        sysctl(host.ns, {"net.ipv4.ip_unprivileged_port_start": "0"})

    # The internet gateway: routes to the VPC and to the clients, and 1:1 NAT for public addresses.
    igw_net, net_igw = next(links)
    igw = [
        f"addr add {igw_vpc}/30 dev vpc", "link set dev vpc up",
        f"route add {stack.vpc_cidr} via {vpc_igw}",
        f"link add name net type veth peer name eth0 netns {topo.internet}",
        f"addr add {igw_net}/30 dev net", "link set dev net up",
    ]  # fmt: skip
    for address in [*topo.clients, INTERNET_HOST]:
        igw.append(f"route add {address}/32 via {net_igw}")
    run(["ip", "-n", topo.ns("igw"), "-batch", "-"], stdin="\n".join(igw) + "\n")
    net = [f"addr add {net_igw}/30 dev eth0", "link set dev eth0 up", f"route add default via {igw_net}"]
    net += [f"addr add {address}/32 dev eth0" for address in [*topo.clients, INTERNET_HOST]]
    run(["ip", "-n", topo.internet, "-batch", "-"], stdin="\n".join(net) + "\n")
    # From the internet only the translated public addresses lead into the VPC: private ones have
    # no route there, as on the real internet.
    nat = [h for h in topo.hosts if h.public_ip is not None]
    rules = ["table ip igw {", "  chain pre { type nat hook prerouting priority dstnat;"]
    rules += [f"    ip daddr {h.public_ip} dnat to {h.ip}" for h in nat]
    rules += ["  }", "  chain post { type nat hook postrouting priority srcnat;"]
    rules += [f"    ip saddr {h.ip} snat to {h.public_ip}" for h in nat]
    rules += ["  }", "  chain forward { type filter hook forward priority filter;",
              '    iifname "net" ct status dnat accept',
              '    iifname "net" reject with icmp type net-unreachable', "  }", "}"]  # fmt: skip
    run(in_ns(topo.ns("igw"), ["nft", "-f", "-"]), stdin="\n".join(rules) + "\n")


def kill_namespace_processes(ns: str) -> None:
    """SIGKILL every process still inside namespace `ns` (all of them were started by a run)."""
    for _ in range(3):
        try:
            pids = [int(p) for p in run(["ip", "netns", "pids", ns]).split()]
        except (TopologyError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def destroy(topo: Topology) -> None:
    for ns in reversed(topo.namespaces):
        kill_namespace_processes(ns)
        with contextlib.suppress(TopologyError):
            run(["ip", "netns", "delete", ns])
    topo.namespaces.clear()


def _run_alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"e2e" in cmdline or b"pytest" in cmdline


def _stale(name: str) -> bool:
    """Is `name` (`fe2e-<pid>-...`) left by a run whose process is gone?"""
    run_id = name[len(PREFIX) :].split("-", 1)[0]
    if not run_id.isdigit() or int(run_id) == os.getpid():
        return False
    return not _run_alive(int(run_id))


def cleanup_leftovers() -> list[str]:
    """Remove the namespaces (and the processes in them) and run directories left by runs whose
    process is gone, e.g. killed with SIGKILL. Names tell: `fe2e-<pid>-`."""
    removed: list[str] = []
    for path in sorted(NETNS_DIR.iterdir()) if NETNS_DIR.is_dir() else []:
        if path.name.startswith(PREFIX) and _stale(path.name):
            kill_namespace_processes(path.name)
            with contextlib.suppress(TopologyError):
                run(["ip", "netns", "delete", path.name])
                removed.append(path.name)
    for path in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        if path.is_dir() and _stale(path.name):
            shutil.rmtree(path, ignore_errors=True)
    return removed


def route_verdict(topo: Topology, host: Host, destination: ipaddress.IPv4Address) -> str:
    """What the VPC router does with a packet from `host` to `destination` (its route lookup)."""
    try:
        out = run(
            [
                "ip",
                "-n",
                topo.router,
                "route",
                "get",
                str(destination),
                "from",
                str(host.ip),
                "iif",
                topo.bridge(host.subnet),
            ]
        )
    except TopologyError as exc:
        text = str(exc)
        return "no route (unreachable)" if "unreachable" in text.lower() or "no route" in text.lower() else text
    return out.strip().splitlines()[0] if out.strip() else "?"
