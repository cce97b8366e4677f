"""The health-check sidecar's contract, read from its environment (fargatelb/sidecar/README.md).

A container that serves a UDP target group's health check and carries `UDP_TARGET_PORT` is the
sidecar. It tells the truth only if it answers the check the way the target group asks (HTTP 200/503
in `http` mode, port open/closed in `tcp` mode), on the port the target group probes, about the UDP
port the task really serves, on its own task. Each mismatch is a health check that lies: a TCP check
of an `http` sidecar passes while it answers 503; a probe of another port or host judges a service
that isn't the one the NLB sends traffic to.
"""

from __future__ import annotations

import functools
from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..values import as_int, port_mappings

MARKER = "UDP_TARGET_PORT"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# What each target-group health-check protocol needs the sidecar to speak.
MODE_FOR = {"HTTP": "http", "TCP": "tcp"}


@functools.cache
def defaults() -> dict[str, str]:
    """The sidecar's own defaults (`fargatelb/sidecar/sidecar.py` `Config`), read from it when first
    needed: it imports asyncio, which `fargatelb.verify` otherwise doesn't."""
    from ...sidecar.sidecar import Config

    c = Config()
    return {"HEALTH_PORT": str(c.port), "HEALTH_MODE": c.mode, "UDP_TARGET_HOST": c.target_host}


def environment(container: dict[str, Any]) -> dict[str, Any]:
    pairs = container.get("environment") or []
    return {str(e.get("name")): e.get("value") for e in pairs if isinstance(e, dict)}


def is_sidecar(container: dict[str, Any]) -> bool:
    return MARKER in environment(container)


def prove_sidecar(
    ctx: Context,
    svc: Node,
    tg: Node,
    sidecar: dict[str, Any],
    containers: list[dict[str, Any]],
    protocol: str,
    port: int,
    traffic_port: int | None,
) -> tuple[str, bool]:
    """The hop text for the sidecar's contract, and whether it is broken."""
    env = {**defaults(), **environment(sidecar)}
    name = sidecar.get("name")
    mode = str(env["HEALTH_MODE"]).lower()
    listens, target = as_int(env["HEALTH_PORT"]), as_int(env[MARKER])
    host = env["UDP_TARGET_HOST"]
    problems: list[tuple[str, str, str]] = []  # (message, concern, hop)

    if listens is None or target is None:
        ctx.add(Severity.UNKNOWN, "sidecar-contract", f"sidecar {name!r}'s ports are unknown", service=svc, source=tg)
        return f"sidecar {name!r} contract ?", False
    if listens != port:
        problems.append(
            (
                f"sidecar {name!r} listens on HEALTH_PORT {listens}, but target group {tg.name} health-checks "
                f"port {port}: the check reaches whatever else maps {port}, not the sidecar's verdict",
                "health_check_port",
                "health_check",
            )
        )
    wanted = MODE_FOR.get(protocol)
    if protocol == "HTTPS":  # (UDP and others are the health-check-protocol finding's)
        problems.append(
            (
                f"target group {tg.name} checks over HTTPS, which the sidecar doesn't speak (HTTP or TCP): "
                "every target stays unhealthy",
                "health_check_protocol",
                "health_check",
            )
        )
    elif wanted is not None and mode != wanted:
        lie = (
            "passes whenever the sidecar runs, because its port stays open while it answers 503: the "
            "NLB keeps sending datagrams to a dead UDP service"
            if protocol == "TCP"
            else "never gets an HTTP answer from a sidecar that only opens and closes its port: every "
            "target stays unhealthy"
        )
        problems.append(
            (
                f"target group {tg.name} checks over {protocol} but sidecar {name!r} runs HEALTH_MODE={mode}: "
                f"the check {lie}",
                "health_check_protocol",
                "health_check",
            )
        )
    if host not in LOOPBACK:
        problems.append(
            (
                f"sidecar {name!r} probes UDP_TARGET_HOST={host}, not its own task (127.0.0.1): its verdict "
                "is about another server than the one the NLB sends this task's traffic to",
                "traffic_port",
                "udp_target",
            )
        )
    others = [c for c in containers if c is not sidecar]
    udp_ports = {p for c in others for p, proto in port_mappings(c) if proto == "udp" and p is not None}
    mapped = {p for c in others for p, _ in port_mappings(c)}
    if target not in mapped:  # (mapped over TCP only: the traffic path's port-mapping-protocol finding)
        problems.append(
            (
                f"sidecar {name!r} probes udp/{target}, which no container of the task maps "
                f"({', '.join(f'udp/{p}' for p in sorted(udp_ports)) or 'none mapped'}): every target stays unhealthy",
                "traffic_port",
                "udp_target",
            )
        )
    elif traffic_port is not None and target != traffic_port:
        problems.append(
            (
                f"sidecar {name!r} probes udp/{target}, but the NLB sends traffic to udp/{traffic_port}: the "
                "health check judges a port clients never reach",
                "traffic_port",
                "udp_target",
            )
        )
    for message, concern, _ in problems:
        ctx.add(
            Severity.ERROR,
            "sidecar-contract",
            message,
            service=svc,
            source=tg,
            target=svc,
            fix=ctx.fix(tg, concern, "containerDefinitions"),
        )
    mark = " ✗" if problems else ""
    return f"sidecar {name!r} answers {protocol} on {listens} for a probe of udp/{target} at {host}{mark}", bool(
        problems
    )
