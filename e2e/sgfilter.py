"""Security groups as packet filters: each interface's groups compiled to one nftables table.

For a host (one interface in its own namespace) carrying security groups, `compile_host` emits:

- chain `ingress` on the input hook and chain `egress` on the output hook, both `policy drop`;
- `ct state established,related accept` first: security groups are stateful, so the answer to an
  allowed packet (and ICMP errors about it) always passes, in both directions;
- one `accept` per recorded rule of the host's groups (ingress rules in `ingress`, egress rules in
  `egress`), with the rule's resource name as its comment and a counter. Its other side is the
  rule's `cidrIpv4`, the addresses of every interface that carries the referenced security group
  (`referencedSecurityGroupId`), or the CIDR standing in for a gateway endpoint's prefix list;
- a last `counter drop` named `default deny`, whose counter tells a probe which filter dropped it.

Loopback is not filtered (a task's containers share it, as in awsvpc mode). A host with no
security groups (the client in the VPC) gets no table: it sends and receives anything.
"""

from __future__ import annotations

import json
import subprocess

from . import model
from .topology import Host, Topology, in_ns, run

TABLE = "sg"
DENY = "default deny"


def _match(rule: model.Rule) -> str:
    if rule.protocol == "-1":
        return ""
    if rule.protocol in ("tcp", "udp"):
        ports = str(rule.from_port) if rule.from_port == rule.to_port else f"{rule.from_port}-{rule.to_port}"
        return f"{rule.protocol} dport {ports}"
    if rule.protocol == "icmp":
        return "meta l4proto icmp"
    return f"meta l4proto {rule.protocol}"


def peers(topo: Topology, rule: model.Rule) -> list[str]:
    """The addresses and CIDRs on the rule's other side, as nftables spells them."""
    out = [str(c) for c in rule.cidrs]
    for group in rule.peer_groups:
        out += [str(h.ip) for h in topo.members(group)]
    for urn in rule.prefix_lists:
        if urn in topo.prefix_lists:
            out.append(str(topo.prefix_lists[urn]))
    return sorted(set(out))


def compile_host(topo: Topology, host: Host) -> str | None:
    """The nftables ruleset for `host`'s security groups, or None when it has none."""
    if not host.groups:
        return None
    lines = [f"table inet {TABLE} {{"]
    for chain, hook, egress, iface in (("ingress", "input", False, "iif"), ("egress", "output", True, "oif")):
        direction = "daddr" if egress else "saddr"
        lines += [
            f"  chain {chain} {{",
            f"    type filter hook {hook} priority filter; policy drop;",
            f'    {iface} "lo" accept',
            "    ct state established,related accept",
            "    ct state invalid drop",
        ]
        for group in host.groups:
            for rule in topo.stack.rules_of(group, egress):
                addresses = peers(topo, rule)
                comment = json.dumps(f"{rule.name} ({topo.stack.group_name(group)})")
                if not addresses:
                    lines.append(f"    # {rule.name}: its other side has no address in this emulation")
                    continue
                match = f"ip {direction} {{ {', '.join(addresses)} }} {_match(rule)}".strip()
                lines.append(f"    {match} counter accept comment {comment}")
        lines += [f'    counter drop comment "{DENY}"', "  }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def apply(topo: Topology) -> dict[str, str]:
    """Load every host's ruleset into its namespace; returns namespace → ruleset text."""
    loaded = {}
    for host in topo.hosts:
        text = compile_host(topo, host)
        if text is not None:
            run(in_ns(host.ns, ["nft", "-f", "-"]), stdin=text)
            loaded[host.ns] = text
    return loaded


def deny_counts(ns: str) -> dict[str, int]:
    """Packets dropped so far by the `default deny` of each chain in `ns` ({} without a filter)."""
    result = subprocess.run(
        in_ns(ns, ["nft", "-j", "list", "table", "inet", TABLE]), capture_output=True, text=True, timeout=5, check=False
    )
    if result.returncode != 0:
        return {}
    counts: dict[str, int] = {}
    for item in json.loads(result.stdout).get("nftables", []):
        rule = item.get("rule")
        if not rule or rule.get("comment") != DENY:
            continue
        for expr in rule.get("expr", []):
            if "counter" in expr:
                counts[rule["chain"]] = int(expr["counter"]["packets"])
    return counts
