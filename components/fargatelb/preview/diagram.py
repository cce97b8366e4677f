"""The architecture, drawn from the recorded resources: Mermaid and Graphviz DOT text.

Clients → load balancers → listeners (an HTTP listener that redirects draws `301` to the listener
it sends to) → target groups → the containers of each service's task, each task a box holding its
containers: the one taking traffic, and any sidecar answering the target group's health check
(drawn dashed, with the probe it makes of the traffic container when its environment names that
port). Each task group has one edge to the VPC endpoints, bundled, labelled with the paths the
wiring check proved through them, and one to the NAT gateways when there are any.

Writing the text is cheap and always done; `start_png` runs Graphviz's `dot` in the background,
only when asked and installed, so it never delays the verdict.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..graph import Graph, Node
from ..verify.tokens import (
    LISTENERS,
    LOAD_BALANCERS,
    NAT_GATEWAY,
    SERVICE,
    TASK_DEFINITION,
    VPC_ENDPOINT,
)

Edge = tuple[str, str, str, bool]  # from, to, label, dashed


def _int(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _containers(graph: Graph, service: Node) -> list[dict[str, Any]]:
    for task in graph.refs(service, "taskDefinition", TASK_DEFINITION):
        raw = task.get("containerDefinitions", "[]")
        try:
            found = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return []
        return [c for c in found if isinstance(c, dict)]
    return []


def _ports(container: dict[str, Any]) -> list[tuple[int, str]]:
    return [(_int(m.get("containerPort")), m.get("protocol", "tcp")) for m in container.get("portMappings") or []]


class Drawing:
    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.groups: dict[str, list[str]] = defaultdict(list)
        self.edges: list[Edge] = []

    def node(self, key: str, label: str, group: str) -> str:
        if key not in self.ids:
            self.ids[key] = f"n{len(self.ids)}"
            self.labels[self.ids[key]] = label
            self.groups[group].append(self.ids[key])
        return self.ids[key]

    def edge(self, a: str, b: str, label: str = "", dashed: bool = False) -> None:
        if (a, b, label, dashed) not in self.edges:
            self.edges.append((a, b, label, dashed))


def _group(graph: Graph, node: Node) -> str:
    owner = graph.component_of(node)
    return owner.name if owner else "stack"


def _front(graph: Graph, d: Drawing) -> None:
    """Clients → load balancers → listeners (and redirects between them) → target groups."""
    for lb in (n for t in LOAD_BALANCERS for n in graph.of_type(t)):
        kind = "ALB" if lb.get("loadBalancerType", "application") == "application" else "NLB"
        where = "in the VPC" if lb.get("internal") else "on the internet"
        d.edge(
            d.node(f"clients {where}", f"clients {where}", ""), d.node(lb.urn, f"{kind} {lb.name}", _group(graph, lb))
        )
    listeners = [n for t in LISTENERS for n in graph.of_type(t)]
    for listener in listeners:
        label = f"listener {listener.get('protocol')}:{_int(listener.get('port'))}"
        me = d.node(listener.urn, label, _group(graph, listener))
        for lb in graph.refs(listener, "loadBalancerArn"):
            if lb.urn in d.ids:
                d.edge(d.ids[lb.urn], me)
    for listener in listeners:
        me = d.ids[listener.urn]
        for action in listener.get("defaultActions", []):
            redirect = action.get("redirect") if action.get("type") == "redirect" else None
            if redirect:
                port, protocol = str(redirect.get("port", "#{port}")), redirect.get("protocol", "#{protocol}")
                to = [o for o in listeners if str(_int(o.get("port"))) == port and o.get("protocol") == protocol]
                target = d.ids[to[0].urn] if to else d.node(f"{listener.urn}->", f"{protocol}:{port}", "")
                d.edge(me, target, f"{str(redirect.get('statusCode', '')).removeprefix('HTTP_')} redirect")
        for tg in graph.refs(listener, "defaultActions"):
            label = f"target group {tg.get('protocol')}:{_int(tg.get('port'))}"
            d.edge(me, d.node(tg.urn, label, _group(graph, tg)), "forward")


def _tasks(graph: Graph, d: Drawing, report: dict[str, Any]) -> None:
    """Each service's task: its containers, the target groups' traffic and health-check edges,
    a sidecar's probe, and one bundled edge to the endpoints (and to NAT)."""
    proven: dict[str, list[str]] = defaultdict(list)
    for path in report["paths"]:
        if path["ok"] and path["kind"] in ("image-pull", "logs", "secrets"):
            proven[path["service"]].append(path["kind"])
    endpoints = graph.of_type(VPC_ENDPOINT)
    names = ", ".join(str(e.get("serviceName", e.name)).split(".", 3)[-1] for e in endpoints)
    nats = graph.of_type(NAT_GATEWAY)
    for service in graph.of_type(SERVICE):
        task, containers = f"task {service.name}", _containers(graph, service)
        targets = {str(e.get("containerName")): e for e in service.get("loadBalancers", [])}
        ids: dict[str, str] = {}
        for c in containers:
            ports = ", ".join(f":{p}/{proto}" for p, proto in _ports(c))
            role = "" if c.get("name") in targets else " (sidecar)"
            ids[str(c.get("name"))] = d.node(f"{service.urn}/{c.get('name')}", f"{c.get('name')}{role} {ports}", task)
        anchor = next((ids[n] for n in targets if n in ids), None) or d.node(service.urn, service.name, task)
        for tg in graph.refs(service, "loadBalancers"):
            if tg.urn not in d.ids or not targets:
                continue
            # The entry naming this target group (its ARN holds the group's name), else the first.
            mine = [n for n, e in targets.items() if f"/{tg.get('name', tg.name)}" in str(e.get("targetGroupArn"))]
            name = (mine or list(targets))[0]
            entry = targets[name]
            d.edge(d.ids[tg.urn], ids.get(name, anchor), "ip targets")
            hc: dict[str, Any] = tg.get("healthCheck", {})
            port = hc.get("port")
            port = _int(entry.get("containerPort")) if port in (None, "traffic-port") else int(port)
            traffic: dict[str, Any] = next((c for c in containers if c.get("name") == name), {})
            served = {str(p) for p, _ in _ports(traffic)}
            for c in containers:
                me = ids[str(c.get("name"))]
                if any(p == port for p, _ in _ports(c)):
                    d.edge(d.ids[tg.urn], me, f"health {hc.get('protocol')} :{port} {hc.get('path', '')}".strip(), True)
                probed = sorted({str(v.get("value")) for v in c.get("environment") or []} & served)
                if c.get("name") != name and probed and name in ids:
                    d.edge(me, ids[name], f"probes :{probed[0]}", True)
        if endpoints and proven.get(service.name):
            to = d.node("endpoints", f"VPC endpoints\\n{names}", "stack")
            d.edge(anchor, to, "443: " + ", ".join(proven[service.name]))
        if nats:
            d.edge(anchor, d.node("nat", f"NAT gateway × {len(nats)}", "stack"), "internet egress")


