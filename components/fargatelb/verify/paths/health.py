"""The health-check path of one target group: its health check (protocol and port) → a container
that maps that port over TCP → the SG hop pair from the load balancer to the tasks. A UDP target
group is health-checked over TCP/HTTP, so the port must be one a sidecar (whose contract is proven
too, `sidecar.py`) or the UDP server itself serves."""

from __future__ import annotations

from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..tokens import TASK_DEFINITION
from ..values import as_int, port_mappings, upper
from .sg_hops import prove_sg_hops
from .sidecar import is_sidecar, prove_sidecar
from .traffic import Side

# A load balancer health check speaks only these, even for a UDP target group.
HEALTH_CHECK_PROTOCOLS = ("TCP", "HTTP", "HTTPS")


def prove_health(
    ctx: Context, svc: Node, tg: Node, entry: dict[str, Any], containers: list[dict[str, Any]] | None, side: Side
) -> None:
    hc = tg.get("healthCheck", {}) or {}
    tg_protocol = upper(tg.get("protocol"))
    default = tg_protocol if tg_protocol in ("HTTP", "HTTPS") else "TCP"
    protocol = upper(hc.get("protocol")) or default
    raw_port = hc.get("port", "traffic-port")
    port = as_int(entry.get("containerPort")) if raw_port == "traffic-port" else as_int(raw_port)
    path = f" {hc.get('path')}" if protocol in ("HTTP", "HTTPS") and hc.get("path") else ""
    hops = [f"{tg.name} health check {protocol}:{port if port is not None else '?'}{path}"]
    broken = False
    if protocol not in HEALTH_CHECK_PROTOCOLS:
        broken = True
        hops[0] += " ✗"
        reason = (
            "a UDP target group can't be health-checked over UDP: probe a TCP or HTTP port a sidecar serves"
            if protocol == "UDP"
            else f"a load balancer health check speaks only {', '.join(HEALTH_CHECK_PROTOCOLS)}"
        )
        ctx.add(
            Severity.ERROR,
            "health-check-protocol",
            f"target group {tg.name}'s health check protocol is {protocol}: {reason}",
            service=svc,
            source=tg,
            target=svc,
            fix=ctx.fix(tg, "health_check_protocol", "healthCheck"),
        )
    if port is None:
        ctx.add(
            Severity.UNKNOWN, "health-check-port", f"{tg.name}'s health-check port is unknown", service=svc, source=tg
        )
    elif containers is not None:
        # Any container: an awsvpc task's containers share one network namespace.
        mapping = [(c.get("name"), proto) for c in containers for p, proto in port_mappings(c) if p == port]
        over_tcp = [name for name, proto in mapping if proto == "tcp"]
        if over_tcp:
            hops.append(f"container {over_tcp[0]!r} maps {port}/tcp")
            serving = next(c for c in containers if c.get("name") == over_tcp[0])
            if upper(tg.get("protocol")) == "UDP" and is_sidecar(serving):
                text, sidecar_broken = prove_sidecar(
                    ctx, svc, tg, serving, containers, protocol, port, as_int(entry.get("containerPort"))
                )
                hops.append(text)
                broken |= sidecar_broken
        else:
            broken = True
            hops.append(f"no container maps {port}/tcp ✗")
            only = f" (only over {'/'.join(sorted({p for _, p in mapping}))})" if mapping else ""
            td = ctx.refs(svc, "taskDefinition", TASK_DEFINITION)[0]
            ctx.add(
                Severity.ERROR,
                "health-check-port",
                f"target group {tg.name} health-checks port {port} over {protocol}, but no container maps "
                f"{port}/tcp{only}: every target stays unhealthy",
                service=svc,
                source=tg,
                target=td,
                fix=ctx.fix(tg, "health_check_port", "healthCheck"),
            )
    else:
        hops.append(f"container mapping {port}/tcp ?")
    if port is not None:
        text, hop_broken = prove_sg_hops(
            ctx, svc, tg, side.lb_sgs, side.lb_subnets, side.task_sgs, side.task_subnets, "tcp", port, health=True
        )
        broken |= hop_broken
        hops.append(text)
    ctx.add_path(svc, "health-check", hops, not broken)
