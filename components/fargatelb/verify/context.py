"""What every check shares: the graph, the report being written, the SG rule index, and the
helpers that add findings and proven paths without repeating themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..graph import Graph, Node
from .fixes import fix_for
from .model import Finding, Fix, Layer, ProvenPath, Report, ResourceRef, Severity
from .sgrules import Hop, RuleIndex


class Context:
    def __init__(self, graph: Graph, config_sections: Mapping[str, str] | None = None) -> None:
        self.g = graph
        self.config_sections = dict(config_sections or {})
        self.report = Report()
        self.rules = RuleIndex(graph)
        self._seen: set[tuple[Any, ...]] = set()

    # -- reading the graph ---------------------------------------------------------------------

    def of_types(self, tokens: Sequence[str]) -> list[Node]:
        return [n for n in self.g.nodes if n.type in tokens]

    def refs(self, node: Node, prop: str, tokens: str | Sequence[str]) -> list[Node]:
        tokens = (tokens,) if isinstance(tokens, str) else tokens
        return [n for n in self.g.refs(node, prop) if n.type in tokens]

    def referrers(self, target: Node, tokens: Sequence[str], prop: str) -> list[Node]:
        return [n for n in self.of_types(tokens) if target.urn in n.property_dependencies.get(prop, ())]

    def owner(self, node: Node) -> str | None:
        component = self.g.component_of(node)
        return component.name if component else None

    def fix(self, node: Node | None, concern: str | None, resource_input: str, detail: str | None = None) -> Fix | None:
        return fix_for(self.g, node, concern, resource_input, detail, self.config_sections)

    # -- writing the report --------------------------------------------------------------------

    def add(
        self,
        severity: Severity,
        hop: str,
        message: str,
        *,
        service: Node | None = None,
        source: Node | None = None,
        target: Node | None = None,
        fix: Fix | None = None,
        layer: Layer = Layer.WIRING,
        **rule: Any,
    ) -> None:
        """Record a finding once (a hop shared by two paths is reported once). `rule` holds the
        rule fields of `Finding` (property, value, rule, source_url)."""
        key = (severity, hop, message, service and service.urn, source and source.urn, target and target.urn)
        if key in self._seen:
            return
        self._seen.add(key)
        self.report.findings.append(
            Finding(
                severity,
                hop,
                message,
                service.name if service else None,
                ResourceRef.of(source),
                ResourceRef.of(target),
                fix,
                layer,
                **rule,
            )
        )

    def add_path(self, svc: Node, kind: str, hops: list[str], ok: bool) -> None:
        self.report.paths.append(ProvenPath(svc.name, kind, hops, ok, self.owner(svc)))

    def rule_finding(
        self,
        found: Hop,
        hop: str,
        *,
        missing: str,
        unknown: str,
        svc: Node,
        source: Node,
        target: Node | None,
        fix: Fix | None,
    ) -> str:
        """Report an SG rule lookup: missing → an error (with `fix`), unknown → an unknown. Returns its mark."""
        if found.status == "missing":
            self.add(Severity.ERROR, hop, missing, service=svc, source=source, target=target, fix=fix)
        elif found.status == "unknown":
            self.add(Severity.UNKNOWN, hop, unknown, service=svc, source=source, target=target)
        return found.mark
