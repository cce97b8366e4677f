"""Deployment alarms: each watches the resource it names (namespace, metric, dimensions equal to the
recorded target group, load balancer, cluster and service identifiers) and rolls the deployment
back (the ECS service's deploymentConfiguration alarms name it, with rollback true). The verdict
proves the same from the graph and errs when an alarm's dimensions name another resource."""

import json
from typing import Any

import pytest

import wiring_fixtures as fx
from fargatelb import (
    AlarmsArgs,
    InvalidArgument,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    PrivateNetwork,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.graph import Graph, Node
from fargatelb.mocks import Recording, Registration
from fargatelb.verify import check
from offline import synthesize_stack
from synth_helpers import ECR, on_network
from wiring_fixtures import changed, relinked

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SERVICE = "aws:ecs/service:Service"
TG = "aws:lb/targetGroup:TargetGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
CLUSTER = "aws:ecs/cluster:Cluster"
IMAGE = f"{ECR}/web:1"


def both(wiring: dict[str, Any], _net: PrivateNetwork) -> None:
    LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**wiring, image=IMAGE))
    UdpNlbService("udp", UdpNlbServiceArgs(**wiring, image=IMAGE, health_check_image=f"{ECR}/hc:1"))


@pytest.fixture(scope="module")
def rec() -> Recording:
    return on_network(both)


def metrics(alarm: Registration) -> dict[str, dict[str, Any]]:
    """id (or the metric name) → {namespace, metricName, stat, dimensions} of every metric the alarm reads."""
    queries = alarm.inputs.get("metricQueries")
    if queries:
        return {q["id"]: q["metric"] for q in queries if q.get("metric")}
    i = alarm.inputs
    return {i["metricName"]: {"namespace": i["namespace"], "metricName": i["metricName"],
                              "stat": i["statistic"], "dimensions": i["dimensions"]}}  # fmt: skip


def elb_dimensions(rec: Recording, service: str) -> dict[str, str]:
    lb = rec.one(LB, f"{service}-{'alb' if service == 'web' else 'nlb'}")
    return {"TargetGroup": rec.one(TG, f"{service}-tg").outputs["arnSuffix"], "LoadBalancer": lb.outputs["arnSuffix"]}


