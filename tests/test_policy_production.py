"""The pack's production policies and its address-space ingress policy, fed the recorded stacks the
two ways `test_policy` feeds them (as recorded, and as a real preview shows them), with the stack's
tags as CrossGuard hands them over."""

from collections.abc import Mapping
from types import ModuleType

import pytest
from pulumi_policy import EnforcementLevel, StackValidationArgs
from test_policy import FORMS, load_pack, policy, policy_resources, run_stack

import wiring_fixtures as fx
from fargatelb import production
from fargatelb.graph import Graph
from fargatelb.mocks import Recording
from wiring_fixtures import Builder, roles

PRODUCTION = {"fargatelb:profile": "production"}


@pytest.fixture(scope="module")
def pack() -> ModuleType:
    return load_pack()


CONTROL_POLICIES = {c: f"production-{c.lower().replace('.', '-')}" for c in production.CONTROLS}


def fixture(rec: Recording) -> fx.Fixture:
    return fx.Fixture(rec.graph(), fx.computed_values(rec.registrations))


def args(f: fx.Fixture, form: str, tags: Mapping[str, str], graph: Graph | None = None) -> StackValidationArgs:
    unknown = f.computed if form == "preview" else None
    return StackValidationArgs(policy_resources(graph or f.graph, unknown), None, dict(tags))


def reported(pack: ModuleType, name: str, a: StackValidationArgs) -> list[str]:
    return [message for message, _ in run_stack(policy(pack, name), a)]


def test_every_control_is_a_mandatory_policy_of_the_pack(pack: ModuleType) -> None:
    names = {p.name: p for p in pack.POLICIES}
    for name in [*CONTROL_POLICIES.values(), "production-declaration", "no-world-ingress"]:
        assert names[name].enforcement_level is EnforcementLevel.MANDATORY, name
    assert names["production-overrides"].enforcement_level is EnforcementLevel.ADVISORY


@pytest.mark.parametrize("form", FORMS)
def test_the_prod_stack_passes_every_production_policy(
    pack: ModuleType, committed_stacks: dict[str, Recording], form: str
) -> None:
    a = args(fixture(committed_stacks["prod"]), form, PRODUCTION)
    for name in ["production-declaration", *CONTROL_POLICIES.values(), "production-overrides", "no-world-ingress"]:
        assert reported(pack, name, a) == [], name


@pytest.mark.parametrize("form", FORMS)
def test_the_dev_stack_tagged_production_is_refused_control_by_control(
    pack: ModuleType, committed_stacks: dict[str, Recording], form: str
) -> None:
    a = args(fixture(committed_stacks["dev"]), form, PRODUCTION)
    broken = {c for c, name in CONTROL_POLICIES.items() if reported(pack, name, a)}
    assert broken == {"ELB.1", "ELB.5", "ELB.6", "EC2.6", "ECR.5", "FLB.LOGKMS", "FLB.PROTECT", "FLB.FORCEDELETE"}
    (nlb,) = [m for m in reported(pack, "production-elb-6", a) if "udp-nlb" in m]
    assert nlb.startswith("[ELB.6] udp-nlb: network load balancer without enableDeletionProtection: true. ")
    assert "or tag the stack fargatelb:override:ELB.6 with the reason it doesn't" in nlb


def test_a_stack_that_isnt_production_is_judged_by_none_of_them(
    pack: ModuleType, committed_stacks: dict[str, Recording]
) -> None:
    for tags in ({}, {"fargatelb:profile": "development"}):
        a = args(fixture(committed_stacks["dev"]), "preview", tags)
        assert all(reported(pack, name, a) == [] for name in CONTROL_POLICIES.values())


