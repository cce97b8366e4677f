"""The traffic path of one `loadBalancers` entry: allowed clients → load balancer SG ingress →
listener (and the HTTP→HTTPS redirect) → target group (`ip`) → the service's entry → the
container's port mapping → the SG hop pair from the load balancer to the tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..sgrules import SgRule
from ..tokens import (
    LISTENER_RULES,
    LISTENERS,
    LOAD_BALANCERS,
    SECURITY_GROUP,
    SUBNET,
    TASK_DEFINITION,
    VPC,
    VPC_IPV6_ASSOCIATION,
)
from ..values import as_int, names, port_mappings, upper
from .routing import rule_text
from .sg_hops import prove_sg_hops

# Listener protocols each load balancer type accepts, and target-group protocols each listener
# protocol can forward to.
LISTENER_PROTOCOLS = {"application": {"HTTP", "HTTPS"}, "network": {"TCP", "UDP", "TLS", "TCP_UDP"}}
FORWARDS_TO = {
    "HTTP": {"HTTP", "HTTPS"},
    "HTTPS": {"HTTP", "HTTPS"},
    "TCP": {"TCP", "TCP_UDP"},
    "TLS": {"TCP", "TLS"},
    "UDP": {"UDP", "TCP_UDP"},
    "TCP_UDP": {"TCP_UDP"},
}
# What a load-balancer protocol puts on the wire, as security-group rules and port mappings spell it.
WIRE: dict[str, tuple[str, ...]] = {
    "HTTP": ("tcp",),
    "HTTPS": ("tcp",),
    "TCP": ("tcp",),
    "TLS": ("tcp",),
    "UDP": ("udp",),
    "TCP_UDP": ("tcp", "udp"),
}


@dataclass(frozen=True)
class Side:
    """The two ends the load balancer connects: its SGs and subnets, and the tasks'."""

    lb_sgs: list[Node]
    lb_subnets: list[Node]
    task_sgs: list[Node]
    task_subnets: list[Node]


def listeners_of(ctx: Context, tg: Node) -> list[Node]:
    found = {n.urn: n for n in ctx.referrers(tg, LISTENERS, "defaultActions")}
    for rule in ctx.referrers(tg, LISTENER_RULES, "actions"):
        for listener in ctx.refs(rule, "listenerArn", LISTENERS):
            found[listener.urn] = listener
    return list(found.values())


def load_balancers_of(ctx: Context, tg: Node) -> list[Node]:
    out: dict[str, Node] = {}
    for listener in listeners_of(ctx, tg):
        for lb in ctx.refs(listener, "loadBalancerArn", LOAD_BALANCERS):
            out[lb.urn] = lb
    return list(out.values())


def side_of(ctx: Context, tg: Node, task_sgs: list[Node], task_subnets: list[Node]) -> Side:
    lbs = load_balancers_of(ctx, tg)
    return Side(
        lb_sgs=[sg for lb in lbs for sg in ctx.refs(lb, "securityGroups", SECURITY_GROUP)],
        lb_subnets=[s for lb in lbs for s in ctx.refs(lb, "subnets", SUBNET)],
        task_sgs=task_sgs,
        task_subnets=task_subnets,
    )


