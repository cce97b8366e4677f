"""Many services on one shared ALB (`fargate-lb:services` + `fargate-lb:alb`, Pulumi.platform.yaml):
one listener rule and target group per service, security groups exactly per service port, one
cluster, request-count and scheduled scaling, calls by name; every refusal names its keys."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from fargatelb.graph import Graph
from fargatelb.mocks import Recording
from fargatelb.verify import Severity, check
from offline import stack_config, synthesize_stack
from stack_config import ConfigError, parse
from wiring_fixtures import changed, without

LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"


@pytest.fixture(scope="module")
def platform() -> Recording:
    return synthesize_stack("platform")


def services(raw: dict[str, Any]) -> dict[str, Any]:
    return json.loads(raw["fargate-lb:services"])


def with_services(change: Any) -> dict[str, str]:
    raw = stack_config("platform")
    settings = services(raw)
    change(settings)
    return {**raw, "fargate-lb:services": json.dumps(settings)}


# ---------------------------------------------------------------------------------------------
# What the stack builds


def test_one_alb_one_rule_and_target_group_per_service(platform: Recording) -> None:
    assert len(platform.of_type("aws:lb/loadBalancer:LoadBalancer")) == 1
    rules = {r.name: r.inputs for r in platform.of_type(LISTENER_RULE)}
    assert set(rules) == {"api-rule", "admin-rule", "docs-rule"}
    assert rules["api-rule"]["conditions"] == [{"hostHeader": {"values": ["api.example.com"]}}]
    assert rules["docs-rule"]["conditions"] == [{"pathPattern": {"values": ["/docs/*"]}}]
    assert [int(rules[n]["priority"]) for n in ("api-rule", "admin-rule", "docs-rule")] == [10, 20, 30]
    tgs = {r.name: int(r.inputs["port"]) for r in platform.of_type("aws:lb/targetGroup:TargetGroup")}
    assert tgs == {"api-tg": 8080, "admin-tg": 8081, "docs-tg": 8082}
    (http,) = platform.of_type("aws:lb/listener:Listener")
    assert http.inputs["defaultActions"][0]["type"] == "fixed-response"
    assert http.inputs["defaultActions"][0]["fixedResponse"]["statusCode"] == "404"


def test_the_alb_reaches_each_service_only_on_its_own_port(platform: Recording) -> None:
    graph = platform.graph()
    alb_sg = graph.by_urn[platform.one("aws:ec2/securityGroup:SecurityGroup", "edge-alb-sg").urn]
    egress = {
        (r.name, int(r.inputs["fromPort"]), int(r.inputs["toPort"]))
        for r in platform.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if alb_sg.urn in r.property_dependencies.get("securityGroupId", [])
    }
    assert egress == {("api-lb-out-tcp-8080", 8080, 8080), ("admin-lb-out-tcp-8081", 8081, 8081),
                      ("docs-lb-out-tcp-8082", 8082, 8082)}  # fmt: skip
    ingress = {
        r.name: int(r.inputs["fromPort"])
        for r in platform.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if alb_sg.urn in r.property_dependencies.get("referencedSecurityGroupId", [])
    }
    assert ingress == {"api-task-in-tcp-8080": 8080, "admin-task-in-tcp-8081": 8081, "docs-task-in-tcp-8082": 8082}


def test_one_cluster_with_container_insights_for_every_service(platform: Recording) -> None:
    (cluster,) = platform.of_type("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    for service in platform.of_type("aws:ecs/service:Service"):
        assert service.property_dependencies["cluster"] == [cluster.urn], service.name


def test_request_count_and_scheduled_scaling(platform: Recording) -> None:
    policy = platform.one("aws:appautoscaling/policy:Policy", "api-scaling-requests").inputs
    spec = policy["targetTrackingScalingPolicyConfiguration"]
    assert spec["predefinedMetricSpecification"]["predefinedMetricType"] == "ALBRequestCountPerTarget"
    label = spec["predefinedMetricSpecification"]["resourceLabel"]
    assert label.startswith("app/edge-alb") and "/targetgroup/api-tg" in label and int(spec["targetValue"]) == 500
    schedule = platform.one("aws:appautoscaling/scheduledAction:ScheduledAction").inputs
    assert schedule["schedule"] == "cron(0 7 ? * MON-FRI *)" and schedule["timezone"] == "Europe/Dublin"
    assert schedule["scalableTargetAction"] == {"minCapacity": 2.0, "maxCapacity": 4.0}


def test_a_caller_gets_the_callees_name_and_exactly_its_port(platform: Recording) -> None:
    admin = json.loads(
        platform.one("aws:ecs/taskDefinition:TaskDefinition", "admin-task").inputs["containerDefinitions"]
    )
    env = {e["name"]: e["value"] for e in admin[0]["environment"]}
    assert env["API_URL"] == "http://api.platform.fargate-lb.internal:8080"
    registry = platform.one("aws:servicediscovery/service:Service", "api-discovery").inputs
    assert registry["name"] == "api" and registry["dnsConfig"]["dnsRecords"] == [{"ttl": 10.0, "type": "A"}]
    call_rules = [r for r in platform.registrations if r.name.startswith("admin-calls-api-")]
    assert {(r.name, int(r.inputs["fromPort"])) for r in call_rules} == {
        ("admin-calls-api-out", 8080),
        ("admin-calls-api-in", 8080),
    }
    assert [s.name for s in platform.of_type("aws:servicediscovery/service:Service")] == ["api-discovery"]


def test_the_verdict_proves_every_rule_and_call(platform: Recording) -> None:
    report = check(platform.graph())
    assert report.ok, report.format()
    traffic = {p.service: p.text for p in report.paths if p.kind == "traffic"}
    assert "rule 10: host api.example.com → tg api-tg" in traffic["api-service"]
    assert "rule 30: path /docs/* → tg docs-tg" in traffic["docs-service"]
    (call,) = [p for p in report.paths if p.kind == "call"]
    assert call.ok and "api.platform.fargate-lb.internal:8080" in call.text


# ---------------------------------------------------------------------------------------------
# The verdict catches a broken graph


def test_two_rules_on_one_priority_in_the_graph_are_named(platform: Recording) -> None:
    graph = platform.graph()
    admin = next(n for n in graph.nodes if n.name == "admin-rule")
    report = check(changed(graph, admin, "priority", 10))
    (finding,) = [f for f in report.errors if f.hop == "listener-rules"]
    assert "share priority 10" in finding.message and {finding.source.name, finding.target.name} == {  # type: ignore[union-attr]
        "admin-rule",
        "api-rule",
    }


def test_rules_are_replaced_delete_first_and_a_rule_that_isnt_is_a_lifecycle_warning(platform: Recording) -> None:
    """Two rules can't hold one priority: a replacement created before the old rule goes fails with
    PriorityInUse, so the component deletes first, and the verdict warns about any rule that doesn't."""
    rules = platform.of_type(LISTENER_RULE)
    assert rules and all(r.delete_before_replace for r in rules)
    graph = platform.graph()
    assert "fixed-priority" not in check(graph).hops(Severity.WARNING)
    admin = next(n for n in graph.nodes if n.name == "admin-rule")
    relaxed = dataclasses.replace(admin, delete_before_replace=False)
    report = check(Graph(relaxed if n.urn == admin.urn else n for n in graph.nodes))
    (finding,) = [f for f in report.warnings if f.hop == "fixed-priority"]
    assert "PriorityInUse" in finding.message and finding.source.name == "admin-rule"  # type: ignore[union-attr]


