"""Load balancer names Pulumi makes up: `<logical name>-` and 7 random hex characters (its default
autonaming pattern `${name}-${hex(7)}`). AWS refuses a load balancer name beginning `internal-`
(CreateLoadBalancer), so a component called `internal` gets an ALB AWS won't create: refused by the
component's argument check, and by the verdict for any program."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_aws import lb

from fargatelb import (
    ApplicationLoadBalancer,
    ApplicationLoadBalancerArgs,
    InvalidArgument,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    LoadBalancerRef,
    RoutingArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.mocks import synthesize
from fargatelb.verify import Severity, check
from synth_helpers import ECR, LITERAL_WIRING

IMAGE = f"{ECR}/web:1"
SHARED = LoadBalancerRef("listener-arn", "sg-0alb", "app/edge/0", "http://edge")


@pytest.mark.parametrize(
    ("build", "owner"),
    [
        (
            lambda n: LoadBalancedFargateService(n, LoadBalancedFargateServiceArgs(**LITERAL_WIRING, image=IMAGE)),
            "Load",
        ),
        (lambda n: UdpNlbService(n, UdpNlbServiceArgs(**LITERAL_WIRING, image=IMAGE, health_check_image=IMAGE)), "Udp"),
        (lambda n: ApplicationLoadBalancer(n, ApplicationLoadBalancerArgs(**LITERAL_WIRING)), "Application"),
    ],
)
@pytest.mark.parametrize("name", ["internal", "internal-api"])
def test_a_component_whose_load_balancer_would_begin_internal_is_refused(build: Any, owner: str, name: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        synthesize(lambda: build(name))
    assert raised.value.field == "name" and raised.value.owner.startswith(owner)
    assert f"can't be {name!r}" in raised.value.problem and "beginning 'internal-'" in raised.value.problem


def test_the_shared_alb_checks_its_name_length_as_the_services_do() -> None:
    with pytest.raises(InvalidArgument, match=r"ApplicationLoadBalancerArgs\.name: must be 1–20"):
        synthesize(lambda: ApplicationLoadBalancer("a" * 21, ApplicationLoadBalancerArgs(**LITERAL_WIRING)))


def test_a_service_on_a_shared_alb_may_be_called_internal() -> None:
    """It creates no load balancer, and a target group's name may begin `internal-`."""
    args = LoadBalancedFargateServiceArgs(
        **LITERAL_WIRING, image=IMAGE, load_balancer=SHARED, routing=RoutingArgs(paths=["/internal/*"], priority=5)
    )
    recording = synthesize(lambda: LoadBalancedFargateService("internal", args))
    assert [r.name for r in recording.of_type("aws:lb/targetGroup:TargetGroup")] == ["internal-tg"]
    assert [f for f in check(recording.graph()).errors if f.hop in ("lb-name", "tg-name")] == []


def test_the_verdict_refuses_an_auto_named_load_balancer_beginning_internal() -> None:
    """A hand-built program the components' check never sees."""

    def program() -> None:
        lb.LoadBalancer("internal-alb", load_balancer_type="application", subnets=["subnet-1", "subnet-2"])

    findings = [f for f in check(synthesize(program).graph()).findings if f.hop == "lb-name"]
    (finding,) = findings
    assert finding.severity is Severity.ERROR and finding.property == "name"
    assert "auto-names it 'internal-alb-xxxxxxx', which AWS refuses" in finding.message


def test_an_explicit_name_is_still_judged_and_other_auto_names_pass() -> None:
    def program() -> None:
        lb.LoadBalancer("edge-alb", load_balancer_type="application", subnets=["subnet-1", "subnet-2"])
        lb.LoadBalancer("named", name="internal-edge", load_balancer_type="application", subnets=["subnet-1"])

    found = {f.source.name: f.message for f in check(synthesize(program).graph()).findings if f.hop == "lb-name"}
    assert set(found) == {"named"} and "can't begin with 'internal-'" in found["named"]
