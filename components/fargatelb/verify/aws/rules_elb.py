"""Elastic Load Balancing rules cfn-lint's schemas don't carry: names, TLS policy names, health
check timing, matcher codes, attributes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...graph import Node
from ..model import Severity
from ..tokens import LISTENERS, LOAD_BALANCERS, TARGET_GROUPS
from ..values import as_int, upper
from .bridge import AUTONAME_SUFFIX
from .registry import Problem, rule, shown

_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
MAX_NAME = 32
MAX_NAME_PREFIX = 6  # the provider's limit: it appends 26 characters to a name prefix


def _name_problems(node: Node, kind: str) -> Iterator[Problem]:
    name, prefix = node.get("name"), node.get("namePrefix")
    if isinstance(name, str):
        if len(name) > MAX_NAME:
            yield Problem(
                f"{kind} name {name!r} is {len(name)} characters; the limit is {MAX_NAME}", "name", name, "name"
            )
        elif not _NAME.match(name):
            yield Problem(
                f"{kind} name {name!r} may hold only letters, digits and hyphens, not at either end",
                "name",
                name,
                "name",
            )
        elif kind == "load balancer" and name.startswith("internal-"):
            yield Problem(f"{kind} name {name!r} can't begin with 'internal-'", "name", name, "name")
    elif isinstance(prefix, str):
        if len(prefix) > MAX_NAME_PREFIX:
            yield Problem(
                f"{kind} namePrefix {prefix!r} is {len(prefix)} characters; the limit is {MAX_NAME_PREFIX}",
                "namePrefix",
                prefix,
                "name",
            )
    elif node.property_dependencies.get("name") or node.property_dependencies.get("namePrefix"):
        yield Problem(f"{kind} {node.name}'s name is known only at deploy", "name", None, severity=Severity.UNKNOWN)
    elif len(node.name) + len(AUTONAME_SUFFIX) > MAX_NAME:
        auto = len(node.name) + len(AUTONAME_SUFFIX)
        yield Problem(
            f"{kind} {node.name!r} has no name, so Pulumi auto-names it '{node.name}-xxxxxxx': {auto} characters, "
            f"over the {MAX_NAME}-character limit (logical names must be at most {MAX_NAME - len(AUTONAME_SUFFIX)})",
            "name",
            node.name,
            "name",
        )
    elif kind == "load balancer" and (node.name + AUTONAME_SUFFIX).startswith("internal-"):
        yield Problem(
            f"{kind} {node.name!r} has no name, so Pulumi auto-names it '{node.name}-xxxxxxx', which AWS refuses: "
            "a load balancer name can't begin with 'internal-' (rename the resource, or its component)",
            "name",
            node.name,
            "name",
        )


@rule(
    "lb-name",
    "A load balancer name is 1-32 letters, digits or hyphens, not at either end, not starting 'internal-'",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    *LOAD_BALANCERS,
)
def lb_name(node: Node) -> Iterator[Problem]:
    yield from _name_problems(node, "load balancer")


@rule(
    "tg-name",
    "A target group name is 1-32 letters, digits or hyphens, not at either end",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    *TARGET_GROUPS,
)
def tg_name(node: Node) -> Iterator[Problem]:
    yield from _name_problems(node, "target group")


@rule(
    "tg-health-check-timing",
    "A target group's health check timeout must be less than its interval",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html "
    "(AWS answers 'ValidationError: Health check interval must be greater than the timeout')",
    *TARGET_GROUPS,
)
def health_check_timing(node: Node) -> Iterator[Problem]:
    hc = node.get("healthCheck", {}) or {}
    interval, timeout = as_int(hc.get("interval")), as_int(hc.get("timeout"))
    if interval is not None and timeout is not None and timeout >= interval:
        yield Problem(
            f"healthCheck.timeout {timeout} s must be less than healthCheck.interval {interval} s",
            "healthCheck.timeout",
            timeout,
            "health_check_timeout",
        )


_CODES = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")


@rule(
    "tg-health-check-matcher",
    "HTTP health check success codes: 200-499 for an ALB target group, 200-599 for an NLB one",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Matcher.html",
    *TARGET_GROUPS,
)
def health_check_matcher(node: Node) -> Iterator[Problem]:
    hc = node.get("healthCheck", {}) or {}
    matcher = hc.get("matcher")
    if not isinstance(matcher, str):
        return
    alb = upper(node.get("protocol")) in ("HTTP", "HTTPS")
    high = 499 if alb else 599
    if not _CODES.match(matcher):
        yield Problem(
            f"healthCheck.matcher {matcher!r} must be codes like '200', '200,202' or '200-299'",
            "healthCheck.matcher",
            matcher,
            "health_check_matcher",
        )
        return
    codes = [int(c) for c in re.findall(r"\d{3}", matcher)]
    if any(not 200 <= c <= high for c in codes):
        yield Problem(
            f"healthCheck.matcher {matcher!r}: a {'ALB' if alb else 'NLB'} target group accepts codes 200-{high}",
            "healthCheck.matcher",
            matcher,
            "health_check_matcher",
        )


@rule(
    "tg-attributes",
    "A target group's deregistration delay is 0-3600 seconds",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html",
    *TARGET_GROUPS,
)
def tg_attributes(node: Node) -> Iterator[Problem]:
    delay = as_int(node.get("deregistrationDelay"))
    if delay is not None and not 0 <= delay <= 3600:
        yield Problem(
            f"deregistrationDelay {delay} must be from 0 to 3600 seconds",
            "deregistrationDelay",
            delay,
            "deregistration_delay",
        )


@rule(
    "alb-attributes",
    "An ALB's desync mitigation mode is monitor, defensive or strictest; its idle timeout 1-4000 s",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html",
    *LOAD_BALANCERS,
)
def alb_attributes(node: Node) -> Iterator[Problem]:
    mode = node.get("desyncMitigationMode")
    if isinstance(mode, str) and mode not in ("monitor", "defensive", "strictest"):
        yield Problem(
            f"desyncMitigationMode {mode!r} must be 'monitor', 'defensive' or 'strictest'", "desyncMitigationMode", mode
        )
    idle = as_int(node.get("idleTimeout"))
    if idle is not None and not 1 <= idle <= 4000:
        yield Problem(f"idleTimeout {idle} must be from 1 to 4000 seconds", "idleTimeout", idle)


# Security policies AWS offers for HTTPS (ALB) and TLS (NLB) listeners, from the pages below, as of
# 2026-11. AWS adds policies over time: an unknown `ELBSecurityPolicy-*` name is a warning, not an error.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html
TLS_POLICIES = frozenset(
    [
        *(
            f"ELBSecurityPolicy-TLS13-{v}-2021-06"
            for v in ("1-0", "1-1", "1-2", "1-2-Res", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        *(
            f"ELBSecurityPolicy-TLS13-{v}-FIPS-2023-04"
            for v in ("1-0", "1-1", "1-2", "1-2-Res", "1-2-Ext0", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        *(
            f"ELBSecurityPolicy-TLS13-{v}-PQ-2025-09"
            for v in ("1-0", "1-1", "1-2", "1-2-Res", "1-2-Ext0", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        *(
            f"ELBSecurityPolicy-TLS13-{v}-FIPS-PQ-2025-09"
            for v in ("1-0", "1-1", "1-2", "1-2-Res", "1-2-Ext0", "1-2-Ext1", "1-2-Ext2", "1-3")
        ),
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        "ELBSecurityPolicy-FS-1-2-2019-08",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-2015-05",
    ]
)


@rule(
    "listener-ssl-policy",
    "An HTTPS or TLS listener names one of Elastic Load Balancing's security policies",
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
    *LISTENERS,
)
def ssl_policy(node: Node) -> Iterator[Problem]:
    policy = node.get("sslPolicy")
    if not isinstance(policy, str):
        return
    if upper(node.get("protocol")) not in ("HTTPS", "TLS"):
        yield Problem(
            f"sslPolicy is set on a {node.get('protocol')} listener; only HTTPS and TLS listeners take one",
            "sslPolicy",
            policy,
        )
    elif policy not in TLS_POLICIES:
        known = policy.startswith("ELBSecurityPolicy-")
        yield Problem(
            f"sslPolicy {shown(policy)} is not an Elastic Load Balancing security policy"
            + (" this check knows (as of 2026-11); if AWS added it since, ignore this" if known else ""),
            "sslPolicy",
            policy,
            severity=Severity.WARNING if known else Severity.ERROR,
        )