def prove_traffic(
    ctx: Context, svc: Node, entry: dict[str, Any], tg: Node, containers: list[dict[str, Any]] | None, side: Side
) -> None:
    tg_protocol = upper(tg.get("protocol"))
    tg_port = as_int(tg.get("port"))
    # Absent means AWS's default, `instance`, which can't register a task; None means unknown.
    target_type = tg.props.get("targetType", "instance")
    container_name = entry.get("containerName")
    container_port = as_int(entry.get("containerPort"))
    wire = WIRE.get(tg_protocol or "", ())

    # Hops after the listener are the same for every listener: prove them once.
    tail: list[str] = []
    broken = False

    tg_text = f"tg {tg.name} {tg_protocol or '?'}:{tg_port if tg_port is not None else '?'} ({target_type})"
    if target_type is None:
        ctx.add(Severity.UNKNOWN, "target-type", f"{tg.name}'s targetType is unknown", service=svc, source=tg)
    elif target_type != "ip":
        broken = True
        tg_text += " ✗"
        ctx.add(
            Severity.ERROR,
            "target-type",
            f"target group {tg.name} has targetType {target_type!r}; Fargate tasks (awsvpc) register by IP, "
            "so it must be 'ip' or no task can ever register",
            service=svc,
            source=tg,
            target=svc,
            fix=ctx.fix(tg, "target_type", "targetType"),
        )
    if tg_protocol is None:
        ctx.add(Severity.UNKNOWN, "target-group-protocol", f"{tg.name}'s protocol is unknown", service=svc, source=tg)
    if tg_port is not None and container_port is not None and tg_port != container_port:
        broken = True
        tg_text += " ✗"
        ctx.add(
            Severity.ERROR,
            "target-group-port",
            f"target group {tg.name} is on port {tg_port} but the service registers container "
            f"{container_name!r} on {container_port}: they come from one port and must be equal",
            service=svc,
            source=tg,
            target=svc,
            fix=ctx.fix(tg, "traffic_port", "port"),
        )
    elif container_port is None:
        ctx.add(
            Severity.UNKNOWN,
            "load-balancer-entry",
            "the service's loadBalancers containerPort is unknown",
            service=svc,
            source=svc,
        )
    tail.append(tg_text)
    tail.append(f"service {svc.name} container {container_name!r}:{container_port}")

    mapping_text, mapping_broken = prove_mapping(ctx, svc, tg, entry, containers, wire)
    broken |= mapping_broken
    if mapping_text:
        tail.append(mapping_text)

    if container_port is not None and wire:
        for protocol in wire:
            text, hop_broken = prove_sg_hops(
                ctx, svc, tg, side.lb_sgs, side.lb_subnets, side.task_sgs, side.task_subnets,
                protocol, container_port, health=False,
            )  # fmt: skip
            broken |= hop_broken
            tail.append(text)

    # Each listener that forwards to the target group starts a traffic path.
    listeners = listeners_of(ctx, tg)
    if not listeners:
        ctx.add(
            Severity.ERROR,
            "listener",
            f"no listener forwards to target group {tg.name}: ECS refuses a service whose target group "
            "isn't attached to a load balancer",
            service=svc,
            source=tg,
            target=svc,
            fix=ctx.fix(tg, "listener_port", "defaultActions"),
        )
        ctx.add_path(svc, "traffic", ["no listener ✗", *tail], False)
    for listener in listeners:
        head, head_broken = prove_listener(ctx, svc, listener, tg, tg_protocol)
        rules = [
            r for r in ctx.referrers(tg, LISTENER_RULES, "actions") if listener.urn in r.dependencies_of("listenerArn")
        ]
        ctx.add_path(svc, "traffic", [*head, *(rule_text(r) for r in rules), *tail], not (broken or head_broken))
        for redirect in redirects_to(ctx, listener):
            prove_redirect(ctx, svc, redirect, listener)


def redirects_to(ctx: Context, listener: Node) -> list[Node]:
    """Listeners on the same load balancer that redirect to `listener`'s port."""
    port = as_int(listener.get("port"))
    lbs = {n.urn for n in ctx.refs(listener, "loadBalancerArn", LOAD_BALANCERS)}
    out = []
    for other in ctx.of_types(LISTENERS):
        if other.urn == listener.urn or not lbs & {n.urn for n in ctx.refs(other, "loadBalancerArn", LOAD_BALANCERS)}:
            continue
        for action in other.get("defaultActions", []) or []:
            redirect = action.get("redirect") if isinstance(action, dict) else None
            if isinstance(redirect, dict) and action.get("type") == "redirect" and as_int(redirect.get("port")) == port:
                out.append(other)
    return out


DUALSTACK = ("dualstack", "dualstack-without-public-ipv4")
IPV6_DOCS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-ip-address-type.html"


def ipv6_reach(ctx: Context, lb: Node) -> tuple[bool | None, str]:
    """Can IPv6 clients reach `lb`? Only a dualstack load balancer whose VPC and subnets have IPv6
    blocks takes IPv6 connections (ELB, "IP address types"). (answer, why not), None when unknown."""
    address_type = lb.props.get("ipAddressType", "ipv4")  # absent: AWS's default, ipv4
    if address_type is None:
        return None, f"{lb.name}'s ipAddressType is known only at deploy"
    if address_type not in DUALSTACK:
        return False, f"{lb.name} is IPv4-only, ipAddressType {address_type}"
    subnets = ctx.refs(lb, "subnets", SUBNET)
    vpcs = {v.urn: v for s in subnets for v in ctx.g.refs(s, "vpcId", VPC)}
    if not subnets or not vpcs:
        return None, f"{lb.name}'s subnets and VPC aren't in this stack"
    blocks = {v.urn for v in vpcs.values() if v.get("assignGeneratedIpv6CidrBlock") or v.get("ipv6CidrBlock")
              or v.get("ipv6IpamPoolId")}  # fmt: skip
    for association in ctx.g.of_type(VPC_IPV6_ASSOCIATION):
        blocks |= {v.urn for v in ctx.g.refs(association, "vpcId", VPC)}
    if set(vpcs) - blocks:
        return False, f"{lb.name} is dualstack but its VPC has no IPv6 block"
    bare = [s for s in subnets if not s.get("ipv6CidrBlock") and not s.get("ipv6Native")]
    if bare:
        return False, f"{lb.name} is dualstack but subnet {bare[0].name} has no IPv6 block"
    return True, ""