def rolls_back_on(rec: Recording, service: str, alarm: Registration) -> None:
    config = rec.one(SERVICE, f"{service}-service").inputs["alarms"]
    assert config["enable"] is True and config["rollback"] is True
    assert alarm.outputs["name"] in config["alarmNames"], f"{service}-service does not roll back on {alarm.name}"
    assert rec.one(SERVICE, f"{service}-service").inputs["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }


def test_target_5xx_rate_watches_the_web_target_group_on_its_alb(rec: Recording) -> None:
    alarm = rec.one(ALARM, "web-alarm-target-5xx")
    m = metrics(alarm)
    assert m["errors"]["namespace"] == m["requests"]["namespace"] == "AWS/ApplicationELB"
    assert (m["errors"]["metricName"], m["requests"]["metricName"]) == ("HTTPCode_Target_5XX_Count", "RequestCount")
    assert m["errors"]["dimensions"] == m["requests"]["dimensions"] == elb_dimensions(rec, "web")
    (rate,) = [q for q in alarm.inputs["metricQueries"] if q.get("returnData")]
    assert rate["expression"] == "IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)"
    assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold" and alarm.inputs["threshold"] == 5
    assert alarm.inputs["name"] == "project-test-web-target-5xx"
    rolls_back_on(rec, "web", alarm)


@pytest.mark.parametrize(("service", "namespace"), [("web", "AWS/ApplicationELB"), ("udp", "AWS/NetworkELB")])
def test_unhealthy_targets_watches_the_services_target_group(rec: Recording, service: str, namespace: str) -> None:
    alarm = rec.one(ALARM, f"{service}-alarm-unhealthy-targets")
    assert metrics(alarm) == {
        "UnHealthyHostCount": {"namespace": namespace, "metricName": "UnHealthyHostCount", "stat": "Maximum",
                               "dimensions": elb_dimensions(rec, service)}
    }  # fmt: skip
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold" and alarm.inputs["threshold"] == 1
    rolls_back_on(rec, service, alarm)


@pytest.mark.parametrize("service", ["web", "udp"])
def test_below_desired_watches_the_services_task_counts_in_its_cluster(rec: Recording, service: str) -> None:
    alarm = rec.one(ALARM, f"{service}-alarm-below-desired")
    dims = {
        "ClusterName": rec.one(CLUSTER, f"{service}-cluster").outputs["name"],
        "ServiceName": rec.one(SERVICE, f"{service}-service").outputs["name"],
    }
    m = metrics(alarm)
    assert {k: (v["namespace"], v["metricName"]) for k, v in m.items()} == {
        "desired": ("ECS/ContainerInsights", "DesiredTaskCount"),
        "running": ("ECS/ContainerInsights", "RunningTaskCount"),
    }
    assert m["desired"]["dimensions"] == m["running"]["dimensions"] == dims
    (shortfall,) = [q for q in alarm.inputs["metricQueries"] if q.get("returnData")]
    assert shortfall["expression"] == "desired - running"
    assert alarm.inputs["threshold"] == 0 and alarm.inputs["evaluationPeriods"] == 5
    cluster = rec.one(CLUSTER, f"{service}-cluster").inputs["settings"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster
    rolls_back_on(rec, service, alarm)


def test_udp_healthy_host_count_watches_the_nlb_target_group(rec: Recording) -> None:
    alarm = rec.one(ALARM, "udp-alarm-healthy-hosts")
    assert metrics(alarm) == {
        "HealthyHostCount": {"namespace": "AWS/NetworkELB", "metricName": "HealthyHostCount", "stat": "Minimum",
                             "dimensions": elb_dimensions(rec, "udp")}
    }  # fmt: skip
    assert alarm.inputs["comparisonOperator"] == "LessThanThreshold" and alarm.inputs["threshold"] == 1
    rolls_back_on(rec, "udp", alarm)


def test_each_service_rolls_back_on_exactly_its_own_alarms(rec: Recording) -> None:
    for service, kinds in (("web", ["target-5xx", "unhealthy-targets", "below-desired"]),
                           ("udp", ["unhealthy-targets", "healthy-hosts", "below-desired"])):  # fmt: skip
        names = rec.one(SERVICE, f"{service}-service").inputs["alarms"]["alarmNames"]
        assert names == [f"project-test-{service}-{kind}" for kind in kinds]


def test_alarms_off_leaves_no_alarm_and_no_deployment_alarms() -> None:
    rec = on_network(
        lambda w, _n: LoadBalancedFargateService(
            "web", LoadBalancedFargateServiceArgs(**w, image=IMAGE, alarms=AlarmsArgs(enabled=False))
        )
    )
    assert not rec.of_type(ALARM) and not rec.one(SERVICE).inputs.get("alarms")


def test_thresholds_are_configurable() -> None:
    args = AlarmsArgs(error_rate_percent=2, min_requests=100, evaluation_periods=2, period=300)
    rec = on_network(
        lambda w, _n: LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**w, image=IMAGE, alarms=args))
    )
    alarm = rec.one(ALARM, "web-alarm-target-5xx")
    assert alarm.inputs["threshold"] == 2 and alarm.inputs["evaluationPeriods"] == 2
    assert {q["metric"]["period"] for q in alarm.inputs["metricQueries"] if q.get("metric")} == {300}
    assert "requests >= 100" in next(q["expression"] for q in alarm.inputs["metricQueries"] if q.get("expression"))


@pytest.mark.parametrize(
    ("alarms", "field", "udp"),
    [
        ({"period": 45}, "alarms.period", False),
        ({"period": 5}, "alarms.period", False),
        ({"evaluation_periods": 0}, "alarms.evaluation_periods", False),
        ({"period": 3600, "evaluation_periods": 25}, "alarms.evaluation_periods", False),
        ({"error_rate_percent": 0}, "alarms.error_rate_percent", False),
        ({"error_rate_percent": 101}, "alarms.error_rate_percent", False),
        ({"min_requests": 0}, "alarms.min_requests", False),
        ({"unhealthy_targets": 0}, "alarms.unhealthy_targets", False),
        ({"below_desired_periods": 61}, "alarms.below_desired_periods", False),
        ({"error_rate_percent": 5}, "alarms.error_rate_percent", True),
        ({"min_requests": 5}, "alarms.min_requests", True),
    ],
)
def test_bad_alarm_settings_are_refused_naming_the_argument(alarms: dict[str, Any], field: str, udp: bool) -> None:
    def build(w: dict[str, Any], _n: PrivateNetwork) -> Any:
        if udp:
            return UdpNlbService(
                "udp", UdpNlbServiceArgs(**w, image=IMAGE, health_check_image=IMAGE, alarms=AlarmsArgs(**alarms))
            )
        return LoadBalancedFargateService(
            "web", LoadBalancedFargateServiceArgs(**w, image=IMAGE, alarms=AlarmsArgs(**alarms))
        )

    with pytest.raises(InvalidArgument) as raised:
        on_network(build)
    assert raised.value.field == field


