"""The policies of the `fargatelb-wiring` pack, importable without starting a policy server.

- `fargatelb-wiring` (stack, mandatory): `fargatelb.verify.check` on the stack's resources, AWS's
  input rules and the wiring paths; each error is a violation naming the broken rule or hop, the
  resources, and the argument or config key to fix.
- `fargatelb-wiring-unknowns` (stack, advisory): what a preview can't prove yet (values unknown until
  deploy) and warnings, as advisory text that never blocks.
- `no-world-ingress` (stack): no security group admits a whole address space (judged by address
  space: 0.0.0.0/1 + 128.0.0.0/1 is the world) except on a load balancer's listener ports in its own
  security group.
- `production-*` (stack, for a stack tagged `fargatelb:profile: production`): one mandatory policy
  per production control, and the overrides with their reasons, advisory (`production_policies`).
- Resource policies for the secure defaults: ALB header and desync hardening, TLS 1.3/1.2 listener
  policies, no public IP on tasks, awsvpc task definitions with unprivileged, non-root, read-only,
  logging containers, and `ip` target groups.

In a real `pulumi preview` the ids and ARNs of resources being created are unknown, so the stack
graph links resources only through property dependencies (URNs): see `policy_graph`.
A resource policy skips a value that is unknown in the preview; CrossGuard runs again during
`pulumi up`, when it is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from policy_graph import graph_from_policy_resources, plain
from production_policies import PRODUCTION, WORLD_INGRESS
from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from fargatelb import verify
from fargatelb.verify import tokens

PACK_NAME = "fargatelb-wiring"

LOAD_BALANCERS = tokens.LOAD_BALANCERS
LISTENERS = tokens.LISTENERS
TARGET_GROUPS = tokens.TARGET_GROUPS
# TLS 1.3 with a TLS 1.2 floor (or TLS 1.3 only), the policies Security Hub ELB.17 recommends,
# FIPS variants included. `ELBSecurityPolicy-TLS13-1-0-*`/`-1-1-*` still admit TLS 1.0/1.1.
_TLS_POLICY = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")


# ---------------------------------------------------------------------------------------------
# Stack policies


def _validate_wiring(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    report = verify.check(graph_from_policy_resources(args.resources))
    for finding in report.errors:
        report_violation(str(finding), finding.source.urn if finding.source else None)


def _advise_unknowns(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    report = verify.check(graph_from_policy_resources(args.resources))
    for finding in [*report.unknowns, *report.warnings]:
        report_violation(str(finding), finding.source.urn if finding.source else None)


# ---------------------------------------------------------------------------------------------
# Resource policies


def _get(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """`props[key]`, None when unknown in the preview, `default` when absent."""
    try:
        value = props.get(key, default)
    except UnknownValueError:
        return None
    return plain(value)


def _for(tokens: Sequence[str], check: Callable[[dict[str, Any], ReportViolation], None]) -> Callable[..., None]:
    """A resource validation that runs `check(props, report)` on resources of `tokens` only."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in tokens:
            check({k: _get(args.props, k) for k in args.props}, report_violation)

    return validate


def _alb(props: dict[str, Any]) -> bool:
    return props.get("loadBalancerType") in (None, "application")


def _drop_invalid_headers(props: dict[str, Any], report: ReportViolation) -> None:
    if _alb(props) and props.get("dropInvalidHeaderFields", False) is False:  # AWS's default is false
        report("an application load balancer must set dropInvalidHeaderFields: true (Security Hub ELB.4)", None)


def _desync_mode(props: dict[str, Any], report: ReportViolation) -> None:
    mode = props.get("desyncMitigationMode", "defensive")  # AWS's default is defensive
    if _alb(props) and mode is not None and mode not in ("defensive", "strictest"):
        report(f"desyncMitigationMode is {mode!r}; use 'defensive' or 'strictest' (Security Hub ELB.12)", None)


def _tls_policy(props: dict[str, Any], report: ReportViolation) -> None:
    if props.get("protocol") not in ("HTTPS", "TLS"):
        return
    # Without sslPolicy AWS uses ELBSecurityPolicy-2016-08, which still admits TLS 1.0.
    policy = props.get("sslPolicy", "ELBSecurityPolicy-2016-08")
    if policy is not None and not _TLS_POLICY.match(policy):
        report(
            f"{props['protocol']} listener uses {policy!r}; use a TLS 1.3 policy with a TLS 1.2 floor such as "
            "ELBSecurityPolicy-TLS13-1-2-2021-06 (Security Hub ELB.17)",
            None,
        )


def _no_public_ip(props: dict[str, Any], report: ReportViolation) -> None:
    network = props.get("networkConfiguration") or {}
    if network.get("assignPublicIp") is True:
        report("ECS service assigns public IPs to its tasks; reach them through the load balancer (ECS.2)", None)


