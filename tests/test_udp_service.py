"""UdpNlbService under recording mocks: every assertion reads recorded resource inputs.

Stacks many tests read are synthesized once per module (a PrivateNetwork plus the service); the
one-offs go through conftest's `with_network`, and argument errors through `synth` with literal ids.
"""

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargatelb import (
    ContainerArgs,
    HealthCheckArgs,
    InvalidArgument,
    PrivateNetwork,
    ScalingArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.mocks import Recording, Registration, synthesize
from synth_helpers import ECR, LITERAL_WIRING, on_network

IMAGE = f"{ECR}/udp:1"
SIDECAR_IMAGE = f"{ECR}/healthcheck:1"
OWNER = "UdpNlbServiceArgs"

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
NLB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
SUBNET = "aws:ec2/subnet:Subnet"


def udp(**fields: Any) -> Callable[[dict[str, Any], PrivateNetwork], UdpNlbService]:
    """A `with_network` builder: the UDP service, internal and admitting the VPC unless told otherwise."""

    def build(wiring: dict[str, Any], net: PrivateNetwork) -> UdpNlbService:
        args = {"image": IMAGE, "health_check_image": SIDECAR_IMAGE, **fields}
        return UdpNlbService("udp", UdpNlbServiceArgs(**wiring, **args))

    return build


# --- reading a recording -------------------------------------------------------------------------


def containers(rec: Recording) -> dict[str, dict[str, Any]]:
    definitions = json.loads(rec.one(TASK_DEFINITION, "udp-task").inputs["containerDefinitions"])
    return {c["name"]: c for c in definitions}


def environment(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["environment"]}


def security_group(rec: Recording, sg_id: str, user: str) -> Registration:
    found = [r for r in rec.of_type(SG) if r.id == sg_id]
    assert len(found) == 1, f"{user} uses {sg_id}, which is no recorded security group"
    return found[0]


def nlb_sg(rec: Recording) -> Registration:
    """The NLB's one security group, found through the NLB rather than by name."""
    (sg_id,) = rec.one(NLB, "udp-nlb").inputs["securityGroups"]
    return security_group(rec, sg_id, "udp-nlb")


def task_sg(rec: Recording) -> Registration:
    """The tasks' one security group, found through the service rather than by name."""
    (sg_id,) = rec.one(SERVICE, "udp-service").inputs["networkConfiguration"]["securityGroups"]
    return security_group(rec, sg_id, "udp-service")


def rules(rec: Recording, token: str, *, on: Registration) -> list[Registration]:
    return [r for r in rec.of_type(token) if r.inputs["securityGroupId"] == on.id]


def hop(rule: Registration) -> tuple[str, int, int, str | None]:
    i = rule.inputs
    return i["ipProtocol"], int(i["fromPort"]), int(i["toPort"]), i.get("referencedSecurityGroupId")


def sidecar_mapping(rec: Recording) -> dict[str, Any]:
    """The port mapping of the one container that isn't the one the service's load balancer names."""
    (balancer,) = rec.one(SERVICE, "udp-service").inputs["loadBalancers"]
    (sidecar,) = [c for name, c in containers(rec).items() if name != balancer["containerName"]]
    (mapping,) = sidecar["portMappings"]
    return mapping


def assert_both_hops_admit_exactly_the_two_ports(rec: Recording, udp_port: int, health_port: int) -> None:
    nlb, task = nlb_sg(rec), task_sg(rec)
    inbound = {("udp", udp_port, udp_port, nlb.id), ("tcp", health_port, health_port, nlb.id)}
    outbound = {("udp", udp_port, udp_port, task.id), ("tcp", health_port, health_port, task.id)}
    task_in = [hop(r) for r in rules(rec, INGRESS, on=task)]
    nlb_out = [hop(r) for r in rules(rec, EGRESS, on=nlb)]
    assert sorted(task_in) == sorted(inbound), (
        f"{task.name} ingress must be exactly the UDP and health ports from the NLB"
    )
    assert sorted(nlb_out) == sorted(outbound), (
        f"{nlb.name} egress must be exactly the UDP and health ports to the tasks"
    )


# --- shared stacks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_udp() -> Recording:
    return on_network(udp())


PORT_CASES = [
    pytest.param(({}, 1234, 8080), id="defaults-1234-8080"),
    pytest.param(({"udp_port": 5353, "health_check": HealthCheckArgs(port=9090)}, 5353, 9090), id="5353-9090"),
]


@pytest.fixture(scope="module", params=PORT_CASES)
def ported(request: pytest.FixtureRequest) -> tuple[Recording, int, int]:
    fields, udp_port, health_port = request.param
    rec = request.getfixturevalue("default_udp") if not fields else on_network(udp(**fields))
    return rec, udp_port, health_port


# --- the UDP path --------------------------------------------------------------------------------


def test_udp_listener_target_group_and_port_mapping_agree(ported: tuple[Recording, int, int]) -> None:
    # Given the UDP service with default or chosen ports
    rec, udp_port, _ = ported
    # When we read the listener, target group, service and task definition
    listener = rec.one(LISTENER, "udp-udp").inputs
    tg = rec.one(TARGET_GROUP, "udp-tg")
    (balancer,) = rec.one(SERVICE, "udp-service").inputs["loadBalancers"]
    (mapping,) = containers(rec)["udp"]["portMappings"]
    # Then UDP on the one port runs from the listener to the container
    assert (listener["protocol"], int(listener["port"])) == ("UDP", udp_port), "udp-udp listener"
    assert listener["loadBalancerArn"] == rec.one(NLB, "udp-nlb").id, "udp-udp listener's load balancer"
    assert [a["targetGroupArn"] for a in listener["defaultActions"] if a["type"] == "forward"] == [tg.id], (
        "udp-udp listener must forward to udp-tg"
    )
    assert (tg.inputs["protocol"], int(tg.inputs["port"]), tg.inputs["targetType"]) == (
        "UDP",
        udp_port,
        "ip",
    ), "udp-tg protocol, port, targetType"
    assert balancer["targetGroupArn"] == tg.id, "udp-service loadBalancers target group"
    assert (balancer["containerName"], int(balancer["containerPort"])) == ("udp", udp_port), (
        "udp-service loadBalancers must name the udp container and port"
    )
    assert (mapping["containerPort"], mapping["hostPort"], mapping["protocol"]) == (
        udp_port,
        udp_port,
        "udp",
    ), "udp-task udp container port mapping"


def test_udp_target_group_health_checks_the_sidecar_port(ported: tuple[Recording, int, int]) -> None:
    rec, _, health_port = ported
    check = rec.one(TARGET_GROUP, "udp-tg").inputs["healthCheck"]
    mapping = sidecar_mapping(rec)
    assert mapping["protocol"] == "tcp", "the health-check sidecar must map its port over TCP"
    assert check["protocol"] in ("HTTP", "TCP"), f"udp-tg health check protocol {check['protocol']} isn't TCP-based"
    assert check["port"] == str(mapping["containerPort"]), "udp-tg health check must probe the sidecar's mapped port"
    assert mapping["containerPort"] == health_port, "the sidecar maps the configured health-check port"
    assert check["path"] == "/healthz", "udp-tg HTTP health check path"


def test_sidecar_probes_the_udp_container_on_localhost_after_it_starts(
    ported: tuple[Recording, int, int],
) -> None:
    rec, udp_port, _ = ported
    by_name = containers(rec)
    (udp_mapping,) = by_name["udp"]["portMappings"]
    (sidecar,) = [c for name, c in by_name.items() if name != "udp"]
    env = environment(sidecar)
    assert env["UDP_TARGET_HOST"] in ("127.0.0.1", "localhost"), "the sidecar must probe its own task"
    assert int(env["UDP_TARGET_PORT"]) == udp_mapping["containerPort"], "the sidecar must probe the mapped UDP port"
    assert int(env["HEALTH_PORT"]) == sidecar_mapping(rec)["containerPort"], "the sidecar serves its mapped port"
    assert env["HEALTH_MODE"] == "http", "default health mode"
    assert sidecar["dependsOn"] == [{"containerName": "udp", "condition": "START"}], "sidecar dependsOn"
    assert all(c["essential"] is True for c in by_name.values()), "both containers must be essential"
    assert int(environment(by_name["udp"])["UDP_PORT"]) == udp_port, "the udp container is told its port"


def test_both_security_group_hops_admit_exactly_the_udp_and_health_ports(
    ported: tuple[Recording, int, int],
) -> None:
    rec, udp_port, health_port = ported
    assert_both_hops_admit_exactly_the_two_ports(rec, udp_port, health_port)


def test_nlb_sg_admits_clients_only_on_the_udp_port(ported: tuple[Recording, int, int]) -> None:
    rec, udp_port, _ = ported
    vpc_cidr = rec.one("aws:ec2/vpc:Vpc", "net-vpc").inputs["cidrBlock"]
    clients = [(hop(r)[:3], r.inputs.get("cidrIpv4")) for r in rules(rec, INGRESS, on=nlb_sg(rec))]
    assert clients == [(("udp", udp_port, udp_port), vpc_cidr)], "udp-nlb-sg ingress: UDP from the VPC by default"


# --- the NLB -------------------------------------------------------------------------------------


def test_nlb_is_created_internal_with_exactly_one_security_group(default_udp: Recording) -> None:
    nlb = default_udp.one(NLB, "udp-nlb").inputs
    private = {default_udp.one(SUBNET, f"net-private-{i}").id for i in range(2)}
    assert nlb["loadBalancerType"] == "network", "udp-nlb type"
    assert nlb["securityGroups"] == [default_udp.one(SG, "udp-nlb-sg").id], "udp-nlb must be created with its SG"
    assert nlb["internal"] is True and set(nlb["subnets"]) == private, "udp-nlb is internal in private subnets"


def test_an_internet_facing_nlb_sits_in_public_subnets_and_admits_only_the_allowed_cidrs(
    with_network,
) -> None:
    rec = with_network(udp(internal=False, allowed_cidrs=["203.0.113.0/24", "198.51.100.0/24"]))
    nlb = rec.one(NLB, "udp-nlb").inputs
    public = {rec.one(SUBNET, f"net-public-{i}").id for i in range(2)}
    assert nlb["internal"] is False and set(nlb["subnets"]) == public, "udp-nlb is internet-facing in public subnets"
    clients = sorted(r.inputs.get("cidrIpv4") for r in rules(rec, INGRESS, on=nlb_sg(rec)))
    assert clients == ["198.51.100.0/24", "203.0.113.0/24"], "udp-nlb-sg ingress: only the allowed CIDRs"
    assert_both_hops_admit_exactly_the_two_ports(rec, 1234, 8080)


def test_no_ingress_rule_admits_the_internet(default_udp: Recording) -> None:
    for r in default_udp.of_type(INGRESS):
        assert r.inputs.get("cidrIpv4") != "0.0.0.0/0" and r.inputs.get("cidrIpv6") != "::/0", f"{r.name} is open"


def test_tcp_health_check_mode_probes_the_port_without_http(with_network) -> None:
    rec = with_network(udp(health_check=HealthCheckArgs(protocol="TCP")))
    check = rec.one(TARGET_GROUP, "udp-tg").inputs["healthCheck"]
    assert check["protocol"] == "TCP", "udp-tg health check protocol"
    assert "path" not in check and "matcher" not in check, f"udp-tg TCP health check carries HTTP settings: {check}"
    assert check["port"] == str(sidecar_mapping(rec)["containerPort"]), "udp-tg probes the sidecar's port"
    (sidecar,) = [c for name, c in containers(rec).items() if name != "udp"]
    assert environment(sidecar)["HEALTH_MODE"] == "tcp", "the sidecar must answer plain TCP"


def test_endpoint_sg_admits_https_from_the_task_sg(default_udp: Recording) -> None:
    endpoints = default_udp.one(SG, "net-endpoints-sg")
    granted = [hop(r) for r in rules(default_udp, INGRESS, on=endpoints)]
    assert ("tcp", 443, 443, task_sg(default_udp).id) in granted, "net-endpoints-sg must admit HTTPS from the tasks"
    network = default_udp.one(SERVICE, "udp-service").inputs["networkConfiguration"]
    assert network["assignPublicIp"] is False, "udp-service assignPublicIp"


# --- deploys and scaling -------------------------------------------------------------------------


def test_service_ignores_desired_count_waits_for_the_listener_and_rolls_back(default_udp: Recording) -> None:
    service = default_udp.one(SERVICE, "udp-service")
    assert "desiredCount" in service.ignore_changes, "udp-service must leave desiredCount to autoscaling"
    assert default_udp.one(LISTENER, "udp-udp").urn in service.dependencies, "udp-service must wait for udp-udp"
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}, "udp-service breaker"
    assert int(service.inputs["healthCheckGracePeriodSeconds"]) == 60, "udp-service grace period"
    assert int(default_udp.one(TARGET_GROUP, "udp-tg").inputs["deregistrationDelay"]) == 30, "udp-tg drain"


