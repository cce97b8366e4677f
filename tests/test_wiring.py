"""The wiring check's own behaviour: the Fargate table, unknown values in a preview, the report and
finding shapes the offline preview prints, and the rule forms it accepts. One-link mutations of the
good graphs are in test_wiring_mutations.py."""

import ast
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import fargatelb.verify as verify
import wiring_fixtures as fx
from fargatelb.fargate import FARGATE_MEMORY
from fargatelb.graph import Graph, Node
from fargatelb.verify import Finding, Fix, Report, ResourceRef, Severity, check
from fargatelb.verify.tokens import UDP_COMPONENT, WEB_COMPONENT
from wiring_fixtures import Builder, changed, roles, with_nat, without


@pytest.fixture(scope="module")
def good() -> Graph:
    return fx.hand_built().graph


# ---------------------------------------------------------------------------------------------
# Pure rules


def test_verify_package_imports_no_pulumi() -> None:
    """The offline preview and the policy pack load it in milliseconds: no SDK in any module."""
    for module in Path(verify.__file__).parent.rglob("*.py"):
        tree = ast.parse(module.read_text())
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0].startswith("pulumi")], (module.name, imported)


@pytest.mark.parametrize(
    ("cpu", "memory", "ok"),
    [
        (256, 512, True),
        (256, 2048, True),
        (256, 3072, False),
        (512, 4096, True),
        (1024, 1024, False),
        (2048, 16384, True),
        (4096, 30720, True),
        (4096, 31744, False),
        (8192, 20480, True),
        (8192, 18432, False),  # 8 vCPU: 4 GiB steps only
        (16384, 40960, True),
        (16384, 36864, False),  # 16 vCPU: 8 GiB steps only
        (128, 512, False),
    ],
)
def test_fargate_memory_options_follow_the_aws_table(cpu: int, memory: int, ok: bool) -> None:
    assert (memory in FARGATE_MEMORY.get(cpu, ())) is ok


def test_fargate_table_bounds() -> None:
    bounds = {cpu: (mem[0], mem[-1]) for cpu, mem in FARGATE_MEMORY.items()}
    assert bounds == {
        256: (512, 2048),
        512: (1024, 4096),
        1024: (2048, 8192),
        2048: (4096, 16384),
        4096: (8192, 30720),
        8192: (16384, 61440),
        16384: (32768, 122880),
        32768: (61440, 249856),
    }


@pytest.mark.parametrize(("cpu", "memory"), [("1 vCPU", "2 GB"), ("1024", "2048"), (1024.0, 2048.0)])
def test_task_sizes_in_any_form_aws_accepts_are_read(good: Graph, cpu: object, memory: object) -> None:
    task = roles(good, "web").task_definition
    graph = changed(changed(good, task, "cpu", cpu), task, "memory", memory)
    assert "fargate-size" not in check(graph).hops()


# ---------------------------------------------------------------------------------------------
# Report and finding shapes


def test_finding_reads_as_one_line_with_hop_sides_and_fix() -> None:
    finding = Finding(
        Severity.ERROR,
        "task-sg-ingress",
        "no ingress rule",
        service="web-service",
        source=ResourceRef("web-alb-sg", "aws:ec2/securityGroup:SecurityGroup", "urn:a"),
        target=ResourceRef("web-task-sg", "aws:ec2/securityGroup:SecurityGroup", "urn:b"),
        fix=Fix("container_port", "web", WEB_COMPONENT, "fargate-lb:web.containerPort"),
    )
    assert str(finding) == (
        "error [task-sg-ingress] web-service web-alb-sg → web-task-sg: no ingress rule (fix: `container_port` of "
        "web (fargatelb:index:LoadBalancedFargateService), config `fargate-lb:web.containerPort`)"
    )


def test_report_is_ok_with_warnings_and_unknowns_but_not_with_an_error() -> None:
    warn = Finding(Severity.WARNING, "x", "w")
    unknown = Finding(Severity.UNKNOWN, "y", "u")
    assert Report(findings=[warn, unknown]).ok
    report = Report(findings=[warn, unknown, Finding(Severity.ERROR, "z", "e")])
    assert not report.ok and report.hops() == {"z"}
    assert report.format().splitlines()[-1] == "verdict: BROKEN (1 errors, 1 warnings, 1 unknown)"


def test_config_keys_use_the_project_from_the_urn_and_camel_case_paths(good: Graph) -> None:
    udp = roles(good, "udp")
    report = check(changed(good, udp.target_group, "healthCheck.protocol", "UDP"))
    (finding,) = [f for f in report.errors if f.hop == "health-check-protocol"]
    assert finding.fix == Fix("health_check.protocol", "udp", UDP_COMPONENT, "fargate-lb:udp.healthCheck.protocol")


