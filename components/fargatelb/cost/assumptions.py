"""The traffic and volume assumptions behind an estimate, each changeable from the stack config.

A stack sets them in one section, camelCase like every other setting:

    fargate-lb:cost:
      requestsPerSecond: 20        # per load balancer, each a new connection
      loadBalancerGbPerMonth: 100
      awsServiceGbPerMonth: 50     # tasks → ECR, Logs, ... (the NAT-vs-endpoints traffic)
      internetGbPerMonth: 20       # tasks → the internet, through NAT gateways when there are any
      logGbPerTaskPerMonth: 2

Anything left out keeps its default. `CostAssumptions.from_mapping` validates a section and raises
`ValueError` naming the config key at fault (`fargate-lb:cost.requestsPerSecond: ...`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .model import Assumption

CONFIG_SECTION = "fargate-lb:cost"


def _about(statement: str, minimum: int = 0, maximum: int | None = None) -> dict[str, Any]:
    return {
        "statement": statement,
        "minimum": Decimal(minimum),
        "maximum": None if maximum is None else Decimal(maximum),
    }


@dataclass(frozen=True)
class CostAssumptions:
    """Defaults describe a small, quiet stack; a real one should state its own traffic."""

    hours_per_month: Decimal = field(
        default=Decimal(730),
        metadata=_about("Hours in a month: every resource runs all month (AWS's convention, 365 × 24 / 12).", 1, 744),
    )
    requests_per_second: Decimal = field(
        default=Decimal(1),
        metadata=_about(
            "Average requests per second reaching each load balancer, each counted as a new connection (no "
            "keep-alive: an upper bound for capacity units); for the NLB, each a new UDP flow."
        ),
    )
    load_balancer_gb_per_month: Decimal = field(
        default=Decimal(10),
        metadata=_about("GB processed by each load balancer per month (requests plus responses)."),
    )
    aws_service_gb_per_month: Decimal = field(
        default=Decimal(10),
        metadata=_about(
            "GB per month from the tasks to AWS services (ECR API and manifests, Logs, Secrets): through the "
            "interface endpoints, or through a NAT gateway in the trade-off. Image layers come from S3 through "
            "the free gateway endpoint either way."
        ),
    )
    internet_gb_per_month: Decimal = field(
        default=Decimal(10),
        metadata=_about(
            "GB per month from the tasks to the internet through the NAT gateways (only when there are any); "
            "internet data transfer out is not included."
        ),
    )
    log_gb_per_task_per_month: Decimal = field(
        default=Decimal("0.5"),
        metadata=_about("GB of container logs each running task writes to CloudWatch Logs per month."),
    )
    flow_log_gb_per_month: Decimal = field(
        default=Decimal(5), metadata=_about("GB of VPC flow-log records per month (when flow logs are on).")
    )
    access_log_gb_per_month: Decimal = field(
        default=Decimal(1), metadata=_about("GB of ALB access logs written to S3 per month (when access logs are on).")
    )
    image_gb_per_repository: Decimal = field(
        default=Decimal("0.5"), metadata=_about("GB of images kept in each ECR repository.")
    )
    never_expire_months: Decimal = field(
        default=Decimal(12),
        metadata=_about(
            "Months of data kept by a log group or bucket that never expires its data: its storage is priced "
            "as it stands after this long.",
            1,
        ),
    )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, section: str = CONFIG_SECTION) -> CostAssumptions:
        """Build from a config section (camelCase keys, numbers). Raises ValueError naming the key."""
        if not isinstance(values, Mapping):
            raise ValueError(f"{section}: must be an object of settings, got {values!r}")
        settings = {_camel(f.name): f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Decimal] = {}
        for key, raw in values.items():
            setting = settings.get(key)
            if setting is None:
                raise ValueError(f"{section}.{key}: is not a cost setting; allowed: {', '.join(settings)}")
            kwargs[setting.name] = _parse(
                f"{section}.{key}", raw, setting.metadata["minimum"], setting.metadata["maximum"]
            )
        return cls(**kwargs)

    def stated(self, *, section: str = CONFIG_SECTION) -> list[Assumption]:
        """Every assumption with its value and the config key that changes it."""
        return [
            Assumption(f"{section}.{_camel(f.name)}", getattr(self, f.name), f.metadata["statement"])
            for f in dataclasses.fields(self)
        ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _parse(key: str, raw: Any, minimum: Decimal, maximum: Decimal | None) -> Decimal:
    bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
    problem = f"{key}: must be a number {bounds}, got {raw!r}"
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError(problem)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(problem) from None
    if not value.is_finite() or value < minimum or (maximum is not None and value > maximum):
        raise ValueError(problem)
    return value