def test_a_rule_to_a_target_group_no_service_uses_is_named(platform: Recording) -> None:
    graph = platform.graph()
    service = next(n for n in graph.nodes if n.name == "docs-service")
    report = check(without(graph, service))
    assert "rule-target-group" in report.hops(), report.format()


def test_a_missing_call_rule_breaks_the_call_path(platform: Recording) -> None:
    graph: Graph = platform.graph()
    ingress = next(n for n in graph.nodes if n.name == "admin-calls-api-in")
    report = check(without(graph, ingress))
    (finding,) = [f for f in report.errors if f.hop == "call-ingress"]
    assert "admin-service's calls to api-service are dropped" in finding.message


def test_a_callee_without_a_name_is_named(platform: Recording) -> None:
    graph = platform.graph()
    registry = next(n for n in graph.nodes if n.name == "api-discovery")
    report = check(without(graph, registry))
    (finding,) = [f for f in report.errors if f.hop == "call-name"]
    assert "api-service is registered in no private DNS namespace" in finding.message


# ---------------------------------------------------------------------------------------------
# The config refuses, naming the keys


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s["admin"]["routing"].update(priority=10), "share priority 10"),
        (
            lambda s: s["docs"]["routing"].update(hosts=["api.example.com"], paths=[], priority=40),
            "docs (fargate-lb:services.docs.routing) and api (fargate-lb:services.api.routing) route the same hosts",
        ),
        (
            lambda s: s["docs"]["routing"].update(hosts=["API.example.com"], priority=40),
            "docs's rule (fargate-lb:services.docs.routing, priority 40) can never match",
        ),
        (lambda s: s["docs"].pop("routing"), "fargate-lb:services.docs.routing: is required on a shared ALB"),
        (lambda s: s["docs"]["routing"].update(paths=[], hosts=[]), "fargate-lb:services.docs.routing: needs hosts"),
        (lambda s: s["docs"]["routing"].update(priority=50000), "reserved for the default service"),
        (lambda s: s["docs"]["routing"].update(paths=["docs/*"]), "must start with '/'"),
        (lambda s: s["admin"].update(calls=["billing"]), "fargate-lb:services.admin.calls: 'billing' is not a service"),
        (lambda s: s["admin"].update(calls=["admin"]), "'admin' calls itself"),
        (
            lambda s: s["admin"].update(environment={"API_URL": "x"}),
            "fargate-lb:services.admin.environment.API_URL: is set by the stack",
        ),
        (lambda s: s["api"].update(listenerPort=81), "fargate-lb:services.api.listenerPort: is not a known setting"),
        (lambda s: s.update({"a" * 21: s.pop("docs")}), "must be 1–20 letters, digits or hyphens"),
        (lambda s: s.update({"docs.v2": s.pop("docs")}), "fargate-lb:services.docs.v2: is not a usable service name"),
        (
            lambda s: s["docs"].update(routing={"default": True, "priority": 5}),
            "fargate-lb:services.docs.routing.priority: isn't used with routing.default",
        ),
        (lambda s: s["docs"].update(build="nope"), "fargate-lb:services.docs.build: there is no app named 'nope'"),
        # Another spelling of app/web would be a second web-repo resource, same ECR name: refused at create.
        (lambda s: s["docs"].update(build="web/"), "fargate-lb:services.docs.build: there is no app named 'web/'"),
        (lambda s: s["docs"].update(build="./web"), "there is no app named './web' to build docs's image from"),
        (
            lambda s: s["docs"].update(build="web", image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1"),
            "fargate-lb:services.docs.build: and fargate-lb:services.docs.image exclude each other",
        ),
        (
            lambda s: s["api"]["scaling"].update(requestsPerTarget=0),
            "fargate-lb:services.api.scaling.requestsPerTarget",
        ),
        (
            lambda s: s["docs"]["scaling"]["schedules"][0].update(cron="0 7 * * MON-FRI *"),
            "fargate-lb:services.docs.scaling.schedules[0].cron: '0 7 * * MON-FRI *': needs exactly one",
        ),
        (
            lambda s: s["docs"]["scaling"]["schedules"][0].update(minCount=5),
            "fargate-lb:services.docs.scaling.schedules[0].minCount: (5) must not exceed",
        ),
        (lambda s: s["docs"].update(environment={"PORT": "1"}), "fargate-lb:services.docs.environment.PORT: is set by"),
    ],
)
def test_a_broken_services_section_is_refused_naming_its_keys(change: Any, words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse(with_services(change))
    assert words in str(refused.value)


def test_the_shorthand_and_a_shared_alb_are_not_mixed() -> None:
    raw = {**stack_config("platform"), "fargate-lb:web": json.dumps({"containerPort": 8080})}
    with pytest.raises(ConfigError, match="fargate-lb:web: is the one-service shorthand"):
        parse(raw)


def test_a_service_named_like_the_udp_service_is_refused() -> None:
    config = with_services(lambda s: s.update(udp=s.pop("docs")))
    config["fargate-lb:udp"] = json.dumps({})
    with pytest.raises(ConfigError, match=r"fargate-lb:services\.udp: shares its name with fargate-lb:udp"):
        parse(config)


def test_an_alb_section_without_services_is_refused() -> None:
    raw = {k: v for k, v in stack_config("platform").items() if k != "fargate-lb:services"}
    with pytest.raises(ConfigError, match="fargate-lb:alb: configures the ALB that fargate-lb:services share"):
        parse(raw)


def test_one_default_service_takes_what_no_rule_matches() -> None:
    def default_docs(s: dict[str, Any]) -> None:
        s["docs"]["routing"] = {"default": True}

    rec = synthesize_stack("platform", config=with_services(default_docs))
    rule = rec.one(LISTENER_RULE, "docs-rule").inputs
    assert int(rule["priority"]) == 50000 and rule["conditions"] == [{"pathPattern": {"values": ["*"]}}]
    assert check(rec.graph()).ok

    def two_defaults(s: dict[str, Any]) -> None:
        s["docs"]["routing"] = s["admin"]["routing"] = {"default": True}

    with pytest.raises(ConfigError, match="only one service takes what no rule matches"):
        parse(with_services(two_defaults))


@pytest.mark.slow  # a scale or process-level check: make test-all
def test_twenty_services_on_one_alb_preview_and_prove_every_path() -> None:
    def twenty(s: dict[str, Any]) -> None:
        template = s.pop("docs")
        s.clear()
        for i in range(20):
            s[f"svc{i:02d}"] = {**template, "containerPort": 8000 + i,
                                "routing": {"paths": [f"/svc{i:02d}/*"], "priority": i + 1}}  # fmt: skip

    report = check(synthesize_stack("platform", config=with_services(twenty)).graph())
    assert report.ok, report.format()
    assert len([p for p in report.paths if p.kind == "traffic"]) == 20
    assert not [f for f in report.findings if f.severity is Severity.UNKNOWN]


def test_fixes_name_the_config_key_each_component_came_from() -> None:
    """A service on the shared ALB is configured under `services.<name>`, the ALB under `alb`: the
    program says so (`fargatelb.offline.report_config_section`) and every fix names that key."""
    from fargatelb.preview.project import Project
    from fargatelb.preview.runner import judge, read_stack, run_program

    project = Project.load(Path(__file__).resolve().parent.parent)
    _, file, _ = read_stack(project, "platform")
    config = dict(file.config)
    alb = json.loads(config["fargate-lb:alb"])
    config["fargate-lb:alb"] = json.dumps({**alb, "allowedCidrs": ["::/0"]})  # IPv6 clients of an IPv4 ALB

    def move_api_health_port(args: Any) -> Any:
        if args.type_ == "aws:lb/targetGroup:TargetGroup" and args.name == "api-tg":
            health = copy.copy(args.props["health_check"])
            health.port = "9999"
            return pulumi.ResourceTransformationResult({**args.props, "health_check": health}, args.opts)
        return None

    run = run_program(project, "platform", config=config, transformations=[move_api_health_port])
    keys = {f.hop: f.fix.config_key for f in judge(run, cost=False).report.errors if f.fix is not None}
    assert keys["lb-client-ipv6"] == "fargate-lb:alb.allowedCidrs"
    assert keys["health-check-port"] == "fargate-lb:services.api.healthCheck.port"