def test_resources_outside_any_component_get_a_fix_naming_the_resource_input(good: Graph) -> None:
    web = roles(good, "web")
    orphan = dataclasses.replace(web.target_group, parent=fx.STACK_URN)
    graph = changed(Graph(orphan if n.urn == orphan.urn else n for n in good.nodes), orphan, "targetType", "instance")
    (finding,) = check(graph).errors
    assert finding.fix == Fix("targetType", resource="web-tg")
    assert str(finding.fix) == "input `targetType` of web-tg"


def test_a_nested_component_gets_no_config_key(good: Graph) -> None:
    """Config sections name top-level components only."""
    web_urn = roles(good, "web").service.parent
    outer = Node("urn:pulumi:test::fargate-lb::app:index:Platform::platform", "app:index:Platform", "platform", {})
    nodes = [dataclasses.replace(n, parent=outer.urn) if n.urn == web_urn else n for n in good.nodes]
    graph = Graph([*nodes, dataclasses.replace(outer, custom=False, parent=fx.STACK_URN)])
    task = roles(graph, "web").task_definition
    (finding,) = check(changed(graph, task, "memory", "4096")).errors
    assert finding.fix is not None and finding.fix.argument == "memory" and finding.fix.config_key is None


# ---------------------------------------------------------------------------------------------
# A real preview: ids unknown, links only through property dependencies


@pytest.mark.parametrize("name", sorted(fx.GOOD))
def test_preview_form_of_a_good_graph_passes_with_unknowns_only(name: str) -> None:
    graph = fx.preview(fx.GOOD[name]())
    service = roles(graph, "web").service
    assert service.props["loadBalancers"][0]["targetGroupArn"] is None, "the fixture should hide ids"
    assert roles(graph, "web").task_definition.props.get("containerDefinitions") is None
    report = check(graph)
    assert report.ok, report.format()
    assert "container-definitions" in report.hops(Severity.UNKNOWN)
    # The security-group hops don't depend on ids and are still proven.
    (traffic,) = [p for p in report.paths if p.service == "web-service" and p.kind == "traffic"]
    assert "web-task-sg ingress tcp/8080 from web-alb-sg ✓ (web-alb-sg egress tcp/8080 to web-task-sg ✓)" in (
        traffic.text
    )


@pytest.mark.parametrize("name", sorted(fx.GOOD))
def test_preview_form_still_catches_a_removed_rule(name: str) -> None:
    graph = fx.preview(fx.GOOD[name]())
    udp = roles(graph, "udp")
    report = check(without(graph, udp.lb_egress("tcp", 8080)))
    assert report.hops() == {"health-check-lb-sg-egress"}, report.format()


def test_unknown_rule_ports_are_unknown_not_missing(good: Graph) -> None:
    rule = roles(good, "web").task_ingress("tcp", 8080)
    report = check(changed(good, rule, "fromPort", None))
    assert report.ok, report.format()
    assert "task-sg-ingress" in report.hops(Severity.UNKNOWN)


def test_subnet_on_the_main_route_table_makes_the_pull_path_unknown_not_broken(good: Graph) -> None:
    associations = good.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    graph = without(without(good, *[a for a in associations if "private" in a.name]), fx.endpoint(good, "ecr.dkr"))
    report = check(graph)
    assert report.ok, report.format()
    assert {"subnet-route-table", "ecr-dkr-endpoint"} <= report.hops(Severity.UNKNOWN)


# ---------------------------------------------------------------------------------------------
# Other ways to wire it right (or wrong)


def test_nat_only_network_with_internet_egress_pulls_everything_through_nat(good: Graph) -> None:
    endpoints = good.of_type(fx.ENDPOINT)
    graph = with_nat(without(good, *endpoints))
    report = check(graph)
    assert report.ok, report.format()
    (pull,) = [p for p in report.paths if p.service == "web-service" and p.kind == "image-pull"]
    assert "ecr.api via NAT ✓" in pull.text and "s3 via NAT on net-private-rt-0 ✓" in pull.text


def test_legacy_security_group_rules_are_understood(good: Graph) -> None:
    web = roles(good, "web")
    old = web.task_ingress("tcp", 8080)
    b = Builder()
    legacy = b.add(
        good.by_urn[old.parent or ""],
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "web-task-in-legacy",
        {"type": "ingress", "protocol": "tcp", "fromPort": 8000.0, "toPort": 8999.0},
        securityGroupId=web.task_sg,
        sourceSecurityGroupId=web.lb_sg,
    )
    passes = check(fx.plus(without(good, old), legacy))
    assert passes.ok, passes.format()


