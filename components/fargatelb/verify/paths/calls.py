"""Services that call each other, proven like the load balancer's hops: for each `ServiceCall`, the
caller's tasks may send TCP to the callee's on its port, the callee's admit it from the caller's
group, the callee maps that port, and the callee is registered by name in a private DNS namespace
that the caller is told (its environment names `<callee>.<namespace>:<port>`)."""

from __future__ import annotations

from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..tokens import DISCOVERY_SERVICE, DNS_NAMESPACE, SECURITY_GROUP, SERVICE, SERVICE_CALL, TASK_DEFINITION
from ..values import as_int, parse_containers, port_mappings


def _service_named(ctx: Context, component: object) -> Node | None:
    """The ECS service of the component with this name."""
    return next((s for s in ctx.g.of_type(SERVICE) if ctx.owner(s) == component), None)


def _containers(ctx: Context, svc: Node) -> list[dict[str, Any]] | None:
    tds = ctx.refs(svc, "taskDefinition", TASK_DEFINITION)
    parsed = parse_containers(tds[0]) if tds else None
    return parsed if isinstance(parsed, list) else None


def check_calls(ctx: Context) -> None:
    for call in ctx.g.of_type(SERVICE_CALL):
        _check_call(ctx, call)


def _check_call(ctx: Context, call: Node) -> None:
    port = as_int(call.get("port"))
    caller, callee = _service_named(ctx, call.get("caller")), _service_named(ctx, call.get("callee"))
    if caller is None or callee is None or port is None:
        ctx.add(
            Severity.ERROR if port is not None else Severity.UNKNOWN,
            "call",
            f"{call.name}: {call.get('caller')!r} or {call.get('callee')!r} is no ECS service of this stack",
            source=call,
        )
        return
    caller_sgs = ctx.refs(caller, "networkConfiguration", SECURITY_GROUP)
    callee_sgs = ctx.refs(callee, "networkConfiguration", SECURITY_GROUP)
    if not caller_sgs or not callee_sgs:
        ctx.add(Severity.UNKNOWN, "call", f"{call.name}: the services' security groups aren't linked", source=call)
        return
    rules = ctx.rules
    out = rules.find(rules.on(caller_sgs, egress=True), "tcp", port, sgs=callee_sgs)
    into = rules.find(rules.on(callee_sgs, egress=False), "tcp", port, sgs=caller_sgs)
    a, b = caller_sgs[0].name, callee_sgs[0].name
    fix = ctx.fix(call, "calls", "port")
    out_mark = ctx.rule_finding(
        out, "call-egress", missing=f"{a} may not send tcp/{port} to {b}: {caller.name} can't reach {callee.name}",
        unknown=f"whether {a} may send tcp/{port} to {b} is known only at deploy",
        svc=caller, source=caller_sgs[0], target=callee_sgs[0], fix=fix,
    )  # fmt: skip
    into_mark = ctx.rule_finding(
        into, "call-ingress", missing=f"{b} doesn't admit tcp/{port} from {a}: {caller.name}'s calls to "
        f"{callee.name} are dropped", unknown=f"whether {b} admits tcp/{port} from {a} is known only at deploy",
        svc=caller, source=caller_sgs[0], target=callee_sgs[0], fix=fix,
    )  # fmt: skip
    hops = [f"{caller.name} → {a} egress tcp/{port} to {b} {out_mark}", f"{b} ingress tcp/{port} from {a} {into_mark}"]
    ok = "missing" not in (out.status, into.status)
    name_hop, name_ok = _name_hop(ctx, call, caller, callee, port)
    port_hop, port_ok = _port_hop(ctx, call, caller, callee, port)
    ctx.add_path(caller, "call", [*hops, name_hop, port_hop], ok and name_ok and port_ok)


def _name_hop(ctx: Context, call: Node, caller: Node, callee: Node, port: int) -> tuple[str, bool]:
    registries = ctx.refs(callee, "serviceRegistries", DISCOVERY_SERVICE)
    namespaces = [ns for r in registries for ns in ctx.refs(r, "dnsConfig", DNS_NAMESPACE)]
    if not registries or not namespaces:
        ctx.add(
            Severity.ERROR,
            "call-name",
            f"{callee.name} is registered in no private DNS namespace, so {caller.name} has no name to call it by",
            service=caller,
            source=call,
            target=callee,
            fix=ctx.fix(callee, "discoverable", "serviceRegistries"),
        )
        return f"{callee.name} has no name ✗", False
    name = f"{registries[0].get('name')}.{namespaces[0].get('name')}"
    told = [
        value
        for c in _containers(ctx, caller) or []
        for e in c.get("environment") or []
        if isinstance(value := e.get("value"), str) and f"{name}:{port}" in value
    ]
    if _containers(ctx, caller) is not None and not told:
        ctx.add(
            Severity.WARNING,
            "call-name",
            f"{caller.name}'s containers are never told {name}:{port}: it can't know where {callee.name} is",
            service=caller,
            source=caller,
            target=callee,
        )
        return f"{name} (Cloud Map) ✓, not in {caller.name}'s environment ✗", True
    return f"{name}:{port} (Cloud Map, in {caller.name}'s environment) ✓", True


def _port_hop(ctx: Context, call: Node, caller: Node, callee: Node, port: int) -> tuple[str, bool]:
    containers = _containers(ctx, callee)
    if containers is None:
        return f"{callee.name} container port {port} ?", True
    if any(p == port and proto == "tcp" for c in containers for p, proto in port_mappings(c)):
        return f"{callee.name} maps {port}/tcp ✓", True
    ctx.add(
        Severity.ERROR,
        "call-port",
        f"{caller.name} calls {callee.name} on {port}, but {callee.name}'s containers map no {port}/tcp",
        service=caller,
        source=call,
        target=callee,
        fix=ctx.fix(call, "calls", "port"),
    )
    return f"{callee.name} maps no {port}/tcp ✗", False