@pytest.fixture(scope="module")
def scaled_udp() -> Recording:
    scaling = ScalingArgs(min_count=2, max_count=5, cpu_target=40, scale_in_cooldown=600, scale_out_cooldown=90)
    return on_network(udp(scaling=scaling))


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        pytest.param("default_udp", (1, 3, 50, 300, 60), id="defaults"),
        pytest.param("scaled_udp", (2, 5, 40, 600, 90), id="2-5-at-40pct"),
    ],
)
def test_udp_scaling_carries_exactly_the_configured_values(
    stack: str, expected: tuple[int, ...], request: pytest.FixtureRequest
) -> None:
    min_count, max_count, cpu_target, scale_in, scale_out = expected
    rec: Recording = request.getfixturevalue(stack)
    target = rec.one(SCALING_TARGET, "udp-scaling").inputs
    (policy,) = rec.of_type(SCALING_POLICY)
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert (target["serviceNamespace"], target["scalableDimension"]) == ("ecs", "ecs:service:DesiredCount"), (
        "udp-scaling dimension"
    )
    assert (int(target["minCapacity"]), int(target["maxCapacity"])) == (min_count, max_count), "udp-scaling capacity"
    assert "roleArn" not in target, "udp-scaling must use the service-linked role"
    assert policy.inputs["policyType"] == "TargetTrackingScaling", f"{policy.name} policyType"
    assert config["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization", (
        f"{policy.name} metric"
    )
    got = (int(config["targetValue"]), int(config["scaleInCooldown"]), int(config["scaleOutCooldown"]))
    assert got == (cpu_target, scale_in, scale_out), f"{policy.name} target and cooldowns"
    assert policy.inputs["resourceId"] == target["resourceId"], f"{policy.name} must scale udp-scaling's service"


# --- the CDK trap can't be built -----------------------------------------------------------------

ports = st.integers(1, 65535)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    udp_port=ports,
    health_port=ports,
    protocol=st.sampled_from(["HTTP", "TCP"]),
    internal=st.booleans(),
)
def test_any_valid_arguments_give_a_task_sg_that_admits_both_ports_from_the_nlb(
    udp_port: int, health_port: int, protocol: str, internal: bool
) -> None:
    # Given any arguments the component accepts
    args = UdpNlbServiceArgs(
        **LITERAL_WIRING,
        image=IMAGE,
        health_check_image=SIDECAR_IMAGE,
        udp_port=udp_port,
        health_check=HealthCheckArgs(port=health_port, protocol=protocol),
        internal=internal,
        allowed_cidrs=None if internal else ["203.0.113.0/24"],
    )
    try:
        rec = synthesize(lambda: UdpNlbService("udp", args))
    except InvalidArgument:
        assert udp_port == health_port, f"valid ports {udp_port}/{health_port} were refused"
        return
    # Then the tasks admit traffic and health checks from the NLB, and the NLB may send both
    assert_both_hops_admit_exactly_the_two_ports(rec, udp_port, health_port)
    mapping = sidecar_mapping(rec)
    assert (mapping["containerPort"], mapping["protocol"]) == (health_port, "tcp"), "sidecar mapping"
    assert rec.one(TARGET_GROUP, "udp-tg").inputs["healthCheck"]["port"] == str(health_port), "udp-tg health port"