def _awsvpc(props: dict[str, Any], report: ReportViolation) -> None:
    mode = props.get("networkMode", "bridge")  # the EC2 default; Fargate requires awsvpc
    if mode is not None and mode != "awsvpc":
        report(f"task definition networkMode is {mode!r}; use 'awsvpc' (ECS.17, and required by Fargate)", None)


def _containers(props: dict[str, Any]) -> list[dict[str, Any]]:
    raw = props.get("containerDefinitions")
    if not isinstance(raw, str):
        return []  # unknown in this preview: checked again during `pulumi up`
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    return [c for c in parsed if isinstance(c, dict)] if isinstance(parsed, list) else []


def _per_container(
    problem: Callable[[dict[str, Any]], str | None],
) -> Callable[[dict[str, Any], ReportViolation], None]:
    def check(props: dict[str, Any], report: ReportViolation) -> None:
        for container in _containers(props):
            message = problem(container)
            if message:
                report(f"container {container.get('name')!r}: {message}", None)

    return check


def _privileged(c: dict[str, Any]) -> str | None:
    return "runs privileged; drop `privileged` (ECS.4)" if c.get("privileged") is True else None


def _root_user(c: dict[str, Any]) -> str | None:
    user = str(c.get("user") or "")
    if not user or user.split(":")[0] in ("root", "0"):
        return f"runs as {user or 'the image default (usually root)'}; set a non-root `user` such as '1000' (ECS.20)"
    return None


def _read_only_root(c: dict[str, Any]) -> str | None:
    return None if c.get("readonlyRootFilesystem") is True else "needs readonlyRootFilesystem: true (ECS.5)"


def _logging(c: dict[str, Any]) -> str | None:
    config = c.get("logConfiguration")
    if isinstance(config, dict) and config.get("logDriver"):
        return None
    return "has no logConfiguration; its output is lost (ECS.9)"


def _target_type_ip(props: dict[str, Any], report: ReportViolation) -> None:
    target_type = props.get("targetType", "instance")
    if target_type is not None and target_type != "ip":
        report(f"target group targetType is {target_type!r}; Fargate (awsvpc) tasks register only as 'ip'", None)


def _resource_policy(
    name: str, description: str, tokens: Sequence[str], check: Callable[[dict[str, Any], ReportViolation], None]
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description=description, validate=_for(tokens, check))


TASK_DEFINITIONS = (tokens.TASK_DEFINITION,)

POLICIES = [
    StackValidationPolicy(
        name="fargatelb-wiring",
        description="Every load-balanced Fargate service's traffic, health-check, image-pull and log paths are "
        "wired hop by hop, and names, Fargate sizes and scaling bounds deploy.",
        validate=_validate_wiring,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="fargatelb-wiring-unknowns",
        description="Hops the wiring check can't prove until deploy (values unknown in this preview), and warnings.",
        validate=_advise_unknowns,
        enforcement_level=EnforcementLevel.ADVISORY,
    ),
    WORLD_INGRESS,
    _resource_policy(
        "alb-drops-invalid-header-fields",
        "Application load balancers drop invalid HTTP header fields (Security Hub ELB.4).",
        LOAD_BALANCERS,
        _drop_invalid_headers,
    ),
    _resource_policy(
        "alb-desync-mitigation",
        "Application load balancers keep a defensive or strictest desync mitigation mode (ELB.12).",
        LOAD_BALANCERS,
        _desync_mode,
    ),
    _resource_policy(
        "https-listener-tls13-policy",
        "HTTPS and TLS listeners use a TLS 1.3 policy with a TLS 1.2 floor (ELB.17).",
        LISTENERS,
        _tls_policy,
    ),
    _resource_policy(
        "ecs-service-no-public-ip",
        "ECS services don't assign public IPs to tasks (ECS.2).",
        (tokens.SERVICE,),
        _no_public_ip,
    ),
    _resource_policy(
        "task-definition-awsvpc", "Task definitions use awsvpc networking (ECS.17).", TASK_DEFINITIONS, _awsvpc
    ),
    _resource_policy(
        "containers-not-privileged",
        "Containers are not privileged (ECS.4).",
        TASK_DEFINITIONS,
        _per_container(_privileged),
    ),
    _resource_policy(
        "containers-non-root-user",
        "Containers run as a non-root user (ECS.20).",
        TASK_DEFINITIONS,
        _per_container(_root_user),
    ),
    _resource_policy(
        "containers-read-only-root-filesystem",
        "Containers have a read-only root filesystem (ECS.5).",
        TASK_DEFINITIONS,
        _per_container(_read_only_root),
    ),
    _resource_policy(
        "containers-log-configuration",
        "Containers configure logging (ECS.9).",
        TASK_DEFINITIONS,
        _per_container(_logging),
    ),
    _resource_policy(
        "target-group-target-type-ip",
        "Target groups register Fargate tasks by IP.",
        TARGET_GROUPS,
        _target_type_ip,
    ),
    *PRODUCTION,
]
"""Every policy of the pack, in report order."""
