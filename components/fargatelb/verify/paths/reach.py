"""How a task reaches AWS APIs from its private subnets: an interface endpoint with private DNS
(which takes every call once it exists), or a NAT route with task egress to the internet. Shared by
the image-pull, logs and secrets paths."""

from __future__ import annotations

from dataclasses import dataclass

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..sgrules import Hop
from ..tokens import NAT_GATEWAY, ROUTE, ROUTE_TABLE, ROUTE_TABLE_ASSOCIATION, SECURITY_GROUP, SUBNET, VPC_ENDPOINT
from ..values import names

HTTPS = 443
ANYWHERE = "0.0.0.0/0"


@dataclass
class Reach:
    """One service's way out: its subnets, their route tables, NAT, and task egress to the internet."""

    svc: Node
    subnets: list[Node]
    task_sgs: list[Node]
    tables: list[Node]
    nat_tables: list[Node]
    internet: Hop
    no_route_severity: Severity
    """A subnet on the VPC's main route table may have a NAT route this check can't see: a path that
    only NAT could complete is then unknown, not broken."""

    @property
    def all_nat(self) -> bool:
        return bool(self.tables) and len(self.nat_tables) == len(self.tables)

    @property
    def base(self) -> str:
        return f"{self.svc.name} in {names(self.subnets)} → route tables {names(self.tables)}"


def nat_route(ctx: Context, rt: Node) -> Node | None:
    for route in ctx.referrers(rt, (ROUTE,), "routeTableId"):
        if route.get("destinationCidrBlock") != ANYWHERE:
            continue
        nat = ctx.refs(route, "natGatewayId", NAT_GATEWAY)
        if nat or route.get("natGatewayId"):
            return route
    return None


def reach_of(ctx: Context, svc: Node, subnets: list[Node], task_sgs: list[Node]) -> Reach:
    route_tables: dict[str, list[Node]] = {}
    for subnet in subnets:
        tables = [
            rt
            for assoc in ctx.referrers(subnet, (ROUTE_TABLE_ASSOCIATION,), "subnetId")
            for rt in ctx.refs(assoc, "routeTableId", ROUTE_TABLE)
        ]
        route_tables[subnet.urn] = tables
        if not tables:
            ctx.add(
                Severity.UNKNOWN,
                "subnet-route-table",
                f"subnet {subnet.name} has no route table association in this stack (it uses the VPC's main "
                "route table, which this check can't see)",
                service=svc,
                source=subnet,
            )
    tables = list({rt.urn: rt for ts in route_tables.values() for rt in ts}.values())
    return Reach(
        svc=svc,
        subnets=subnets,
        task_sgs=task_sgs,
        tables=tables,
        nat_tables=[rt for rt in tables if nat_route(ctx, rt)],
        internet=ctx.rules.find(ctx.rules.on(task_sgs, egress=True), "tcp", HTTPS, internet=True),
        no_route_severity=Severity.UNKNOWN if any(not ts for ts in route_tables.values()) else Severity.ERROR,
    )


def internet_egress_finding(ctx: Context, reach: Reach, purpose: str) -> bool:
    """Report task egress to the internet that isn't proven ok; False when it is missing."""
    ctx.rule_finding(
        reach.internet,
        "task-sg-egress-internet",
        missing=f"the route tables have a NAT route, but {names(reach.task_sgs)} allows no tcp/443 egress to "
        f"0.0.0.0/0, so the tasks can't {purpose} through it",
        unknown=f"whether {names(reach.task_sgs)} allows tcp/443 to the internet is known only at deploy",
        svc=reach.svc,
        source=reach.task_sgs[0] if reach.task_sgs else reach.svc,
        target=None,
        fix=ctx.fix(reach.svc, "internet_egress", "securityGroups"),
    )
    return reach.internet.status != "missing"


def endpoints(ctx: Context, suffix: str, reach: Reach) -> list[Node]:
    """VPC endpoints for service `suffix` in the VPC of the service's subnets (or attached to them
    or their route tables)."""
    vpcs = {v.urn for s in reach.subnets for v in ctx.g.refs(s, "vpcId")}
    subnet_urns = {s.urn for s in reach.subnets}
    table_urns = {t.urn for t in reach.tables}
    found = []
    for ep in ctx.g.of_type(VPC_ENDPOINT):
        name = ep.get("serviceName")
        if not isinstance(name, str) or not name.endswith(f".{suffix}"):
            continue
        linked = (
            {v.urn for v in ctx.g.refs(ep, "vpcId")} & vpcs
            or {s.urn for s in ctx.g.refs(ep, "subnetIds")} & subnet_urns
            or {t.urn for t in ctx.g.refs(ep, "routeTableIds")} & table_urns
        )
        if linked:
            found.append(ep)
    return found