# --- bad arguments -------------------------------------------------------------------------------

BAD_ARGS = [
    pytest.param({"image": ""}, "image", "must be an image URI", id="empty-image"),
    pytest.param({"health_check_image": " "}, "health_check_image", "must be an image URI", id="blank-sidecar-image"),
    pytest.param(
        {"container": ContainerArgs(ports=[9000])}, "container.ports", "isn't used by UdpNlbService", id="udp-ports"
    ),
    pytest.param(
        {"sidecar": ContainerArgs(ports=[9000])}, "sidecar.ports", "the sidecar serves health_check.port", id="sc-ports"
    ),
    pytest.param(
        {"secrets": {"KEY": "arn:aws:secretsmanager:eu-west-1:123456789012:key:x"}},
        "secrets.KEY",
        "must be the ARN of a secret",
        id="secret-not-a-secret-arn",
    ),
    pytest.param(
        {"udp_port": 5000, "health_check": HealthCheckArgs(port=5000)},
        "health_check.port",
        r"\(5000\) must differ from udp_port",
        id="health-port-is-udp-port",
    ),
    pytest.param(
        {"internal": False},
        "allowed_cidrs",
        "is required when internal is false",
        id="internet-facing-without-cidrs",
    ),
    pytest.param(
        {"network": dataclasses.replace(LITERAL_WIRING["network"], vpc_cidr=None)},
        "allowed_cidrs",
        "or network.vpc_cidr is required",
        id="internal-without-vpc-cidr-or-cidrs",
    ),
    pytest.param({"udp_port": 0}, "udp_port", "must be from 1 to 65535, got 0", id="udp-port-0"),
    pytest.param({"udp_port": 70000}, "udp_port", "must be from 1 to 65535, got 70000", id="udp-port-70000"),
    pytest.param(
        {"health_check": HealthCheckArgs(port=0)},
        "health_check.port",
        "must be from 1 to 65535",
        id="health-port-0",
    ),
    pytest.param(
        {"health_check": HealthCheckArgs(port=70000)},
        "health_check.port",
        "must be from 1 to 65535",
        id="health-port-70000",
    ),
    pytest.param(
        {"health_check": HealthCheckArgs(protocol="UDP")},
        "health_check.protocol",
        "must be one of HTTP, TCP, got 'UDP'",
        id="udp-health-check",
    ),
    pytest.param({"allowed_cidrs": ["not-a-cidr"]}, "allowed_cidrs[0]", "must be a CIDR block", id="bad-cidr"),
    pytest.param(
        {"scaling": ScalingArgs(min_count=5, max_count=3)},
        "scaling.min_count",
        "must not exceed",
        id="min>max",
    ),
]


@pytest.mark.parametrize(("fields", "field", "problem"), BAD_ARGS)
def test_bad_arguments_fail_naming_the_argument(synth, fields: dict[str, Any], field: str, problem: str) -> None:
    args = {**LITERAL_WIRING, "image": IMAGE, "health_check_image": SIDECAR_IMAGE, **fields}
    with pytest.raises(InvalidArgument, match=rf"^{OWNER}\.{re.escape(field)}: .*{problem}"):
        synth(lambda: UdpNlbService("udp", UdpNlbServiceArgs(**args)))