def test_an_override_waives_its_control_and_its_reason_is_printed(
    pack: ModuleType, committed_stacks: dict[str, Recording]
) -> None:
    reason = "the platform's edge proxy logs every request (OPS-1234)"
    a = args(fixture(committed_stacks["dev"]), "preview", PRODUCTION | {"fargatelb:override:ELB.5": reason})
    assert reported(pack, "production-elb-5", a) == []
    assert reported(pack, "production-elb-6", a)  # the others still hold
    assert reported(pack, "production-overrides", a) == [
        f"override ELB.5 (Security Hub: application load balancers write access logs): {reason}"
    ]


def test_a_tag_that_cant_be_read_is_refused_by_name(pack: ModuleType, committed_stacks: dict[str, Recording]) -> None:
    a = args(fixture(committed_stacks["prod"]), "preview", PRODUCTION | {"fargatelb:override:ELB.5": ""})
    (message,) = reported(pack, "production-declaration", a)
    assert message.startswith("stack tag fargatelb:override:ELB.5: overrides ELB.5 without a reason")


def test_a_self_signed_certificate_is_refused_in_production(pack: ModuleType) -> None:
    from fargatelb import LoadBalancedFargateService, LoadBalancedFargateServiceArgs
    from synth_helpers import ECR, on_network

    rec = on_network(
        lambda wiring, _: LoadBalancedFargateService(
            "web", LoadBalancedFargateServiceArgs(**wiring, image=f"{ECR}/web:1", self_signed_certificate=True)
        )
    )
    for form in FORMS:
        (message,) = reported(pack, "production-flb-cert", args(fixture(rec), form, PRODUCTION))
        assert message.startswith("[FLB.CERT] web-cert: imported certificate is self-signed"), message


def _open_udp_to_the_world(graph: Graph) -> Graph:
    udp = roles(graph, "udp")
    owner = graph.component_of(udp.lb_sg)
    assert owner is not None
    b = Builder()
    halves = [
        b.rule(owner, f"udp-world-{i}", udp.lb_sg, "udp", 1234, cidr=c)
        for i, c in enumerate(("0.0.0.0/1", "128.0.0.0/1"))
    ]
    return fx.plus(graph, *halves)


@pytest.mark.parametrize("form", FORMS)
def test_an_nlb_open_to_the_world_in_halves_is_a_listener_port_but_not_authorized_in_production(
    pack: ModuleType, committed_stacks: dict[str, Recording], form: str
) -> None:
    f = fixture(committed_stacks["prod"])
    a = args(f, form, PRODUCTION, _open_udp_to_the_world(f.graph))
    assert reported(pack, "no-world-ingress", a) == []  # the NLB's own listener port: any stack may
    (message,) = reported(pack, "production-ec2-18", a)
    assert message.startswith(
        "[EC2.18] udp-nlb-sg: security group udp-nlb-sg admits the whole IPv4 space (0.0.0.0/0, as 0.0.0.0/1, "
        "128.0.0.0/1 in udp-world-0, udp-world-1) on udp/1234: only TCP 80 and 443 may be open to the world"
    ), message
    tags = PRODUCTION | {"fargatelb:override:EC2.18": "a public game server"}
    waived = args(f, form, tags, _open_udp_to_the_world(f.graph))
    assert reported(pack, "production-ec2-18", waived) == []


@pytest.mark.parametrize("form", FORMS)
def test_world_ingress_off_the_listener_ports_is_refused_for_any_stack(
    pack: ModuleType, committed_stacks: dict[str, Recording], form: str
) -> None:
    f = fixture(committed_stacks["dev"])
    web = roles(f.graph, "web")
    owner = f.graph.component_of(web.task_sg)
    assert owner is not None
    b = Builder()
    halves = [
        b.rule(owner, f"task-world-{i}", web.task_sg, "tcp", 8080, cidr=c)
        for i, c in enumerate(("0.0.0.0/1", "128.0.0.0/1"))
    ]
    (message,) = reported(pack, "no-world-ingress", args(f, form, {}, fx.plus(f.graph, *halves)))
    assert "security group web-task-sg admits the whole IPv4 space" in message
    assert "on tcp/8080, used by ECS service web-service: only a load balancer's listener ports" in message
