"""The pack's address-space ingress policy, for every stack, and the production profile, for a stack
that declares it: any program's, judged by resource types and inputs (`fargatelb.production`).

- `no-world-ingress` (mandatory): no security group admits a whole IPv4 or IPv6 space (however it
  is spelt: `0.0.0.0/1` + `128.0.0.0/1` is the world) except on a load balancer's listener ports,
  in the load balancer's own security group.
- `production-declaration` (mandatory): the stack's `fargatelb:` tags can be read.
- `production-<control>` (mandatory, one per control: `production-elb-5`, `production-flb-protect`):
  on a stack tagged `fargatelb:profile: production`, the control holds, unless the stack carries
  `fargatelb:override:<control>` with the reason.
- `production-overrides` (advisory): each override with its reason, so every preview shows it.

A stack's tags come from `pulumi stack tag set`, or from `pulumi:tags` in its stack file.
"""

from __future__ import annotations

from collections.abc import Callable

from policy_graph import graph_from_policy_resources
from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from fargatelb import production
from fargatelb.graph import Graph, Node
from fargatelb.production import ingress
from fargatelb.verify import tokens


def _used_by(graph: Graph, group: Node) -> str:
    users = [f"load balancer {lb.name}" for lb in ingress.load_balancers_of(graph, group)]
    users += [f"ECS service {s.name}" for s in graph.referrers(group, tokens.SERVICE, "networkConfiguration")]
    users += [f"VPC endpoint {e.name}" for e in graph.referrers(group, tokens.VPC_ENDPOINT, "securityGroupIds")]
    return ", ".join(users) or "no load balancer"


def _validate_world_ingress(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = graph_from_policy_resources(args.resources)
    for opening in ingress.unexpected(graph):
        where = "" if opening.protocol == "-1" else " other than its listener ports"
        report_violation(
            f"{opening}, used by {_used_by(graph, opening.group)}: only a load balancer's listener ports, in its own "
            f"security group, may be open to the world; name the clients' networks{where}",
            opening.rules[0].urn,
        )


WORLD_INGRESS = StackValidationPolicy(
    name="no-world-ingress",
    description="No security group admits a whole IPv4 or IPv6 address space (by address space, however the CIDRs "
    "are split) except on a load balancer's listener ports in its own security group.",
    validate=_validate_world_ingress,
    enforcement_level=EnforcementLevel.MANDATORY,
)


def _declared(args: StackValidationArgs) -> production.Declaration | None:
    try:
        return production.declaration(args.stack_tags)
    except production.DeclarationError:
        return None  # production-declaration reports it


def _validate_declaration(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    try:
        production.declaration(args.stack_tags)
    except production.DeclarationError as err:
        report_violation(f"stack tag {err}", None)


def _control_policy(control: production.Control) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        declared = _declared(args)
        if declared is None or not declared.production or declared.waived(control.id) is not None:
            return
        for violation in production.CHECKS[control.id](graph_from_policy_resources(args.resources)):
            report_violation(
                f"{violation}. A production stack meets {control}; or tag the stack "
                f"{production.override_tag(control.id)} with the reason it doesn't",
                violation.node.urn if violation.node is not None else None,
            )

    return _policy(f"production-{control.id.lower().replace('.', '-')}", f"Production: {control}.", validate)


def _advise_overrides(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    declared = _declared(args)
    if declared is not None:
        for control, reason in declared.overrides.items():
            report_violation(f"override {production.CONTROLS[control]}: {reason}", None)


def _policy(
    name: str, description: str, validate: Callable[[StackValidationArgs, ReportViolation], None],
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> StackValidationPolicy:  # fmt: skip
    return StackValidationPolicy(name=name, description=description, validate=validate, enforcement_level=level)


PRODUCTION = [
    _policy(
        "production-declaration",
        f"The stack's fargatelb tags ({production.PROFILE_TAG}, {production.OVERRIDE_PREFIX}<control>) can be read.",
        _validate_declaration,
    ),
    *(_control_policy(c) for c in production.CONTROLS.values()),
    _policy(
        "production-overrides",
        "Each production control a stack overrides, with the reason it gives.",
        _advise_overrides,
        EnforcementLevel.ADVISORY,
    ),
]
"""The production profile's policies, in report order."""