def draw(graph: Graph, report: dict[str, Any]) -> Drawing:
    d = Drawing()
    _front(graph, d)
    _tasks(graph, d, report)
    return d


def mermaid(d: Drawing) -> str:
    lines = ["flowchart LR"]
    for group, members in d.groups.items():
        if group:
            lines.append(f'  subgraph g{list(d.groups).index(group)}["{group}"]')
        for m in members:
            label = d.labels[m].replace("\\n", "<br/>")
            lines.append(f'    {m}(("{label}"))' if not group else f'    {m}["{label}"]')
        if group:
            lines.append("  end")
    for a, b, label, dashed in d.edges:
        arrow = "-.->" if dashed else "-->"
        lines.append(f"  {a} {arrow}|{label}| {b}" if label else f"  {a} {arrow} {b}")
    return "\n".join(lines) + "\n"


def dot(d: Drawing) -> str:
    lines = ["digraph architecture {", "  rankdir=LR; node [shape=box, fontsize=10]; edge [fontsize=9];"]
    for i, (group, members) in enumerate(d.groups.items()):
        if group:
            lines.append(f'  subgraph cluster_{i} {{ label="{group}";')
        for m in members:
            lines.append(f'    {m} [label="{d.labels[m]}"{"" if group else ", shape=ellipse"}];')
        if group:
            lines.append("  }")
    for a, b, label, dashed in d.edges:
        style = ", style=dashed" if dashed else ""
        lines.append(f'  {a} -> {b} [label="{label}"{style}];')
    return "\n".join(lines) + "\n}\n"


def write(graph: Graph, report: dict[str, Any], out: Path) -> list[Path]:
    """Write architecture.mmd and .dot into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    drawing = draw(graph, report)
    written = [out / "architecture.mmd", out / "architecture.dot"]
    written[0].write_text(mermaid(drawing))
    written[1].write_text(dot(drawing))
    return written


def start_png(dot_file: Path) -> subprocess.Popen[bytes] | None:
    """Start Graphviz on `dot_file` in the background (None when `dot` isn't installed)."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    png = dot_file.with_suffix(".png")
    return subprocess.Popen([exe, "-Tpng", "-o", str(png), str(dot_file)], stdout=subprocess.DEVNULL)
