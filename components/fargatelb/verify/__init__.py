"""Verification of a stack before it deploys: every layer of the verdict over one resource graph.

    report = check(recording.graph())     # or a CrossGuard stack policy's graph
    report.ok, report.paths, report.findings

The layers, each catching what the one before can't (the config check runs earlier, in the
program that reads the stack file):

- `aws/`: AWS's input rules, from cfn-lint's resource schemas and hand-written rules with their
  AWS pages: a value AWS's API refuses (`'` in a security-group description, retention 8 days).
- `paths/`: the wiring check, path by path for every ECS service: `traffic`, `health`, `pull`
  (image pull and logs), `secrets`; `reach` and `sg_hops` are the hops they share; and across
  services: `routing` (a shared ALB's listener rules) and `calls` (services calling each other).
- `lifecycle`: what fails on the second deploy, a rollback or a rename.

Everything reports through one model (`model.py`): a `Finding` names the layer, the rule or hop,
the resources, the property and value at fault, and the `Fix` with its config key. Pure Python
over `graph.Graph`, no Pulumi imports: the offline preview and the policy pack load it fast.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import Graph
from .context import Context
from .model import Finding, Fix, Layer, ProvenPath, Report, ResourceRef, Severity
from .tokens import SERVICE


def check(graph: Graph, *, aws_rules: bool = True, config_sections: Mapping[str, str] | None = None) -> Report:
    """Run every layer over `graph`. `aws_rules=False` skips AWS's input rules (the wiring alone).
    `config_sections`: component name → the stack config section its arguments come from, where they
    differ (`api` → `services.api`), so each fix names the right key."""
    from .lifecycle import check_lifecycle
    from .paths.calls import check_calls
    from .paths.routing import check_routing
    from .service import check_service

    ctx = Context(graph, config_sections)
    for service in graph.of_type(SERVICE):
        check_service(ctx, service)
    check_routing(ctx)
    check_calls(ctx)
    if aws_rules:
        from .aws import check_aws_rules

        check_aws_rules(ctx)
    check_lifecycle(ctx)
    return ctx.report


__all__ = ["Finding", "Fix", "Layer", "ProvenPath", "Report", "ResourceRef", "Severity", "check"]
