"""Reading input values as they arrive: ints, floats (mocks), strings of digits (health-check
ports), "1 vCPU"; None means unknown in a preview. Pure functions, no Pulumi."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..graph import Node


def as_int(value: Any) -> int | None:
    """Ports and counts arrive as ints, floats (mocks) or strings of digits (health-check ports)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def upper(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


def sg_protocol(value: Any) -> str | None:
    """Security-group protocol: "tcp", "udp", "-1" (all), or another name; None when unknown."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return {"all": "-1", "6": "tcp", "17": "udp"}.get(text, text)


def task_size(value: Any, unit: str) -> int | None:
    """Task CPU/memory: "256", 256.0, "1 vCPU" (→ 1024) or "2 GB" (→ 2048)."""
    number = as_int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        m = re.fullmatch(rf"\s*(\d+(?:\.\d+)?)\s*{unit}\s*", value, re.I)
        if m:
            return int(float(m.group(1)) * 1024)
    return None


def project_of(urn: str) -> str | None:
    parts = urn.split("::")
    return parts[1] if len(parts) >= 4 else None


def camel_path(argument: str) -> str:
    """`health_check.port` → `healthCheck.port`: a component argument as a config key spells it."""

    def camel(part: str) -> str:
        head, *rest = part.split("_")
        return head + "".join(p[:1].upper() + p[1:] for p in rest)

    return ".".join(camel(p) for p in argument.split("."))


def names(nodes: Iterable[Node]) -> str:
    return ", ".join(n.name for n in nodes) or "none"


def covers(cidr: str, subnets: Sequence[Node]) -> bool | None:
    """Does `cidr` contain every subnet's block? None when a block is unknown."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    if net.prefixlen == 0:
        return True
    if not subnets:
        return False
    result: bool | None = True
    for subnet in subnets:
        block = subnet.get("cidrBlock")
        if block is None:
            result = None
            continue
        try:
            sub = ipaddress.ip_network(block, strict=False)
        except ValueError:
            return False
        if sub.version != net.version or not sub.subnet_of(net):  # type: ignore[arg-type]
            return False
    return result


def parse_containers(td: Node) -> list[dict[str, Any]] | str | None:
    """The task's container definitions; None when unknown, an error message when malformed."""
    raw = td.get("containerDefinitions")
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return f"containerDefinitions is not valid JSON: {exc}"
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        return "containerDefinitions must be a JSON list of container objects"
    return raw


def port_mappings(container: dict[str, Any]) -> list[tuple[int | None, str]]:
    out = []
    for m in container.get("portMappings") or []:
        if isinstance(m, dict):
            out.append((as_int(m.get("containerPort")), (m.get("protocol") or "tcp").lower()))
    return out
