"""The routing of a shared ALB, proven from its listener rules: every rule forwards to a target group
an ECS service registers in; no two rules share a priority; no rule is shadowed by a higher-priority
one that matches every request it would (decided exactly by `fargatelb.routing`); no two services
route the same hosts and paths; no more rules than an ALB takes."""

from __future__ import annotations

from typing import Any

from ...graph import Node
from ...routing import Route, listener_problems
from ..context import Context
from ..model import Severity
from ..tokens import LISTENER_RULES, LISTENERS, SERVICE, TARGET_GROUPS
from ..values import as_int


def route_of(ctx: Context, rule: Node) -> Route | None:
    """The rule as routing sees it, or None when its priority or conditions are unknown yet."""
    priority = as_int(rule.get("priority"))
    conditions = rule.props.get("conditions")
    if priority is None or not isinstance(conditions, list):
        return None
    hosts: list[str] = []
    paths: list[str] = []
    for condition in conditions:
        if not isinstance(condition, dict):
            return None
        for field, into in (("hostHeader", hosts), ("pathPattern", paths)):
            values = (condition.get(field) or {}).get("values") if condition.get(field) is not None else []
            if values is None:
                return None
            into.extend(v for v in values if isinstance(v, str))
    return Route(ctx.owner(rule) or rule.name, priority, tuple(hosts), tuple(paths), key=rule.name)


def rule_text(rule: Node) -> str:
    route = Route("", as_int(rule.get("priority")) or 0)
    conditions: list[Any] = rule.props.get("conditions") or []
    parts = []
    for condition in conditions:
        if isinstance(condition, dict):
            for field, label in (("hostHeader", "host"), ("pathPattern", "path")):
                values = (condition.get(field) or {}).get("values") or []
                if values:
                    parts.append(f"{label} {' | '.join(map(str, values))}")
    return f"rule {route.priority}: {' and '.join(parts) or 'any request'}"


def check_routing(ctx: Context) -> None:
    registered = {tg.urn for svc in ctx.g.of_type(SERVICE) for tg in ctx.refs(svc, "loadBalancers", TARGET_GROUPS)}
    for listener in ctx.of_types(LISTENERS):
        rules = ctx.referrers(listener, LISTENER_RULES, "listenerArn")
        routes: dict[str, Node] = {}
        for rule in rules:
            _check_forward(ctx, rule, registered)
            route = route_of(ctx, rule)
            if route is None:
                ctx.add(
                    Severity.UNKNOWN,
                    "listener-rules",
                    f"{rule.name}'s conditions are known only at deploy",
                    source=rule,
                )
            else:
                routes[route.key] = rule
        by_key = {rule.name: route for rule in rules if (route := route_of(ctx, rule)) is not None}
        for problem in listener_problems(list(by_key.values())):
            nodes = [routes[r.key] for r in problem.routes if r.key in routes]
            ctx.add(
                Severity.ERROR,
                "listener-rules",
                problem.message,
                source=nodes[0] if nodes else listener,
                target=nodes[1] if len(nodes) > 1 else listener,
                fix=ctx.fix(nodes[0] if nodes else listener, "routing", "priority"),
            )


def _check_forward(ctx: Context, rule: Node, registered: set[str]) -> None:
    actions = rule.props.get("actions")
    forwards = isinstance(actions, list) and any(isinstance(a, dict) and a.get("type") == "forward" for a in actions)
    if not forwards:
        return
    groups = ctx.refs(rule, "actions", TARGET_GROUPS)
    if not groups:
        ctx.add(Severity.UNKNOWN, "rule-target-group", f"{rule.name} forwards to no target group in this stack",
                source=rule)  # fmt: skip
    for tg in groups:
        if tg.urn not in registered:
            ctx.add(
                Severity.ERROR,
                "rule-target-group",
                f"{rule.name} forwards to target group {tg.name}, which no ECS service registers its tasks in: "
                "every request it matches gets a 503",
                source=rule,
                target=tg,
                fix=ctx.fix(rule, "routing", "actions"),
            )
