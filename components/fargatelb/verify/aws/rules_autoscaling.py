"""Application Auto Scaling rules: capacity bounds and utilisation targets."""

from __future__ import annotations

from collections.abc import Iterator

from ...graph import Node
from ..model import Severity
from ..tokens import SCALING_POLICY, SCALING_TARGET
from ..values import as_int, as_number
from .registry import Problem, rule

_UTILISATION = ("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization")


@rule(
    "scaling-bounds",
    "A scalable target's capacities are 0 or more, and the minimum is at most the maximum",
    "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
    SCALING_TARGET,
)
def scaling_bounds(node: Node) -> Iterator[Problem]:
    low, high = as_int(node.get("minCapacity")), as_int(node.get("maxCapacity"))
    if low is None or high is None:
        yield Problem(f"{node.name}'s capacity is unknown", "minCapacity", None, severity=Severity.UNKNOWN)
    elif low < 0 or high < 0:
        yield Problem(
            f"{node.name} has minCapacity {low}, maxCapacity {high}: both must be 0 or more",
            "minCapacity",
            low,
            "scaling_min",
        )
    elif low > high:
        yield Problem(
            f"{node.name} has minCapacity {low} greater than maxCapacity {high}", "minCapacity", low, "scaling_min"
        )


@rule(
    "scaling-target-value",
    "A utilisation target is a percentage above 0 and at most 100",
    "https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html",
    SCALING_POLICY,
)
def target_value(node: Node) -> Iterator[Problem]:
    if node.get("policyType") != "TargetTrackingScaling":
        return
    config = node.get("targetTrackingScalingPolicyConfiguration", {}) or {}
    metric = (config.get("predefinedMetricSpecification") or {}).get("predefinedMetricType")
    if metric not in _UTILISATION:
        return
    value = as_number(config.get("targetValue"))
    concern = "cpu_target" if "CPU" in metric else "memory_target"
    path = "targetTrackingScalingPolicyConfiguration.targetValue"
    if value is None:
        yield Problem(f"{node.name}'s targetValue is unknown", path, None, severity=Severity.UNKNOWN)
    elif not 0 < value <= 100:
        yield Problem(
            f"{node.name} tracks {metric} at {value:g}%; a utilisation target must be above 0 and at most 100",
            path,
            value,
            concern,
        )
