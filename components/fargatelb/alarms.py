"""Deployment alarms: what users see, watched per service, rolling a bad deployment back.

Each service gets CloudWatch alarms named `<project>-<stack>-<service>-<kind>`, listed in its ECS
deployment configuration (`alarms` with `rollback: true`, next to the circuit breaker):

- `target-5xx` (ALB): the target group's 5xx responses as a percentage of its requests
  (`HTTPCode_Target_5XX_Count` / `RequestCount` in `AWS/ApplicationELB`, metric math), counted only
  in periods with at least `min_requests` requests, so one error at 3 a.m. isn't a 100% rate;
- `unhealthy-targets`: `UnHealthyHostCount` of the target group (`AWS/ApplicationELB` or
  `AWS/NetworkELB`, dimensions `TargetGroup` and `LoadBalancer`);
- `below-desired`: `DesiredTaskCount - RunningTaskCount` from Container Insights
  (`ECS/ContainerInsights`, dimensions `ClusterName` and `ServiceName`; the cluster must have
  Container Insights on, which the package's clusters do);
- `healthy-hosts` (UDP): `HealthyHostCount` of the NLB target group below one.

`stack_dashboard` draws one CloudWatch dashboard per stack with every service's alarms.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional, cast

import pulumi
from pulumi_aws import cloudwatch, ecs

from ._args import InvalidArgument, check_int, default, documented_args

ALB_NAMESPACE = "AWS/ApplicationELB"
NLB_NAMESPACE = "AWS/NetworkELB"
INSIGHTS_NAMESPACE = "ECS/ContainerInsights"
_PERIODS = (10, 30)  # or a multiple of 60 (CloudWatch's alarm periods)


@documented_args
@dataclass
class AlarmsArgs:
    """The service's deployment alarms: CloudWatch alarms ECS watches during a deployment, rolling it
    back when one fires."""

    enabled: Optional[bool] = None
    """Create the alarms and wire them into the deployment configuration (with rollback). Default true."""
    period: Optional[int] = None
    """Seconds per evaluated datapoint: 10, 30 or a multiple of 60 up to 86400. Default 60."""
    evaluation_periods: Optional[int] = None
    """Consecutive breaching periods before the target alarms fire, 1–60. Default 3."""
    error_rate_percent: Optional[int] = None
    """ALB only: the target 5xx rate (% of requests) that fires `target-5xx`, 1–100. Default 5."""
    min_requests: Optional[int] = None
    """ALB only: requests a period needs before its 5xx rate counts, 1–1000000. Default 20."""
    unhealthy_targets: Optional[int] = None
    """Unhealthy targets that fire `unhealthy-targets`, 1–1000. Default 1."""
    below_desired_periods: Optional[int] = None
    """Consecutive minutes with fewer running tasks than desired before `below-desired` fires, 1–60.
    Default 5 (a scale-out's new tasks need a minute or two to start)."""


@dataclass(frozen=True)
class Alarms:
    enabled: bool
    period: int
    evaluation_periods: int
    error_rate_percent: int
    min_requests: int
    unhealthy_targets: int
    below_desired_periods: int


def resolve_alarms(owner: str, args: AlarmsArgs | None, *, alb: bool) -> Alarms:
    """Validate, then default. `alb`: the service is behind an ALB (the 5xx settings apply)."""
    a = args or AlarmsArgs()
    if isinstance(a, dict):  # from a plain mapping (a program passing a dict)
        a = AlarmsArgs(**a)
    if not alb:
        for field in ("error_rate_percent", "min_requests"):
            if getattr(a, field) is not None:
                raise InvalidArgument(owner, f"alarms.{field}", "applies to an ALB's 5xx alarm; a UDP service has none")
    period = check_int(owner, "alarms.period", default(a.period, 60), 10, 86_400)
    if period not in _PERIODS and period % 60:
        raise InvalidArgument(owner, "alarms.period", f"must be 10, 30 or a multiple of 60, got {period}")
    evaluation = check_int(owner, "alarms.evaluation_periods", default(a.evaluation_periods, 3), 1, 60)
    if period * evaluation > 86_400:
        raise InvalidArgument(
            owner,
            "alarms.evaluation_periods",
            f"times period must be at most one day (86400 s), got {period * evaluation}",
        )
    return Alarms(
        enabled=bool(default(a.enabled, True)),
        period=period,
        evaluation_periods=evaluation,
        error_rate_percent=check_int(owner, "alarms.error_rate_percent", default(a.error_rate_percent, 5), 1, 100),
        min_requests=check_int(owner, "alarms.min_requests", default(a.min_requests, 20), 1, 1_000_000),
        unhealthy_targets=check_int(owner, "alarms.unhealthy_targets", default(a.unhealthy_targets, 1), 1, 1000),
        below_desired_periods=check_int(
            owner, "alarms.below_desired_periods", default(a.below_desired_periods, 5), 1, 60
        ),
    )


def alarm_name(service: str, kind: str) -> str:
    """Unique in the account and region: alarm names are."""
    return f"{pulumi.get_project()}-{pulumi.get_stack()}-{service}-{kind}"


@dataclass(frozen=True)
class Watched:
    """What a service's alarms watch: its target group, that group's load balancer, and the ECS service."""

    namespace: str
    """`AWS/ApplicationELB` or `AWS/NetworkELB`."""
    target_group_suffix: pulumi.Input[str]
    load_balancer_suffix: pulumi.Input[str]


def _metric(namespace: str, name: str, stat: str, period: int, dimensions: dict[str, Any]) -> dict[str, Any]:
    return {"namespace": namespace, "metric_name": name, "stat": stat, "period": period, "dimensions": dimensions}


def target_alarms(
    name: str, s: Alarms, watched: Watched, tags: dict[str, str], child: pulumi.ResourceOptions
) -> list[cloudwatch.MetricAlarm]:
    """The alarms on the target group, created before the ECS service that names them."""
    if not s.enabled:
        return []
    dims = {"TargetGroup": watched.target_group_suffix, "LoadBalancer": watched.load_balancer_suffix}
    alb = watched.namespace == ALB_NAMESPACE
    alarms = []

    def alarm(kind: str, description: str, **settings: Any) -> None:
        alarms.append(
            cloudwatch.MetricAlarm(
                f"{name}-alarm-{kind}",
                name=alarm_name(name, kind),
                alarm_description=description,
                evaluation_periods=s.evaluation_periods,
                datapoints_to_alarm=s.evaluation_periods,
                tags={**tags, "Name": f"{name}-alarm-{kind}"},
                opts=child,
                **settings,
            )
        )

    if alb:
        alarm(
            "target-5xx",
            f"{name}: over {s.error_rate_percent}% of requests answered 5xx by the targets "
            f"(periods with at least {s.min_requests} requests); rolls a deployment back",
            comparison_operator="GreaterThanThreshold",
            threshold=s.error_rate_percent,
            treat_missing_data="notBreaching",  # no requests is no evidence of errors
            metric_queries=[
                {"id": "errors", "return_data": False,
                 "metric": _metric(ALB_NAMESPACE, "HTTPCode_Target_5XX_Count", "Sum", s.period, dims)},
                {"id": "requests", "return_data": False,
                 "metric": _metric(ALB_NAMESPACE, "RequestCount", "Sum", s.period, dims)},
                {"id": "rate", "return_data": True, "label": "target 5xx (% of requests)",
                 "expression": f"IF(requests >= {s.min_requests}, 100 * FILL(errors, 0) / requests, 0)"},
            ],
        )  # fmt: skip
    alarm(
        "unhealthy-targets",
        f"{name}: {s.unhealthy_targets} or more targets failing the health check; rolls a deployment back",
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=s.unhealthy_targets,
        treat_missing_data="notBreaching",
        namespace=watched.namespace,
        metric_name="UnHealthyHostCount",
        statistic="Maximum",
        period=s.period,
        dimensions=dims,
    )
    if not alb:
        alarm(
            "healthy-hosts",
            f"{name}: no healthy target behind the NLB; rolls a deployment back",
            comparison_operator="LessThanThreshold",
            threshold=1,
            treat_missing_data="missing",  # before the first targets register, no verdict
            namespace=NLB_NAMESPACE,
            metric_name="HealthyHostCount",
            statistic="Minimum",
            period=s.period,
            dimensions=dims,
        )
    return alarms


def below_desired_alarm(
    name: str, s: Alarms, cluster_name: pulumi.Input[str], service_name: pulumi.Input[str],
    tags: dict[str, str], child: pulumi.ResourceOptions,
) -> cloudwatch.MetricAlarm | None:  # fmt: skip
    """Fewer tasks running than desired. Created after the ECS service (its dimensions are the
    service's name); the service names it by its fixed name."""
    if not s.enabled:
        return None
    dims = {"ClusterName": cluster_name, "ServiceName": service_name}
    return cloudwatch.MetricAlarm(
        f"{name}-alarm-below-desired",
        name=alarm_name(name, "below-desired"),
        alarm_description=f"{name}: fewer tasks running than desired for {s.below_desired_periods} minutes; "
        "rolls a deployment back",
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=s.below_desired_periods,
        datapoints_to_alarm=s.below_desired_periods,
        treat_missing_data="missing",
        metric_queries=cast(Any, [
            # Container Insights publishes both once a minute.
            {"id": "desired", "return_data": False,
             "metric": _metric(INSIGHTS_NAMESPACE, "DesiredTaskCount", "Maximum", 60, dims)},
            {"id": "running", "return_data": False,
             "metric": _metric(INSIGHTS_NAMESPACE, "RunningTaskCount", "Minimum", 60, dims)},
            {"id": "shortfall", "return_data": True, "label": "tasks below desired",
             "expression": "desired - running"},
        ]),
        tags={**tags, "Name": f"{name}-alarm-below-desired"},
        opts=child,
    )  # fmt: skip


def deployment_alarms(s: Alarms, names: Sequence[pulumi.Input[str]]) -> ecs.ServiceAlarmsArgs | None:
    """The ECS service's `alarms`: the deployment fails, and rolls back, when any fires."""
    if not s.enabled:
        return None
    return ecs.ServiceAlarmsArgs(alarm_names=list(names), enable=True, rollback=True)


def stack_dashboard(
    name: str,
    region: str,
    alarm_arns: Sequence[pulumi.Input[list[str]]],
    opts: pulumi.ResourceOptions | None = None,
) -> cloudwatch.Dashboard:
    """One dashboard for the stack: every alarm's state in one widget, then each alarm's graph.
    `alarm_arns`: each service's `alarm_arns`."""

    def body(per_service: list[list[str]]) -> str:
        arns = [arn for service in per_service for arn in service]
        widgets: list[dict[str, Any]] = [
            {"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 2 + len(arns) // 4,
             "properties": {"title": f"{name}: deployment alarms", "alarms": sorted(arns)}},
        ]  # fmt: skip
        for i, arn in enumerate(sorted(arns)):
            widgets.append(
                {"type": "metric", "x": (i % 3) * 8, "y": 4 + (i // 3) * 6, "width": 8, "height": 6,
                 "properties": {"title": arn.rsplit(":", 1)[-1], "region": region, "annotations": {"alarms": [arn]},
                                "view": "timeSeries", "stacked": False}}
            )  # fmt: skip
        return json.dumps({"widgets": widgets})

    return cloudwatch.Dashboard(
        name,
        dashboard_name=name,
        dashboard_body=pulumi.Output.all(*alarm_arns).apply(lambda arns: body(list(arns))),
        opts=opts,
    )