def _sides(rule: SgRule, *, ipv6: bool) -> list[str]:
    """The clients a rule admits, as the path names them; IPv6 blocks only when `ipv6`."""
    cidrs = [c for c in rule.cidrs if ipv6 or ":" not in c]
    unknown = ["a CIDR known at deploy"] if rule.cidr_unknown else []
    return [*cidrs, *(p.name for p in rule.peers), *(f"prefix list {p.name}" for p in rule.prefix_lists), *unknown]


def client_hop(
    ctx: Context, svc: Node, listener: Node, lb: Node, lb_sgs: list[Node], severity: Severity
) -> tuple[str, bool]:
    """Allowed clients → the load balancer SG's ingress on the listener's port. An IPv6 client block
    is a client only of a load balancer IPv6 reaches (`ipv6_reach`)."""
    protocol = upper(listener.get("protocol"))
    port = as_int(listener.get("port"))
    if port is None or protocol is None:
        return "clients → ? ingress", False
    texts, broken = [], False
    for wire in WIRE.get(protocol, ("tcp",)):
        rules = [
            r
            for r in ctx.rules.on(lb_sgs, egress=False)
            if r.carries(wire, port) is not False and (r.cidrs or r.cidr_unknown or r.peers or r.prefix_lists)
        ]
        carrying = [r for r in rules if r.carries(wire, port)]
        ipv6 = sorted({c for r in carrying for c in r.cidrs if ":" in c})
        reach, why = ipv6_reach(ctx, lb) if ipv6 else (True, "")
        sources = sorted({side for r in carrying for side in _sides(r, ipv6=reach is not False)})
        ingress = f"{names(lb_sgs)} ingress {wire}/{port}"
        dead = f"{', '.join(ipv6)} ✗ (IPv6; {why})" if ipv6 and reach is False else ""
        if ipv6 and reach is False:
            fix = ctx.fix(lb_sgs[0] if lb_sgs else lb, "client_cidrs", "cidrIpv6")
            consequence = (
                "no client can reach listener" if not sources else "those clients never reach listener"
            ) + f" {listener.name} ({protocol}:{port})"
            ctx.add(
                severity if not sources else Severity.WARNING,
                "lb-client-ipv6",
                f"{names(lb_sgs)} admits {', '.join(ipv6)} on {wire}/{port}, but {why}: IPv6 clients can't connect, "
                f"so {consequence}. Drop the IPv6 blocks from the allowed CIDRs, or make the load balancer dualstack "
                f"in a VPC with an IPv6 block ({IPV6_DOCS})",
                service=svc,
                source=lb_sgs[0] if lb_sgs else lb,
                target=listener,
                fix=fix,
            )
        elif ipv6 and reach is None:
            ctx.add(Severity.UNKNOWN, "lb-client-ipv6", f"whether IPv6 clients reach {lb.name}: {why}", service=svc,
                    target=lb)  # fmt: skip
        if sources:
            texts.append(f"{', '.join(sources)} → {ingress}" + (f"; {dead}" if dead else ""))
        elif dead:
            broken = True
            texts.append(f"{', '.join(ipv6)} → {ingress} ✗ (IPv6; {why})")
        elif rules:
            texts.append(f"? → {ingress} ?")
            ctx.add(
                Severity.UNKNOWN,
                "lb-sg-ingress",
                f"{names(lb_sgs)} ingress on {wire}/{port} isn't known yet",
                service=svc,
                target=lb,
            )
        else:
            broken = True
            texts.append(f"nobody → {ingress} ✗")
            ctx.add(
                severity,
                "lb-sg-ingress",
                f"no ingress rule on {names(lb_sgs)} admits {wire}/{port}: no client can reach listener "
                f"{listener.name} ({protocol}:{port})",
                service=svc,
                source=lb_sgs[0] if lb_sgs else None,
                target=listener,
                fix=ctx.fix(lb_sgs[0] if lb_sgs else lb, "client_cidrs", "cidrIpv4"),
            )
    return " + ".join(texts), broken


