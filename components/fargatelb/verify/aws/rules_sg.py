"""Security-group rules judged together, as EC2 judges a group's rules: no two the same, and no more
than the group's quota per direction and address family.

Each rule resource (`vpc.SecurityGroupIngressRule`/`EgressRule`, one peer each; the legacy
`ec2.SecurityGroupRule`, a peer per CIDR block) becomes the permissions EC2 stores: (group,
direction, protocol, port range, peer). A group or peer known only by a literal id (a program that
takes `sg-0123...` from elsewhere) is compared by that id; a CIDR by the network it denotes
(`10.0.0.0/016` is `10.0.0.0/16`); a peer known only at deploy (the VPC's block) counts against the
quota but equals no other rule; a rule whose group, protocol or ports are unknown is left out.
Rules written inline in `ec2.SecurityGroup(ingress=..., egress=...)` aren't read (the components
never write them; `verify/sgrules.py` doesn't either).
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ...graph import Node
from ..context import Context
from ..model import Layer
from ..sgrules import SgRule
from ..tokens import EGRESS_RULE, INGRESS_RULE
from .registry import Problem, graph_rule

# Amazon VPC quotas, "Inbound or outbound rules per security group" (L-0EA8095F): 60 by default,
# enforced separately for IPv4 and IPv6 rules; a rule that references a security group or an
# AWS-managed prefix list counts once for each (the S3 gateway endpoint's list weighs 1).
DEFAULT_RULES_PER_GROUP = 60
QUOTA_URL = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups"


@dataclass(frozen=True)
class Permission:
    """One permission EC2 stores for a rule resource."""

    node: Node
    group: str
    """The group's URN, or its literal id."""
    group_node: Node | None
    egress: bool
    protocol: str
    ports: tuple[int, int] | None
    """None for protocol -1 (all ports)."""
    peer: tuple[str, str]
    """("cidr", network), ("sg", URN or id) or ("pl", URN or id)."""
    peer_text: str
    families: tuple[str, ...]
    """Which quotas it counts against: ("IPv4",), ("IPv6",) or both (a group or prefix list peer)."""
    prop: str
    """The rule's input holding the peer."""

    @property
    def key(self) -> tuple[object, ...]:
        return (self.group, self.egress, self.protocol, self.ports, self.peer)

    @property
    def text(self) -> str:
        ports = "all ports" if self.ports is None else "/".join(dict.fromkeys(map(str, self.ports)))
        protocol = "all traffic" if self.protocol == "-1" else f"{self.protocol}/{ports}"
        return f"{'egress' if self.egress else 'ingress'} {protocol} {'to' if self.egress else 'from'} {self.peer_text}"


def _cidr(text: str) -> tuple[tuple[str, str], str]:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return ("cidr", text), "IPv6" if ":" in text else "IPv4"
    return ("cidr", str(network)), f"IPv{network.version}"


def permissions(ctx: Context) -> list[Permission]:
    """Every permission the graph's rule resources add, where the group, protocol, ports and peer are
    known."""
    out: list[Permission] = []
    for rule in ctx.rules.all:
        node = rule.node
        groups: list[tuple[str, Node | None]] = [(g.urn, g) for g in rule.groups]
        literal_group = node.get("securityGroupId")
        if not groups and isinstance(literal_group, str):
            groups = [(literal_group, None)]
        if not groups or rule.protocol is None:
            continue
        ports: tuple[int, int] | None = None
        if rule.protocol != "-1":
            if rule.from_port is None or rule.to_port is None:
                continue
            ports = (rule.from_port, rule.to_port)
        for group, group_node in groups:
            for peer, text, families, prop in _peers(rule):
                out.append(
                    Permission(node, group, group_node, rule.egress, rule.protocol, ports, peer, text, families, prop)
                )
    return out


def _peers(rule: SgRule) -> Iterator[tuple[tuple[str, str], str, tuple[str, ...], str]]:
    node = rule.node
    modern = node.type in (INGRESS_RULE, EGRESS_RULE)
    for cidr in rule.cidrs:
        peer, family = _cidr(cidr)
        prop = ("cidrIpv6" if family == "IPv6" else "cidrIpv4") if modern else "cidrBlocks"
        yield peer, cidr, (family,), prop
    if rule.cidr_unknown:  # a block known at deploy (the VPC's): a rule all the same, equal to no other
        prop = "cidrIpv6" if node.dependencies_of("cidrIpv6") else "cidrIpv4"
        yield ("unknown", f"{node.urn}#{prop}"), "a CIDR known at deploy", (f"IPv{prop[-1]}",), prop
    both = ("IPv4", "IPv6")
    sg_prop = "referencedSecurityGroupId" if modern else "sourceSecurityGroupId"
    for peer_node in rule.peers:
        yield ("sg", peer_node.urn), peer_node.name, both, sg_prop
    literal = node.get(sg_prop) if not rule.peers else None
    if isinstance(literal, str):
        yield ("sg", literal), literal, both, sg_prop
    pl_prop = "prefixListId" if modern else "prefixListIds"
    for pl in rule.prefix_lists:
        yield ("pl", pl.urn), f"prefix list of {pl.name}", both, pl_prop
    if not rule.prefix_lists:
        literals = node.get(pl_prop)
        for pl_id in [literals] if isinstance(literals, str) else literals or []:
            if isinstance(pl_id, str):
                yield ("pl", pl_id), f"prefix list {pl_id}", both, pl_prop


