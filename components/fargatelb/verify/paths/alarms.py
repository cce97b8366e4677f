"""The deployment-alarm path of one service: the ECS service's `alarms` (deploymentConfiguration)
name alarms this stack creates, with `enable` and `rollback` on, and each alarm watches this
service's own resources: its target group, that group's load balancer (in the namespace of its
type), its ECS service and cluster (whose Container Insights publish the task counts).

What an alarm watches is read from the engine's property dependencies of its `dimensions` and
`metricQueries` (so it holds in a real preview, where ARN suffixes and names are unknown), and its
namespaces from the recorded inputs. An alarm whose dimensions name another service's target
group, load balancer or ECS service is an error: it would roll this service back on another's
trouble, and never on its own.
"""

from __future__ import annotations

from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..tokens import CLUSTER, LOAD_BALANCERS, SERVICE, TARGET_GROUPS
from ..values import names
from .traffic import load_balancers_of

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
_ELB_NAMESPACE = {"application": "AWS/ApplicationELB", "network": "AWS/NetworkELB"}
_ECS_NAMESPACES = ("ECS/ContainerInsights", "AWS/ECS")
_HOP = "alarm-dimensions"


def check_alarms(ctx: Context, svc: Node) -> None:
    config = svc.get("alarms")
    if not isinstance(config, dict):
        return
    wired = [n for n in config.get("alarmNames") or []]
    every = ctx.of_types((METRIC_ALARM,))
    alarms = list(ctx.refs(svc, "alarms", METRIC_ALARM))
    ok = True
    for alarm_name in wired:
        if not isinstance(alarm_name, str):
            continue  # an Output: linked through the property dependency above
        found = [a for a in every if a.get("name") == alarm_name]
        if not found:
            ok = False
            ctx.add(
                Severity.ERROR,
                "deployment-alarms",
                f"the deployment configuration names alarm {alarm_name!r}, which this stack doesn't create: "
                "ECS can't watch it, so a bad deployment isn't rolled back on it",
                service=svc,
                source=svc,
                fix=ctx.fix(svc, "alarms", "alarms"),
            )
        alarms += [a for a in found if a not in alarms]
    if config.get("enable") is not True or config.get("rollback") is not True:
        ok = False
        ctx.add(
            Severity.ERROR,
            "deployment-alarms",
            f"deploymentConfiguration alarms have enable {config.get('enable')!r} and rollback "
            f"{config.get('rollback')!r}: a firing alarm must fail the deployment and roll it back",
            service=svc,
            source=svc,
            fix=ctx.fix(svc, "alarms", "alarms"),
        )
    hops = []
    for alarm in sorted(alarms, key=lambda a: a.name):
        alarm_ok, watched = _prove_alarm(ctx, svc, alarm)
        ok &= alarm_ok
        hops.append(f"{alarm.name} watches {watched} {'✓' if alarm_ok else '✗'}")
    if alarms:
        ctx.add_path(svc, "alarms", [f"{svc.name} rolls back on", *hops], ok)


def _metrics(alarm: Node) -> list[dict[str, Any]]:
    queries = [q.get("metric") for q in alarm.get("metricQueries") or [] if isinstance(q, dict)]
    if queries:
        return [m for m in queries if isinstance(m, dict)]
    return [{"namespace": alarm.get("namespace"), "metricName": alarm.get("metricName"),
             "dimensions": alarm.get("dimensions") or {}}]  # fmt: skip


def _prove_alarm(ctx: Context, svc: Node, alarm: Node) -> tuple[bool, str]:
    watched = [n for prop in ("dimensions", "metricQueries") for n in ctx.g.refs(alarm, prop)]
    tgs = ctx.refs(svc, "loadBalancers", TARGET_GROUPS)
    lbs = [lb for tg in tgs for lb in load_balancers_of(ctx, tg)]
    own = {n.urn for n in [*tgs, *lbs, svc, *ctx.refs(svc, "cluster", CLUSTER)]}
    metrics = _metrics(alarm)
    spaces = {m.get("namespace") for m in metrics}
    if not watched:
        ctx.add(
            Severity.UNKNOWN,
            _HOP,
            f"{alarm.name}'s dimensions link to no resource of this stack: which target group or service it "
            "watches can't be told",
            service=svc,
            source=alarm,
        )
        return True, "?"
    ok = True
    for node in watched:
        if node.type not in (*TARGET_GROUPS, *LOAD_BALANCERS, SERVICE, CLUSTER) or node.urn in own:
            continue
        if node.type in LOAD_BALANCERS and not lbs:
            continue  # the target group reaches no load balancer: the traffic path reports that hop
        ok = False
        mine = {
            **{t: names(tgs) for t in TARGET_GROUPS},
            **{t: names(lbs) for t in LOAD_BALANCERS},
            SERVICE: svc.name,
            CLUSTER: names(ctx.refs(svc, "cluster", CLUSTER)) or "its cluster",
        }[node.type]
        ctx.add(
            Severity.ERROR,
            _HOP,
            f"{alarm.name} is a deployment alarm of {svc.name}, but its dimensions name {node.name}, not "
            f"{mine}: it watches another resource, so {svc.name} rolls back on that one's trouble and never on its own",
            service=svc,
            source=alarm,
            target=node,
            fix=ctx.fix(svc, "alarms", "dimensions"),
        )
    for lb in [n for n in watched if n.type in LOAD_BALANCERS]:
        expected = _ELB_NAMESPACE.get(str(lb.get("loadBalancerType") or "application"))
        wrong = sorted(str(s) for s in spaces if isinstance(s, str) and s.startswith("AWS/") and s != expected)
        wrong = [s for s in wrong if s not in _ECS_NAMESPACES]
        if wrong:
            ok = False
            ctx.add(
                Severity.ERROR,
                _HOP,
                f"{alarm.name} reads {', '.join(wrong)} for {lb.name}, a {lb.get('loadBalancerType') or 'application'} "
                f"load balancer, which publishes in {expected}: the metric never has data",
                service=svc,
                source=alarm,
                target=lb,
                fix=ctx.fix(svc, "alarms", "namespace"),
            )
    if "ECS/ContainerInsights" in spaces:
        for cluster in [n for n in watched if n.type == CLUSTER]:
            settings = {s.get("name"): s.get("value") for s in cluster.get("settings") or [] if isinstance(s, dict)}
            if settings.get("containerInsights") not in ("enabled", "enhanced"):
                ok = False
                ctx.add(
                    Severity.ERROR,
                    _HOP,
                    f"{alarm.name} reads ECS/ContainerInsights, but {cluster.name} has Container Insights off: "
                    "the task counts are never published and the alarm never fires",
                    service=svc,
                    source=alarm,
                    target=cluster,
                    fix=ctx.fix(cluster, "container_insights", "settings"),
                )
    shown = ", ".join(sorted({f"{n.name}" for n in watched}))
    return ok, f"{'/'.join(sorted(str(s) for s in spaces))} of {shown}"