def prove_listener(
    ctx: Context, svc: Node, listener: Node, tg: Node, tg_protocol: str | None
) -> tuple[list[str], bool]:
    protocol = upper(listener.get("protocol"))
    port = as_int(listener.get("port"))
    lbs = ctx.refs(listener, "loadBalancerArn", LOAD_BALANCERS)
    broken = False
    if not lbs:
        ctx.add(
            Severity.UNKNOWN,
            "listener",
            f"listener {listener.name}'s load balancer isn't linked in this stack",
            service=svc,
            source=listener,
        )
        return [f"? → listener {protocol}:{port} ?"], False
    lb = lbs[0]
    lb_sgs = ctx.refs(lb, "securityGroups", SECURITY_GROUP)
    lb_type = lb.get("loadBalancerType", "application")
    head: list[str] = []
    if not lb_sgs:
        broken = True
        head.append(f"{lb.name} has no security group ✗")
        ctx.add(
            Severity.ERROR,
            "lb-security-group",
            f"load balancer {lb.name} has no security group, so the task SG can't admit it by reference "
            "(and an NLB's groups can only be set when it is created)",
            service=svc,
            source=lb,
            target=svc,
            fix=ctx.fix(lb, "lb_security_group", "securityGroups"),
        )
    else:
        text, hop_broken = client_hop(ctx, svc, listener, lb, lb_sgs, Severity.ERROR)
        broken |= hop_broken
        head.append(text)
    listener_text = f"listener {protocol}:{port} ({lb.name})"
    if protocol is not None and protocol not in LISTENER_PROTOCOLS.get(lb_type, {protocol}):
        broken = True
        listener_text += " ✗"
        ctx.add(
            Severity.ERROR,
            "listener-protocol",
            f"a {lb_type} load balancer can't have a {protocol} listener "
            f"(allowed: {', '.join(sorted(LISTENER_PROTOCOLS[lb_type]))})",
            service=svc,
            source=lb,
            target=listener,
            fix=ctx.fix(listener, "listener_protocol", "protocol"),
        )
    elif protocol and tg_protocol and tg_protocol not in FORWARDS_TO.get(protocol, set()):
        broken = True
        listener_text += " ✗"
        ctx.add(
            Severity.ERROR,
            "target-group-protocol",
            f"listener {listener.name} ({protocol}) can't forward to {tg_protocol} target group {tg.name}",
            service=svc,
            source=listener,
            target=tg,
            fix=ctx.fix(tg, "target_group_protocol", "protocol"),
        )
    head.append(listener_text)
    return head, broken


def prove_redirect(ctx: Context, svc: Node, redirect: Node, listener: Node) -> None:
    lbs = ctx.refs(redirect, "loadBalancerArn", LOAD_BALANCERS)
    lb_sgs = ctx.refs(lbs[0], "securityGroups", SECURITY_GROUP) if lbs else []
    # A redirect nobody can reach times out for users typing http://, but deploys fine: a warning.
    head, broken = client_hop(ctx, svc, redirect, lbs[0], lb_sgs, Severity.WARNING) if lbs else ("?", False)
    hops = [
        head,
        f"listener {upper(redirect.get('protocol'))}:{as_int(redirect.get('port'))} ({lbs[0].name if lbs else '?'})",
        f"301 → listener {upper(listener.get('protocol'))}:{as_int(listener.get('port'))}",
    ]
    ctx.add_path(svc, "redirect", hops, not broken)


def prove_mapping(
    ctx: Context,
    svc: Node,
    tg: Node,
    entry: dict[str, Any],
    containers: list[dict[str, Any]] | None,
    wire: tuple[str, ...],
) -> tuple[str, bool]:
    name = entry.get("containerName")
    port = as_int(entry.get("containerPort"))
    if containers is None or port is None:
        return "port mapping ?", False
    container = next((c for c in containers if c.get("name") == name), None)
    td = ctx.refs(svc, "taskDefinition", TASK_DEFINITION)[0]
    if container is None:
        ctx.add(
            Severity.ERROR,
            "container-name",
            f"the service's loadBalancers names container {name!r}, but the task definition has "
            f"{', '.join(repr(c.get('name')) for c in containers) or 'no containers'}: ECS rejects the service",
            service=svc,
            source=svc,
            target=td,
            fix=ctx.fix(svc, "container_name", "loadBalancers"),
        )
        return f"container {name!r} ✗", True
    mapped = [proto for p, proto in port_mappings(container) if p == port]
    if not mapped:
        ctx.add(
            Severity.ERROR,
            "port-mapping",
            f"container {name!r} maps no port {port} (it maps "
            f"{', '.join(f'{p}/{proto}' for p, proto in port_mappings(container)) or 'nothing'}): ECS rejects a "
            "service whose loadBalancers containerPort the container doesn't map",
            service=svc,
            source=svc,
            target=td,
            fix=ctx.fix(svc, "traffic_port", "loadBalancers"),
        )
        return f"port mapping {port} ✗", True
    missing = [w for w in wire if w not in mapped]
    if missing:
        ctx.add(
            Severity.ERROR,
            "port-mapping-protocol",
            f"container {name!r} maps {port} over {'/'.join(mapped)}, but {tg.get('protocol')} target group "
            f"{tg.name} sends {'/'.join(wire)}",
            service=svc,
            source=tg,
            target=td,
            fix=ctx.fix(td, "port_mapping_protocol", "containerDefinitions"),
        )
        return f"port mapping {port}/{'/'.join(mapped)} ✗", True
    return f"port mapping {port}/{'+'.join(w for w in wire)}", False
