"""Security-group rules as the checks see them, whichever resource declares them
(`vpc.SecurityGroupIngressRule`/`EgressRule`, or the legacy `ec2.SecurityGroupRule`), and the
lookup that proves one hop: "does some rule on these groups carry protocol/port to that peer?"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..graph import Graph, Node
from .tokens import EGRESS_RULE, INGRESS_RULE, LEGACY_RULE, SECURITY_GROUP, VPC_ENDPOINT
from .values import as_int, covers, sg_protocol


@dataclass(frozen=True)
class SgRule:
    node: Node
    egress: bool
    groups: tuple[Node, ...]
    protocol: str | None
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...] = ()
    cidr_unknown: bool = False
    """The CIDR comes from another resource (e.g. the VPC's block) and isn't known yet."""
    peers: tuple[Node, ...] = ()
    prefix_lists: tuple[Node, ...] = ()
    prefix_list_unlinked: bool = False
    """A prefix list id with no dependency to tell which endpoint it belongs to."""

    def carries(self, protocol: str, port: int) -> bool | None:
        if self.protocol == "-1":
            return True
        if self.protocol is None:
            return None
        if self.protocol != protocol:
            return False
        if self.from_port is None or self.to_port is None:
            return None
        return self.from_port <= port <= self.to_port

    def reaches(
        self, sgs: set[str], subnets: Sequence[Node], prefix_lists: set[str] | None, internet: bool
    ) -> bool | None:
        """Does the rule's other side include the wanted peer (an SG in `sgs`, a CIDR holding all
        `subnets`, a prefix list of `prefix_lists`, or anywhere when `internet`)?"""
        if any(p.urn in sgs for p in self.peers):
            return True
        if prefix_lists is not None and any(p.urn in prefix_lists for p in self.prefix_lists):
            return True
        result: bool | None = False
        for cidr in self.cidrs:
            covered = covers(cidr, subnets) if not internet else covers(cidr, [])
            if covered:
                return True
            if covered is None:
                result = None
        if self.cidr_unknown and (subnets or internet):
            result = None
        if prefix_lists is not None and self.prefix_list_unlinked:
            result = None
        return result

    @property
    def other_side(self) -> str:
        parts = [p.name for p in self.peers] + list(self.cidrs) + [f"prefix list {p.name}" for p in self.prefix_lists]
        if self.cidr_unknown:
            parts.append("a CIDR known at deploy")
        return ", ".join(parts) or "?"


def rules_of(graph: Graph) -> list[SgRule]:
    rules: list[SgRule] = []

    def sgs(node: Node, prop: str) -> tuple[Node, ...]:
        return tuple(graph.refs(node, prop, SECURITY_GROUP))

    for node in graph.nodes:
        if node.type in (INGRESS_RULE, EGRESS_RULE):
            cidrs = tuple(c for c in (node.get("cidrIpv4"), node.get("cidrIpv6")) if isinstance(c, str))
            linked = bool(graph.refs(node, "cidrIpv4") or graph.refs(node, "cidrIpv6"))
            prefix_nodes = tuple(graph.refs(node, "prefixListId", VPC_ENDPOINT))
            rules.append(
                SgRule(
                    node=node,
                    egress=node.type == EGRESS_RULE,
                    groups=sgs(node, "securityGroupId"),
                    protocol=sg_protocol(node.get("ipProtocol")),
                    from_port=as_int(node.get("fromPort")),
                    to_port=as_int(node.get("toPort")),
                    cidrs=cidrs,
                    cidr_unknown=linked and not cidrs,
                    peers=sgs(node, "referencedSecurityGroupId"),
                    prefix_lists=prefix_nodes,
                    prefix_list_unlinked=bool(node.get("prefixListId")) and not prefix_nodes,
                )
            )
        elif node.type == LEGACY_RULE:
            groups = sgs(node, "securityGroupId")
            peers = sgs(node, "sourceSecurityGroupId") + (groups if node.get("self") else ())
            cidrs = tuple(node.get("cidrBlocks") or ()) + tuple(node.get("ipv6CidrBlocks") or ())
            prefix_nodes = tuple(graph.refs(node, "prefixListIds", VPC_ENDPOINT))
            rules.append(
                SgRule(
                    node=node,
                    egress=node.get("type") == "egress",
                    groups=groups,
                    protocol=sg_protocol(node.get("protocol")),
                    from_port=as_int(node.get("fromPort")),
                    to_port=as_int(node.get("toPort")),
                    cidrs=tuple(c for c in cidrs if isinstance(c, str)),
                    peers=peers,
                    prefix_lists=prefix_nodes,
                    prefix_list_unlinked=bool(node.get("prefixListIds")) and not prefix_nodes,
                )
            )
    return rules


@dataclass
class Hop:
    """The outcome of proving one hop: the rule that proves it, or why it couldn't be proven."""

    status: str  # "ok", "missing", "unknown"
    rule: SgRule | None = None

    @property
    def mark(self) -> str:
        return {"ok": "✓", "unknown": "?", "missing": "✗"}[self.status]


class RuleIndex:
    """Every SG rule of a graph, by the group it belongs to and its direction."""

    def __init__(self, graph: Graph) -> None:
        self.all = rules_of(graph)
        self.ingress: dict[str, list[SgRule]] = {}
        self.egress: dict[str, list[SgRule]] = {}
        for rule in self.all:
            for group in rule.groups:
                (self.egress if rule.egress else self.ingress).setdefault(group.urn, []).append(rule)

    def on(self, groups: Iterable[Node], *, egress: bool) -> list[SgRule]:
        index = self.egress if egress else self.ingress
        return [r for g in groups for r in index.get(g.urn, [])]

    @staticmethod
    def find(
        rules: Sequence[SgRule],
        protocol: str,
        port: int,
        *,
        sgs: Iterable[Node] = (),
        subnets: Sequence[Node] = (),
        prefix_lists: Iterable[Node] | None = None,
        internet: bool = False,
    ) -> Hop:
        """The first of `rules` carrying protocol/port to the wanted peer, or why none does."""
        wanted = {n.urn for n in sgs}
        lists = None if prefix_lists is None else {n.urn for n in prefix_lists}
        status = "missing"
        for rule in rules:
            carries = rule.carries(protocol, port)
            reaches = rule.reaches(wanted, subnets, lists, internet)
            if carries and reaches:
                return Hop("ok", rule)
            if carries is not False and reaches is not False:
                status = "unknown"
        return Hop(status)
