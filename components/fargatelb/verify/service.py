"""One ECS service, every path: read its task definition, subnets and security groups, then prove
traffic and health checks for each `loadBalancers` entry, image pull and logs, and secrets."""

from __future__ import annotations

from typing import Any

from ..graph import Node
from .context import Context
from .model import Severity
from .paths.alarms import check_alarms
from .paths.health import prove_health
from .paths.pull import prove_pull_and_logs
from .paths.reach import reach_of
from .paths.secrets import prove_secrets
from .paths.traffic import prove_traffic, side_of
from .tokens import SECURITY_GROUP, SUBNET, TARGET_GROUPS, TASK_DEFINITION
from .values import as_int, names, parse_containers


def check_service(ctx: Context, svc: Node) -> None:
    subnets = ctx.refs(svc, "networkConfiguration", SUBNET)
    task_sgs = ctx.refs(svc, "networkConfiguration", SECURITY_GROUP)
    containers = _containers(ctx, svc)
    if not task_sgs:
        named = (svc.get("networkConfiguration", {}) or {}).get("securityGroups")
        ctx.add(
            Severity.ERROR if svc.get("networkConfiguration") is not None and not named else Severity.UNKNOWN,
            "task-security-group",
            "the service names no security group in this stack (networkConfiguration.securityGroups); "
            "without one the tasks get the VPC's default group, which admits nothing from the load balancer",
            service=svc,
            source=svc,
            fix=ctx.fix(svc, "task_security_groups", "networkConfiguration"),
        )
    entries = [e for e in svc.get("loadBalancers", []) or [] if isinstance(e, dict)]
    tgs = ctx.refs(svc, "loadBalancers", TARGET_GROUPS)
    for entry in entries:
        tg = _target_group_of(entry, tgs)
        if tg is None:
            ctx.add(
                Severity.UNKNOWN,
                "target-group",
                f"can't tell which target group loadBalancers entry {entry.get('containerName')!r} uses "
                f"(linked: {names(tgs)})",
                service=svc,
                source=svc,
            )
            continue
        side = side_of(ctx, tg, task_sgs, subnets)
        prove_traffic(ctx, svc, entry, tg, containers, side)
        prove_health(ctx, svc, tg, entry, containers, side)
    check_alarms(ctx, svc)
    if not subnets:
        ctx.add(
            Severity.UNKNOWN,
            "subnets",
            "the service's subnets aren't linked to subnets in this stack; image-pull and log paths can't be proven",
            service=svc,
            source=svc,
        )
        return
    reach = reach_of(ctx, svc, subnets, task_sgs)
    prove_pull_and_logs(ctx, reach, containers)
    prove_secrets(ctx, reach, containers)


def _containers(ctx: Context, svc: Node) -> list[dict[str, Any]] | None:
    tds = ctx.refs(svc, "taskDefinition", TASK_DEFINITION)
    if not tds:
        ctx.add(
            Severity.UNKNOWN,
            "task-definition",
            "the service's task definition isn't linked in this stack, so its containers can't be checked",
            service=svc,
            source=svc,
        )
        return None
    parsed = parse_containers(tds[0])
    if isinstance(parsed, str):
        ctx.add(
            Severity.ERROR,
            "container-definitions",
            parsed,
            service=svc,
            source=tds[0],
            fix=ctx.fix(tds[0], "containers", "containerDefinitions"),
        )
        return None
    if parsed is None:
        ctx.add(
            Severity.UNKNOWN,
            "container-definitions",
            "containerDefinitions is unknown until deploy (computed from other resources' outputs); "
            "container names, port mappings and images can't be proven in this preview",
            service=svc,
            source=tds[0],
        )
    return parsed


def _target_group_of(entry: dict[str, Any], tgs: list[Node]) -> Node | None:
    # Property dependencies say which target groups `loadBalancers` uses, not which entry uses
    # which: with several, pair by port (the one source of truth makes them equal).
    if len(tgs) == 1:
        return tgs[0]
    port = as_int(entry.get("containerPort"))
    same_port = [tg for tg in tgs if as_int(tg.get("port")) == port]
    return same_port[0] if len(same_port) == 1 else None