def test_lb_egress_to_a_cidr_must_cover_the_task_subnets(good: Graph) -> None:
    web = roles(good, "web")
    rule = web.lb_egress("tcp", 8080)
    cidr_rule = dataclasses.replace(
        rule,
        props={k: v for k, v in rule.props.items() if k != "referencedSecurityGroupId"} | {"cidrIpv4": "10.0.0.0/16"},
        property_dependencies={"securityGroupId": rule.property_dependencies["securityGroupId"]},
    )
    graph = Graph(cidr_rule if n.urn == rule.urn else n for n in good.nodes)
    assert check(graph).ok, check(graph).format()
    narrow = changed(graph, cidr_rule, "cidrIpv4", "10.0.0.0/24")  # the public subnet only
    assert check(narrow).hops() == {"lb-sg-egress", "health-check-lb-sg-egress"}


def test_autoscaled_service_that_does_not_ignore_desired_count_gets_a_warning(good: Graph) -> None:
    service = roles(good, "web").service
    graph = Graph(dataclasses.replace(n, ignore_changes=()) if n.urn == service.urn else n for n in good.nodes)
    report = check(graph)
    assert report.ok and report.hops(Severity.WARNING) == {"desired-count"}


def test_redirect_listener_without_client_ingress_is_a_warning(good: Graph) -> None:
    web = roles(good, "web")
    rule = next(r for r in good.referrers(web.lb_sg, fx.INGRESS, "securityGroupId") if r.props["fromPort"] == 80)
    report = check(without(good, rule))
    assert report.ok and report.hops(Severity.WARNING) == {"lb-sg-ingress"}, report.format()
    (redirect,) = [p for p in report.paths if p.kind == "redirect"]
    assert not redirect.ok


def test_alb_with_a_udp_listener_is_a_listener_protocol_error(good: Graph) -> None:
    udp = roles(good, "udp")
    report = check(changed(good, udp.load_balancer, "loadBalancerType", "application"))
    assert "listener-protocol" in report.hops(), report.format()


def test_malformed_container_definitions_are_an_error(good: Graph) -> None:
    task = roles(good, "web").task_definition
    report = check(changed(good, task, "containerDefinitions", "[{"))
    assert report.hops() == {"container-definitions"}


def test_every_error_names_a_hop_both_sides_or_a_resource_and_a_fix(good: Graph) -> None:
    graph = without(good, roles(good, "web").task_ingress("tcp", 8080), fx.endpoint(good, "logs"))
    graph = changed(graph, roles(graph, "udp").scaling_target, "minCapacity", 9.0)
    for finding in check(graph).errors:
        assert finding.hop and finding.message
        assert finding.source is not None, finding
        assert finding.fix is not None, finding


def test_container_definitions_as_json_are_parsed_per_container(good: Graph) -> None:
    task = roles(good, "udp").task_definition
    containers = json.loads(task.props["containerDefinitions"])
    assert [c["name"] for c in containers] == ["udp", "healthcheck"]


# ---------------------------------------------------------------------------------------------
# The repo's own stacks


@pytest.fixture(scope="module")
def stack_recordings(committed_stacks: dict[str, Any]) -> dict[str, Any]:
    return committed_stacks


@pytest.mark.parametrize("form", ["recorded", "preview"])
def test_every_stack_file_passes_the_wiring_check(stack_recordings: dict[str, Any], form: str) -> None:
    assert {"dev", "prod"} <= set(stack_recordings)
    for stack, recording in stack_recordings.items():
        fixture = fx.Fixture(recording.graph(), fx.computed_values(recording.registrations))
        report = check(fixture.graph if form == "recorded" else fx.preview(fixture))
        assert report.ok, f"Pulumi.{stack}.yaml:\n{report.format()}"
        if form == "recorded":
            assert not report.warnings and not report.unknowns, f"Pulumi.{stack}.yaml:\n{report.format()}"
        assert {p.kind for p in report.paths} >= {"traffic", "health-check", "image-pull", "logs"}


# ---------------------------------------------------------------------------------------------
# Lifecycle


def test_a_fixed_target_group_name_is_a_warning_unless_deleted_before_replace(good: Graph) -> None:
    tg = roles(good, "web").target_group
    named = changed(good, tg, "name", "web-tg")
    (finding,) = [f for f in check(named).warnings if f.hop == "fixed-name"]
    assert "creates the replacement first" in finding.message and finding.property == "name"
    relaxed = dataclasses.replace(tg, props={**tg.props, "name": "web-tg"}, delete_before_replace=True)
    graph = Graph(relaxed if n.urn == tg.urn else n for n in good.nodes)
    assert "fixed-name" not in check(graph).hops(Severity.WARNING)