@graph_rule(
    "sg-rule-duplicate",
    "No two rules of a security group carry the same direction, protocol, ports and peer",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html "
    "(InvalidPermission.Duplicate: the specified rule already exists for that security group)",
)
def duplicate_rules(ctx: Context) -> Iterator[tuple[Node, Problem]]:
    first: dict[tuple[object, ...], Permission] = {}
    for permission in permissions(ctx):
        seen = first.setdefault(permission.key, permission)
        if seen is permission:
            continue
        group = permission.group_node.name if permission.group_node else permission.group
        again = "lists it twice" if seen.node.urn == permission.node.urn else f"repeats {seen.node.name}"
        client = not permission.egress and permission.peer[0] == "cidr"
        yield (
            permission.node,
            Problem(
                f"{permission.node.name} {again}: {permission.text} on {group}; EC2 refuses the second "
                f"(InvalidPermission.Duplicate){' — the allowed CIDRs list one block twice' if client else ''}",
                property=permission.prop,
                value=permission.peer_text,
                concern="client_cidrs" if client else None,
                target=None if seen.node.urn == permission.node.urn else seen.node,
            ),
        )


@graph_rule(
    "sg-rule-quota",
    f"A security group holds at most {DEFAULT_RULES_PER_GROUP} inbound and {DEFAULT_RULES_PER_GROUP} outbound "
    "rules per address family (the default, adjustable quota L-0EA8095F)",
    QUOTA_URL,
    layer=Layer.LIMITS,
)
def rule_quota(ctx: Context) -> Iterator[tuple[Node, Problem]]:
    counted: dict[tuple[str, bool], dict[str, list[Permission]]] = defaultdict(lambda: defaultdict(list))
    for permission in {p.key: p for p in permissions(ctx)}.values():  # a duplicate is its own finding
        for family in permission.families:
            counted[(permission.group, permission.egress)][family].append(permission)
    for (_, egress), families in sorted(counted.items(), key=lambda item: str(item[0])):
        over = {family: held for family, held in sorted(families.items()) if len(held) > DEFAULT_RULES_PER_GROUP}
        if not over:
            continue
        held = list({p.node.urn + repr(p.key): p for ps in over.values() for p in ps}.values())
        group = held[0].group_node
        direction = "outbound" if egress else "inbound"
        counts = " and ".join(f"{len(ps)} {direction} {family} rules" for family, ps in over.items())
        both = " (a rule naming a security group or prefix list counts against both)" if len(over) > 1 else ""
        owners = _owners(ctx, held)
        client_cidrs = not egress and all(p.peer[0] == "cidr" for p in held) and len(owners) == 1
        yield (
            group or held[0].node,
            Problem(
                f"{group.name if group else held[0].group} would hold {counts}{both}; a security group holds "
                f"{DEFAULT_RULES_PER_GROUP} per direction and address family unless the account's quota L-0EA8095F "
                f"was raised, so EC2 refuses rule {DEFAULT_RULES_PER_GROUP + 1} (RulesPerSecurityGroupLimitExceeded) "
                f"after creating the rest. The rules come from {_describe(owners)}",
                property=f"{direction} rules",
                value=max(len(ps) for ps in over.values()),
                concern="client_cidrs" if client_cidrs else None,
            ),
        )


def _owners(ctx: Context, held: list[Permission]) -> dict[str, list[Permission]]:
    owners: dict[str, list[Permission]] = defaultdict(list)
    for permission in held:
        owners[ctx.owner(permission.node) or permission.node.name].append(permission)
    return dict(sorted(owners.items(), key=lambda item: (-len(item[1]), item[0])))


def _describe(owners: dict[str, list[Permission]]) -> str:
    parts = []
    for owner, held in owners.items():
        peers = Counter(p.peer for p in held)
        ports = {p.ports for p in held}
        if all(p.peer[0] == "cidr" for p in held):
            how = f"{len(peers)} CIDR blocks × {len(ports)} port{'s' if len(ports) > 1 else ''}"
        elif all(p.peer[0] == "sg" for p in held):
            how = f"to {len(peers)} security group{'s' if len(peers) > 1 else ''}"
        else:
            how = f"{len(peers)} peers"
        parts.append(f"{owner}: {len(held)} ({how})")
    if len(parts) > 6:
        parts = [
            *parts[:5],
            f"and {len(parts) - 5} more components with {sum(len(h) for h in list(owners.values())[5:])}",
        ]
    each = (
        " — one per component: spread them over more security groups (another load balancer, another network) "
        "or raise the quota"
        if len(owners) > 6
        else ""
    )
    return "; ".join(parts) + each