def test_the_stack_has_one_dashboard_listing_every_services_alarms() -> None:
    rec = synthesize_stack("platform")
    (board,) = rec.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert board.inputs["dashboardName"] == "fargate-lb-platform"
    body = json.loads(board.inputs["dashboardBody"])
    listed = set(body["widgets"][0]["properties"]["alarms"])
    assert listed == {a.outputs["arn"] for a in rec.of_type(ALARM)} and len(listed) >= 3 * 2
    assert rec.outputs["dashboard"] == "fargate-lb-platform"


def test_a_config_section_sets_alarms() -> None:
    from test_stack_config import WEB, config

    from stack_config import parse

    web = parse(config(web={**WEB, "alarms": {"errorRatePercent": 10}})).web
    assert web is not None and web["alarms"].error_rate_percent == 10


# --- the verdict: each alarm proven to watch its own service --------------------------------------------


@pytest.fixture(scope="module")
def good() -> Graph:
    return fx.synthesized().graph


def _node(graph: Graph, name: str) -> Node:
    return next(n for n in graph.nodes if n.name == name)


def test_the_verdict_proves_each_services_alarms(good: Graph) -> None:
    report = check(good)
    paths = {p.service: p for p in report.paths if p.kind == "alarms"}
    assert set(paths) == {"web-service", "udp-service"} and all(p.ok for p in paths.values()), report.format()
    assert "web-alarm-target-5xx watches AWS/ApplicationELB of web-alb, web-tg ✓" in paths["web-service"].text


def _breaks(graph: Graph, hop: str = "alarm-dimensions") -> Any:
    report = check(graph)
    found = [f for f in report.errors if f.hop == hop]
    assert found, report.format()
    assert report.hops() == {hop}, report.format()
    return found[0]


def test_an_alarm_watching_another_services_target_group_is_an_error(good: Graph) -> None:
    alarm = _node(good, "web-alarm-unhealthy-targets")
    other_tg, web_alb = _node(good, "udp-tg"), _node(good, "web-alb")
    finding = _breaks(relinked(good, alarm, "dimensions", [other_tg, web_alb]))
    assert finding.service == "web-service" and finding.target and finding.target.name == "udp-tg"
    assert "dimensions name udp-tg, not web-tg" in finding.message
    assert finding.fix and finding.fix.argument == "alarms" and finding.fix.config_key == "fargate-lb:web.alarms"


def test_an_alarm_watching_another_load_balancer_is_an_error(good: Graph) -> None:
    alarm = _node(good, "udp-alarm-healthy-hosts")
    finding = _breaks(relinked(good, alarm, "dimensions", [_node(good, "udp-tg"), _node(good, "web-alb")]))
    assert finding.service == "udp-service" and "dimensions name web-alb, not udp-nlb" in finding.message


def test_a_task_count_alarm_on_another_ecs_service_is_an_error(good: Graph) -> None:
    alarm = _node(good, "web-alarm-below-desired")
    links = [_node(good, "udp-service"), *[n for n in good.refs(alarm, "metricQueries") if n.type == CLUSTER]]
    finding = _breaks(relinked(good, alarm, "metricQueries", links))
    assert finding.service == "web-service" and "dimensions name udp-service, not web-service" in finding.message


def test_an_nlb_alarm_in_the_alb_namespace_is_an_error(good: Graph) -> None:
    alarm = _node(good, "udp-alarm-unhealthy-targets")
    finding = _breaks(changed(good, alarm, "namespace", "AWS/ApplicationELB"))
    assert "publishes in AWS/NetworkELB" in finding.message


def test_deployment_alarms_without_rollback_are_an_error(good: Graph) -> None:
    svc = _node(good, "web-service")
    _breaks(changed(good, svc, "alarms.rollback", False), hop="deployment-alarms")


def test_a_deployment_alarm_the_stack_does_not_create_is_an_error(good: Graph) -> None:
    svc = _node(good, "web-service")
    names = [*svc.props["alarms"]["alarmNames"], "someone-elses-alarm"]
    finding = _breaks(changed(good, svc, "alarms.alarmNames", names), hop="deployment-alarms")
    assert "'someone-elses-alarm'" in finding.message


def test_container_insights_off_silences_the_task_count_alarm(good: Graph) -> None:
    alarm = _node(good, "web-alarm-below-desired")
    (cluster,) = [n for n in good.refs(alarm, "metricQueries") if n.type == CLUSTER]
    report = check(changed(good, cluster, "settings", [{"name": "containerInsights", "value": "disabled"}]))
    assert any("Container Insights off" in f.message for f in report.errors), report.format()