def prove_interface(ctx: Context, reach: Reach, endpoint: str, consequence: str) -> tuple[str, bool]:
    """Reach one AWS API from the tasks: through its interface endpoint (private DNS sends every
    call there once it exists) or, without one, through NAT. `consequence` says what fails without it."""
    svc, subnets, task_sgs = reach.svc, reach.subnets, reach.task_sgs
    hop = f"{endpoint.replace('.', '-')}-endpoint"
    eps = [e for e in endpoints(ctx, endpoint, reach) if e.get("vpcEndpointType", "Gateway") == "Interface"]
    dns = [e for e in eps if e.get("privateDnsEnabled") is True]
    if eps and not dns and all(e.get("privateDnsEnabled") is None for e in eps):
        ctx.add(Severity.UNKNOWN, hop, f"{names(eps)}'s privateDnsEnabled is unknown", service=svc, source=eps[0])
        return f"{endpoint} via {names(eps)} ?", True
    if not dns:
        if reach.all_nat and reach.internet.status == "ok":
            return f"{endpoint} via NAT ✓", True
        if reach.all_nat:
            reached = internet_egress_finding(ctx, reach, f"reach {endpoint}")
            return f"{endpoint} via NAT ✗", reached
        why = f" ({names(eps)} has privateDnsEnabled false, so {endpoint} still resolves to public IPs)" if eps else ""
        ctx.add(
            reach.no_route_severity,
            hop,
            f"no {endpoint} interface endpoint with private DNS and no NAT route for {names(subnets)}{why}: "
            + consequence,
            service=svc,
            source=subnets[0],
            target=eps[0] if eps else None,
            fix=ctx.fix(subnets[0], "nat_strategy", "serviceName"),
        )
        return f"{endpoint} endpoint ✗", reach.no_route_severity is Severity.UNKNOWN
    ep = dns[0]
    covered = {s.urn for s in ctx.g.refs(ep, "subnetIds")}
    if covered and not {s.urn for s in subnets} <= covered:
        missing = [s for s in subnets if s.urn not in covered]
        ctx.add(
            Severity.WARNING,
            f"{hop}-subnets",
            f"{ep.name} has no network interface in {names(missing)}'s zone: calls cross zones, and fail "
            "if the endpoint's zones go down",
            service=svc,
            source=missing[0],
            target=ep,
            fix=ctx.fix(ep, "endpoint_subnets", "subnetIds"),
        )
    ep_sgs = ctx.refs(ep, "securityGroupIds", SECURITY_GROUP)
    if not ep_sgs:
        ctx.add(
            Severity.UNKNOWN,
            "endpoint-security-group",
            f"{ep.name}'s security groups aren't linked in this stack",
            service=svc,
            source=ep,
        )
        return f"{endpoint} via {ep.name} ?", True
    ep_subnets = ctx.refs(ep, "subnetIds", SUBNET)
    rules = ctx.rules
    ingress = rules.find(rules.on(ep_sgs, egress=False), "tcp", HTTPS, sgs=task_sgs, subnets=subnets)
    egress = rules.find(rules.on(task_sgs, egress=True), "tcp", HTTPS, sgs=ep_sgs, subnets=ep_subnets)
    task_sg = task_sgs[0] if task_sgs else svc
    tasks, eps_text, fix = names(task_sgs), names(ep_sgs), ctx.fix(svc, "endpoint_sg", "securityGroupId")
    ingress_mark = ctx.rule_finding(
        ingress,
        "endpoint-sg-ingress",
        missing=f"no ingress rule on endpoint SG {eps_text} admits tcp/443 from {tasks}: tasks can't reach "
        f"{endpoint} ({ep.name})",
        unknown=f"whether {eps_text} admits tcp/443 from {tasks} is known only at deploy",
        svc=svc,
        source=task_sg,
        target=ep_sgs[0],
        fix=fix,
    )
    egress_mark = ctx.rule_finding(
        egress,
        "task-sg-egress-endpoint",
        missing=f"no egress rule on {tasks} allows tcp/443 to endpoint SG {eps_text}: tasks can't reach "
        f"{endpoint} ({ep.name})",
        unknown=f"whether {tasks} may send tcp/443 to {eps_text} is known only at deploy",
        svc=svc,
        source=task_sg,
        target=ep_sgs[0],
        fix=fix,
    )
    text = (
        f"{endpoint} via {ep.name} (private DNS): {eps_text} ingress tcp/443 from {tasks} {ingress_mark} "
        f"({tasks} egress tcp/443 to {eps_text} {egress_mark})"
    )
    return text, "missing" not in (ingress.status, egress.status)
