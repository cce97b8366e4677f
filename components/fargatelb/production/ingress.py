"""Ingress open to the world, judged by address space, not by spelling.

`0.0.0.0/0` is the world, and so are `0.0.0.0/1` + `128.0.0.0/1`, or any set of blocks that
together cover every IPv4 (or IPv6) address. For each security group, the CIDRs of all its ingress
rules (rule resources, legacy `SecurityGroupRule`s and inline `ingress` blocks) that admit a given
protocol and port are collapsed together, per address family, and the ports where they cover the
whole space are reported with the rules that make it so. Rules whose CIDR is unknown in a preview
count for nothing: CrossGuard runs again during `pulumi up`, when they are known.

Where the world is legitimately admitted: on a load balancer's listener ports, in the load
balancer's own security group. Clients reach a load balancer by design; an internal one has only
private addresses, so there "the world" means whatever can route to it. Everywhere else, and on any
other port, it is refused; a production stack also refuses it on anything but TCP 80 and 443
(Security Hub EC2.18).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from ..graph import Graph, Node
from ..verify.sgrules import rules_of
from ..verify.tokens import LISTENERS, LOAD_BALANCERS, SECURITY_GROUP
from ..verify.values import as_int, sg_protocol

ALL_PORTS = (0, 65535)
_WORLD = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}
# The traffic a listener protocol admits on its port.
_LISTENER_PROTOCOLS = {"HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",), "UDP": ("udp",),
                       "TCP_UDP": ("tcp", "udp"), "GENEVE": ("udp",)}  # fmt: skip


@dataclass(frozen=True)
class _Entry:
    node: Node
    protocol: str
    ports: tuple[int, int]
    network: ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class WorldOpening:
    """Ports of one security group open to a whole address space."""

    group: Node
    protocol: str
    """`tcp`, `udp`, `icmp`, ... or `-1`: every protocol."""
    ports: tuple[int, int]
    family: int
    """4 or 6."""
    rules: tuple[Node, ...]
    """The resources whose CIDRs together cover the space."""
    cidrs: tuple[str, ...]

    def __str__(self) -> str:
        protocol = "every protocol" if self.protocol == "-1" else self.protocol
        low, high = self.ports
        ports = "" if self.protocol == "-1" else f"/{low}" if low == high else f"/{low}-{high}"
        if self.ports == ALL_PORTS and self.protocol != "-1":
            ports = "/every port"
        space = "0.0.0.0/0" if self.family == 4 else "::/0"
        return (
            f"security group {self.group.name} admits the whole IPv{self.family} space ({space}, as "
            f"{', '.join(self.cidrs)} in {', '.join(sorted({r.name for r in self.rules}))}) on {protocol}{ports}"
        )


def _ports(protocol: str, low: int | None, high: int | None) -> tuple[int, int] | None:
    if protocol == "-1":
        return ALL_PORTS
    if protocol not in ("tcp", "udp"):
        return ALL_PORTS  # ICMP types and other protocols: no ports, the whole protocol
    if low is None or high is None:
        return None  # unknown in this preview
    return (max(low, 0), min(high, 65535)) if low >= 0 else ALL_PORTS


def _networks(cidrs: Iterable[object]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for cidr in cidrs:
        if isinstance(cidr, str):
            try:
                found.append(ipaddress.ip_network(cidr, strict=False))
            except ValueError:
                continue  # AWS refuses it; the input rules report that
    return found


def _entries(graph: Graph) -> dict[str, list[_Entry]]:
    """Every ingress CIDR, by security group URN."""
    by_group: dict[str, list[_Entry]] = {}

    def add(group: Node, node: Node, protocol: str | None, low: object, high: object, cidrs: Iterable[object]) -> None:
        if protocol is None:
            return
        ports = _ports(protocol, as_int(low), as_int(high))
        if ports is None:
            return
        for network in _networks(cidrs):
            by_group.setdefault(group.urn, []).append(_Entry(node, protocol, ports, network))

    for rule in rules_of(graph):
        if not rule.egress:
            for group in rule.groups:
                add(group, rule.node, rule.protocol, rule.from_port, rule.to_port, rule.cidrs)
    for group in graph.of_type(SECURITY_GROUP):
        for block in group.get("ingress") or []:
            if isinstance(block, dict):
                cidrs = [*(block.get("cidrBlocks") or []), *(block.get("ipv6CidrBlocks") or [])]
                protocol = sg_protocol(block.get("protocol"))
                add(group, group, protocol, block.get("fromPort"), block.get("toPort"), cidrs)
    return by_group


def world_family(cidrs: Iterable[object]) -> int | None:
    """4 or 6 when `cidrs` together cover that whole address space, else None."""
    networks = _networks(cidrs)
    for family in (4, 6):
        collapsed = ipaddress.collapse_addresses([n for n in networks if n.version == family])  # type: ignore[type-var]
        if any(n == _WORLD[family] for n in collapsed):
            return family
    return None


def _covered(entries: list[_Entry], family: int) -> list[_Entry] | None:
    """The entries of `family` if together they cover its whole space, else None."""
    mine = [e for e in entries if e.network.version == family]
    collapsed = ipaddress.collapse_addresses([e.network for e in mine])  # type: ignore[type-var]
    return mine if any(n == _WORLD[family] for n in collapsed) else None


def _openings_of(group: Node, entries: list[_Entry]) -> list[WorldOpening]:
    found: list[WorldOpening] = []
    every = [e for e in entries if e.protocol == "-1"]
    for family in (4, 6):
        covering = _covered(every, family)
        if covering:
            found.append(_opening(group, "-1", ALL_PORTS, family, covering))
            continue
        for protocol in sorted({e.protocol for e in entries} - {"-1"}):
            applicable = [e for e in entries if e.protocol in (protocol, "-1")]
            bounds = sorted({e.ports[0] for e in applicable} | {e.ports[1] + 1 for e in applicable})
            run: tuple[int, int, list[_Entry]] | None = None
            for low, next_low in itertools.pairwise(bounds):
                inside = [e for e in applicable if e.ports[0] <= low <= e.ports[1]]
                covering = _covered(inside, family)
                if covering and run is not None and run[1] == low - 1:
                    run = (run[0], next_low - 1, run[2] + covering)
                    continue
                if run is not None:
                    found.append(_opening(group, protocol, (run[0], run[1]), family, run[2]))
                run = (low, next_low - 1, covering) if covering else None
            if run is not None:
                found.append(_opening(group, protocol, (run[0], run[1]), family, run[2]))
    return found


def _opening(group: Node, protocol: str, ports: tuple[int, int], family: int, entries: list[_Entry]) -> WorldOpening:
    def inside_another(e: _Entry) -> bool:
        return any(o.network != e.network and e.network.subnet_of(o.network) for o in entries)  # type: ignore[arg-type]

    entries = [e for e in entries if not inside_another(e)]  # name the rules that make it the world
    cidrs = tuple(sorted({str(e.network) for e in entries}, key=lambda c: ipaddress.ip_network(c)))
    rules = tuple({e.node.urn: e.node for e in entries}.values())
    return WorldOpening(group, protocol, ports, family, rules, cidrs)


def world_openings(graph: Graph) -> list[WorldOpening]:
    """Every protocol and port range on which a security group admits a whole address space."""
    groups = {g.urn: g for g in graph.of_type(SECURITY_GROUP)}
    found: list[WorldOpening] = []
    for urn, entries in sorted(_entries(graph).items()):
        if urn in groups:
            found.extend(_openings_of(groups[urn], entries))
    return found


def listener_ports(graph: Graph, load_balancer: Node) -> set[tuple[str, int]]:
    """(protocol, port) of every listener of `load_balancer` whose port is known."""
    ports: set[tuple[str, int]] = set()
    for token in LISTENERS:
        for listener in graph.referrers(load_balancer, token, "loadBalancerArn"):
            port = as_int(listener.get("port"))
            protocol = listener.get("protocol") or ("HTTP" if _application(load_balancer) else "TCP")
            if port is not None:
                ports.update((p, port) for p in _LISTENER_PROTOCOLS.get(str(protocol).upper(), ()))
    return ports


def _application(load_balancer: Node) -> bool:
    return load_balancer.get("loadBalancerType", "application") == "application"


def load_balancers_of(graph: Graph, group: Node) -> list[Node]:
    """The load balancers that use `group`."""
    return [lb for token in LOAD_BALANCERS for lb in graph.referrers(group, token, "securityGroups")]


def on_listener_ports(graph: Graph, opening: WorldOpening) -> bool:
    """Is the opening only on listener ports of a load balancer that uses its security group?"""
    if opening.protocol == "-1":
        return False
    low, high = opening.ports
    for load_balancer in load_balancers_of(graph, opening.group):
        served = listener_ports(graph, load_balancer)
        if high - low < len(served) and all((opening.protocol, port) in served for port in range(low, high + 1)):
            return True
    return False


def unexpected(graph: Graph) -> list[WorldOpening]:
    """World openings anywhere but a load balancer's listener ports in its own security group."""
    return [o for o in world_openings(graph) if not on_listener_ports(graph, o)]


AUTHORIZED = {("tcp", 80), ("tcp", 443)}
"""What EC2.18 authorizes by default (its `authorizedTcpPorts` parameter: 80, 443)."""


def unauthorized(graph: Graph) -> list[WorldOpening]:
    """World openings on anything but TCP 80 and 443 (Security Hub EC2.18)."""
    return [
        o for o in world_openings(graph) if not (o.ports[0] == o.ports[1] and (o.protocol, o.ports[0]) in AUTHORIZED)
    ]
