"""Prices of what runs and what is kept: Fargate tasks, their logs, keys, images, buckets, DNS.

A service's task counts come from the Application Auto Scaling target that refers to it (its
minimum and maximum capacity), or, without one, from its `desiredCount`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..graph import Node
from ..verify.tokens import ECR_REPOSITORIES, LOAD_BALANCERS, SCALING_TARGET, SERVICE, TASK_DEFINITION
from .context import Context, num
from .model import plain

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
KMS_KEY = "aws:kms/key:Key"
ECR_REPOSITORY_RESOURCE, AWSX_REPOSITORY = ECR_REPOSITORIES
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
HOSTED_ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
DNS_NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"
DISCOVERY_SERVICE = "aws:servicediscovery/service:Service"
INCLUDED_EPHEMERAL_GB = Decimal(20)
ARCHITECTURES = {"X86_64": "X86", "ARM64": "Arm"}


@dataclass(frozen=True)
class Tasks:
    low: Decimal
    high: Decimal
    how: str


def task_counts(ctx: Context, service: Node) -> Tasks:
    for target in ctx.graph.referrers(service, SCALING_TARGET, "resourceId"):
        low, high = num(target.get("minCapacity")), num(target.get("maxCapacity"))
        if low is not None and high is not None:
            return Tasks(low, high, f"autoscaling {plain(low)}–{plain(high)} tasks")
    desired = num(service.get("desiredCount")) or Decimal(0)
    return Tasks(desired, desired, f"desiredCount {plain(desired)}, no autoscaling")


def price_fargate(ctx: Context) -> None:
    for service in ctx.graph.of_type(SERVICE):
        strategies = service.get("capacityProviderStrategies") or []
        providers = {str(s.get("capacityProvider")) for s in strategies if isinstance(s, dict)}
        if service.get("launchType") != "FARGATE" and providers != {"FARGATE"}:
            how = f"capacity providers {sorted(providers)}" if providers else f"launch type {service.get('launchType')}"
            ctx.unknown(
                [service],
                f"ECS service {service.name} ({how})",
                note="only Fargate On-Demand tasks are priced (Spot and EC2 capacity are not)",
            )
            continue
        task = next(iter(ctx.graph.refs(service, "taskDefinition", TASK_DEFINITION)), None)
        cpu, memory = (num(task.get("cpu")), num(task.get("memory"))) if task else (None, None)
        platform = (task.get("runtimePlatform") or {}) if task else {}
        arch = ARCHITECTURES.get(str(platform.get("cpuArchitecture", "X86_64")))
        if task is None or cpu is None or memory is None or arch is None:
            ctx.unknown(
                [service, *([task] if task else [])],
                f"ECS service {service.name}",
                note="the task definition's cpu, memory or architecture is not known",
            )
            continue
        if str(platform.get("operatingSystemFamily", "LINUX")) != "LINUX":
            ctx.unknown(
                [service, task],
                f"ECS service {service.name} (Windows tasks)",
                note="Windows Fargate prices are not in the table",
            )
            continue
        tasks = task_counts(ctx, service)
        vcpu, gb = cpu / 1024, memory / 1024
        per = f"{plain(vcpu)} vCPU, {plain(gb)} GB, {arch}"
        hours = ctx.hours
        ctx.add(
            [service, task],
            f"Fargate vCPU, {service.name}: tasks × {plain(vcpu)} vCPU × {plain(hours)} h",
            f"fargate{arch}VcpuHour",
            tasks.low * vcpu * hours,
            tasks.high * vcpu * hours,
            category="compute",
            note=f"{per}; {tasks.how}",
        )
        ctx.add(
            [service, task],
            f"Fargate memory, {service.name}: tasks × {plain(gb)} GB × {plain(hours)} h",
            f"fargate{arch}GbHour",
            tasks.low * gb * hours,
            tasks.high * gb * hours,
            category="compute",
            note=f"{per}; {tasks.how}",
        )
        ephemeral = num((task.get("ephemeralStorage") or {}).get("sizeInGib"))
        if ephemeral is not None and ephemeral > INCLUDED_EPHEMERAL_GB:
            extra = ephemeral - INCLUDED_EPHEMERAL_GB
            ctx.add(
                [task],
                f"Fargate ephemeral storage, {service.name}: tasks × {plain(extra)} GB × {plain(hours)} h",
                "fargateEphemeralGbHour",
                tasks.low * extra * hours,
                tasks.high * extra * hours,
                category="compute",
                note="the first 20 GB of each task are included",
            )


def _retention_months(ctx: Context, days: Decimal | None) -> tuple[Decimal, str]:
    if not days:
        return ctx.assumptions.never_expire_months, "never expires: neverExpireMonths of data"
    return days * 24 / ctx.hours, f"kept {plain(days)} days"


def price_logs(ctx: Context) -> None:
    a = ctx.assumptions
    for group in ctx.graph.of_type(LOG_GROUP):
        low = high = Decimal(0)
        writers: list[str] = []
        for task in ctx.graph.referrers(group, TASK_DEFINITION, "containerDefinitions"):
            for service in ctx.graph.referrers(task, SERVICE, "taskDefinition"):
                tasks = task_counts(ctx, service)
                low, high = low + tasks.low, high + tasks.high
                writers.append(service.name)
        if writers:
            ctx.add(
                [group],
                f"Log ingestion, {group.name}: tasks × {plain(a.log_gb_per_task_per_month)} GB",
                "logsIngestGb",
                low * a.log_gb_per_task_per_month,
                high * a.log_gb_per_task_per_month,
                category="logs",
                note=f"written by {', '.join(writers)} (logGbPerTaskPerMonth)",
            )
        vended = Decimal(0)
        for flow_log in ctx.graph.referrers(group, FLOW_LOG, "logDestination"):
            vended += a.flow_log_gb_per_month
            ctx.add(
                [flow_log, group],
                f"Flow-log delivery to {group.name}: {plain(a.flow_log_gb_per_month)} GB",
                "logsVendedGb",
                a.flow_log_gb_per_month,
                category="logs",
                note="VPC flow logs are vended logs (flowLogGbPerMonth)",
            )
        months, kept = _retention_months(ctx, num(group.get("retentionInDays")))
        stored_low = (low * a.log_gb_per_task_per_month + vended) * months
        stored_high = (high * a.log_gb_per_task_per_month + vended) * months
        note = f"{kept}: storage once the group holds a full retention period; no compression credited"
        if not writers and not vended:
            note = "no writer found in the stack: nothing stored is estimated"
        ctx.add(
            [group],
            f"Log storage, {group.name}",
            "logsStorageGbMonth",
            stored_low,
            stored_high,
            category="logs",
            note=note,
        )


def price_keys(ctx: Context) -> None:
    for key in ctx.graph.of_type(KMS_KEY):
        note = "priced for its first year"
        if key.get("enableKeyRotation"):
            note += "; each yearly rotation adds $1/month for a new key version (AWS caps it at two rotations)"
        ctx.add(
            [key],
            f"KMS customer managed key {key.name}",
            "kmsKeyMonth",
            Decimal(1),
            category="security",
            note=note + "; requests are assumed within the 20,000/month free tier",
        )


def price_monitoring(ctx: Context) -> None:
    """Deployment alarms are charged per metric they read (a metric-math alarm, each metric in its
    expression); dashboards each month."""
    for alarm in ctx.graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        queries = [q for q in alarm.get("metricQueries") or [] if isinstance(q, dict) and q.get("metric")]
        count = len(queries) or 1
        ctx.add(
            [alarm],
            f"CloudWatch alarm {alarm.name}",
            "cloudwatchAlarmMetricMonth",
            Decimal(count),
            category="monitoring",
            note=f"{count} metric(s) at standard resolution",
        )
    for board in ctx.graph.of_type("aws:cloudwatch/dashboard:Dashboard"):
        ctx.add(
            [board],
            f"CloudWatch dashboard {board.name}",
            "cloudwatchDashboardMonth",
            Decimal(1),
            category="monitoring",
            note="the free tier's first three dashboards are not counted",
        )


def _expiry_days(ctx: Context, bucket: Node) -> Decimal | None:
    days = [
        num((rule.get("expiration") or {}).get("days"))
        for config in ctx.graph.referrers(bucket, LIFECYCLE, "bucket")
        for rule in config.get("rules") or []
        if isinstance(rule, dict) and rule.get("status") == "Enabled"
    ]
    known = [d for d in days if d]
    return min(known) if known else None


def price_storage(ctx: Context) -> None:
    a = ctx.assumptions
    for repo in ctx.graph.of_type(AWSX_REPOSITORY) + ctx.graph.of_type(ECR_REPOSITORY_RESOURCE):
        if any(child.type == ECR_REPOSITORY_RESOURCE for child in ctx.graph.children(repo)):
            ctx.handled.add(repo.urn)  # awsx's component in a real preview: its child repository is priced
            continue
        ctx.add(
            [repo],
            f"ECR storage, {repo.name}: {plain(a.image_gb_per_repository)} GB",
            "ecrStorageGbMonth",
            a.image_gb_per_repository,
            category="storage",
            note="imageGbPerRepository",
        )
    for bucket in (n for token in BUCKETS for n in ctx.graph.of_type(token)):
        logs_for = [lb for token in LOAD_BALANCERS for lb in ctx.graph.referrers(bucket, token, "accessLogs")]
        if not logs_for:
            ctx.add(
                [bucket],
                f"S3 storage, {bucket.name}",
                "s3StandardGbMonth",
                Decimal(0),
                category="storage",
                note="what the bucket holds isn't known from the stack: storage not estimated",
            )
            continue
        months, kept = _retention_months(ctx, _expiry_days(ctx, bucket))
        gb = a.access_log_gb_per_month * len(logs_for)
        ctx.add(
            [bucket],
            f"S3 storage, {bucket.name}: access logs",
            "s3StandardGbMonth",
            gb * months,
            category="storage",
            note=f"accessLogGbPerMonth, {kept}; requests not counted",
        )


def price_dns(ctx: Context) -> None:
    for zone in ctx.graph.of_type(HOSTED_ZONE):
        ctx.add(
            [zone],
            f"Route 53 hosted zone {zone.get('name', zone.name)}",
            "route53HostedZoneMonth",
            Decimal(1),
            category="dns",
            note="queries not estimated ($0.40 per million standard queries)",
        )
    for namespace in ctx.graph.of_type(DNS_NAMESPACE):
        ctx.add(
            [namespace],
            f"Cloud Map namespace {namespace.get('name', namespace.name)}: its private hosted zone",
            "route53HostedZoneMonth",
            Decimal(1),
            category="dns",
            note="Cloud Map makes a Route 53 private hosted zone per DNS namespace; queries not estimated",
        )
    for registry in ctx.graph.of_type(DISCOVERY_SERVICE):
        # ECS registers each running task as an instance: a registered resource, billed per month.
        services = ctx.graph.referrers(registry, SERVICE, "serviceRegistries")
        if not services:
            ctx.unknown([registry], f"Cloud Map service {registry.name}", note="no ECS service registers in it")
            continue
        tasks = [task_counts(ctx, service) for service in services]
        ctx.add(
            [registry],
            f"Cloud Map instances, {registry.name}: one per task",
            "cloudMapResourceMonth",
            sum((t.low for t in tasks), Decimal(0)),
            sum((t.high for t in tasks), Decimal(0)),
            category="dns",
            note="; ".join(t.how for t in tasks),
        )
    for record in ctx.graph.of_type(RECORD):
        ctx.free(
            record,
            f"Route 53 record {record.get('name', record.name)}",
            category="dns",
            note="records are free; alias queries to AWS resources are free, others are per query",
        )
