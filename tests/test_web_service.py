"""LoadBalancedFargateService under recording mocks: every assertion reads recorded resource inputs.

Stacks many tests read are synthesized once per module (a PrivateNetwork plus the service); the
one-offs go through conftest's `with_network`, and argument errors through `synth` with literal ids.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargatelb import (
    ContainerArgs,
    DomainArgs,
    HealthCheckArgs,
    InvalidArgument,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    PrivateNetwork,
    ScalingArgs,
)
from fargatelb.mocks import Recording, Registration, synthesize
from synth_helpers import LITERAL_WIRING, on_network

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"
CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
OWNER = "LoadBalancedFargateServiceArgs"

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def web(**fields: Any) -> Callable[[dict[str, Any], PrivateNetwork], LoadBalancedFargateService]:
    """A `with_network` builder: the web service with these Args fields on top of the defaults."""

    def build(wiring: dict[str, Any], net: PrivateNetwork) -> LoadBalancedFargateService:
        return LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**wiring, image=IMAGE, **fields))

    return build


# --- reading a recording -------------------------------------------------------------------------


def containers(rec: Recording) -> dict[str, dict[str, Any]]:
    definitions = json.loads(rec.one(TASK_DEFINITION, "web-task").inputs["containerDefinitions"])
    return {c["name"]: c for c in definitions}


def alb_sg(rec: Recording) -> Registration:
    return rec.one(SG, "web-alb-sg")


def task_sg(rec: Recording) -> Registration:
    return rec.one(SG, "web-task-sg")


def rules(rec: Recording, token: str, *, on: Registration, peer: Registration | None = None) -> list[Registration]:
    """The rules of type `token` on security group `on` (referencing `peer`, when given)."""
    return [
        r
        for r in rec.of_type(token)
        if r.inputs["securityGroupId"] == on.id
        and (peer is None or r.inputs.get("referencedSecurityGroupId") == peer.id)
    ]


def hop(rule: Registration) -> tuple[str, int, int]:
    return rule.inputs["ipProtocol"], int(rule.inputs["fromPort"]), int(rule.inputs["toPort"])


def listener_targets(listener: Registration) -> list[str]:
    return [a["targetGroupArn"] for a in listener.inputs["defaultActions"] if a["type"] == "forward"]


# --- shared stacks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_web() -> Recording:
    return on_network(web())


@pytest.fixture(scope="module")
def https_web() -> Recording:
    """What prod asks for: HTTPS with a certificate, access logs, encrypted logs, deletion protection."""
    return on_network(
        web(certificate_arn=CERTIFICATE_ARN, access_logs=True, encrypt_logs=True, deletion_protection=True)
    )


STACKS = [pytest.param("default_web", id="defaults"), pytest.param("https_web", id="prod-like")]

PORT_CASES = [
    pytest.param(({}, 80, 80), id="default-port-80"),
    pytest.param(({"container_port": 8080, "listener_port": 8000}, 8080, 8000), id="container-8080-listener-8000"),
]


@pytest.fixture(scope="module", params=PORT_CASES)
def ported(request: pytest.FixtureRequest) -> tuple[Recording, int, int]:
    fields, container_port, listener_port = request.param
    rec = request.getfixturevalue("default_web") if not fields else on_network(web(**fields))
    return rec, container_port, listener_port


# --- one port, eight places ----------------------------------------------------------------------


def health_check_port(target_group: Registration) -> int:
    port = target_group.inputs["healthCheck"]["port"]
    return int(target_group.inputs["port"]) if port == "traffic-port" else int(port)


def test_a_changed_container_port_moves_every_place_together(ported: tuple[Recording, int, int]) -> None:
    # Given the web service with a default or a chosen container port
    rec, container_port, _ = ported
    # When we read every place the container port must appear
    tg = rec.one(TARGET_GROUP, "web-tg")
    (balancer,) = rec.one(SERVICE, "web-service").inputs["loadBalancers"]
    (mapping,) = containers(rec)["app"]["portMappings"]
    (egress,) = rules(rec, EGRESS, on=alb_sg(rec), peer=task_sg(rec))
    (ingress,) = rules(rec, INGRESS, on=task_sg(rec), peer=alb_sg(rec))
    places = {
        "target group port": int(tg.inputs["port"]),
        "target group health check port": health_check_port(tg),
        "service loadBalancers containerPort": int(balancer["containerPort"]),
        "port mapping containerPort": mapping["containerPort"],
        "port mapping hostPort": mapping["hostPort"],
        "ALB SG egress fromPort": int(egress.inputs["fromPort"]),
        "ALB SG egress toPort": int(egress.inputs["toPort"]),
        "task SG ingress fromPort": int(ingress.inputs["fromPort"]),
        "task SG ingress toPort": int(ingress.inputs["toPort"]),
    }
    # Then they all hold the configured port
    assert set(places.values()) == {container_port}, f"container port differs between places: {places}"


def test_http_listener_forwards_to_the_target_group_on_the_listener_port(
    ported: tuple[Recording, int, int],
) -> None:
    rec, _, listener_port = ported
    listener = rec.one(LISTENER, "web-http")
    tg = rec.one(TARGET_GROUP, "web-tg")
    assert listener.inputs["protocol"] == "HTTP", "web-http listener protocol"
    assert int(listener.inputs["port"]) == listener_port, "web-http listener port"
    assert listener.inputs["loadBalancerArn"] == rec.one(ALB, "web-alb").id, "web-http listener's load balancer"
    assert listener_targets(listener) == [tg.id], "web-http listener must forward to web-tg"


def test_target_group_takes_http_to_task_ips_and_checks_the_traffic_port(
    ported: tuple[Recording, int, int],
) -> None:
    rec, _, _ = ported
    tg = rec.one(TARGET_GROUP, "web-tg").inputs
    assert tg["protocol"] == "HTTP", "web-tg protocol"
    assert tg["targetType"] == "ip", "web-tg targetType: awsvpc tasks register by IP"
    assert tg["healthCheck"]["port"] == "traffic-port", "web-tg health check port"
    assert tg["vpcId"] == rec.one("aws:ec2/vpc:Vpc", "net-vpc").id, "web-tg VPC"


def test_service_load_balancer_names_the_mapped_container(ported: tuple[Recording, int, int]) -> None:
    rec, _, _ = ported
    (balancer,) = rec.one(SERVICE, "web-service").inputs["loadBalancers"]
    assert balancer["targetGroupArn"] == rec.one(TARGET_GROUP, "web-tg").id, "web-service loadBalancers target group"
    assert balancer["containerName"] in containers(rec), "web-service loadBalancers names no container of web-task"
    (mapping,) = containers(rec)[balancer["containerName"]]["portMappings"]
    assert mapping["protocol"] == "tcp", "web-task port mapping protocol"
    assert mapping["containerPort"] == int(balancer["containerPort"]), "web-task maps the service's port"


def test_security_group_hops_carry_only_the_container_port(ported: tuple[Recording, int, int]) -> None:
    rec, container_port, _ = ported
    alb, task = alb_sg(rec), task_sg(rec)
    assert [hop(r) for r in rules(rec, EGRESS, on=alb)] == [("tcp", container_port, container_port)], (
        "web-alb-sg egress: only the container port, only to the tasks"
    )
    assert all(r.inputs.get("referencedSecurityGroupId") == task.id for r in rules(rec, EGRESS, on=alb)), (
        "web-alb-sg egress must reference web-task-sg"
    )
    assert [hop(r) for r in rules(rec, INGRESS, on=task)] == [("tcp", container_port, container_port)], (
        "web-task-sg ingress: only the container port"
    )
    assert all(r.inputs.get("referencedSecurityGroupId") == alb.id for r in rules(rec, INGRESS, on=task)), (
        "web-task-sg ingress must come from web-alb-sg"
    )


def test_alb_sg_admits_clients_only_on_the_listener_port(ported: tuple[Recording, int, int]) -> None:
    rec, _, listener_port = ported
    client_rules = rules(rec, INGRESS, on=alb_sg(rec))
    assert [(hop(r), r.inputs["cidrIpv4"]) for r in client_rules] == [
        (("tcp", listener_port, listener_port), "0.0.0.0/0")
    ], "web-alb-sg ingress: the listener port from the default clients"


def test_a_health_check_on_a_port_the_container_declares_adds_a_mapping_and_a_rule_pair(with_network) -> None:
    # Given a health check on another port the container says it serves
    rec = with_network(
        web(container_port=8080, container=ContainerArgs(ports=[9090]), health_check=HealthCheckArgs(port=9090))
    )
    # Then the target group probes that port, the container maps it and both SG hops admit it
    tg = rec.one(TARGET_GROUP, "web-tg").inputs
    assert tg["healthCheck"]["port"] == "9090", "web-tg health check port"
    assert int(tg["port"]) == 8080, "web-tg traffic port"
    mappings = {(m["containerPort"], m["protocol"]) for m in containers(rec)["app"]["portMappings"]}
    assert mappings == {(8080, "tcp"), (9090, "tcp")}, "web-task app port mappings"
    expected = {("tcp", 8080, 8080), ("tcp", 9090, 9090)}
    assert {hop(r) for r in rules(rec, EGRESS, on=alb_sg(rec), peer=task_sg(rec))} == expected, "web-alb-sg egress"
    assert {hop(r) for r in rules(rec, INGRESS, on=task_sg(rec), peer=alb_sg(rec))} == expected, "web-task-sg ingress"
    assert rules(rec, INGRESS, on=task_sg(rec)) == rules(rec, INGRESS, on=task_sg(rec), peer=alb_sg(rec)), (
        "web-task-sg admits nothing but the ALB"
    )


def test_a_health_check_port_the_container_does_not_serve_is_refused() -> None:
    # The app listens only on PORT: mapping 9090 for the check would prove a path nobody answers on.
    args = LoadBalancedFargateServiceArgs(
        **LITERAL_WIRING, image=IMAGE, container_port=8080, health_check=HealthCheckArgs(port=9090)
    )
    with pytest.raises(InvalidArgument, match=r"health_check\.port: \(9090\) is not a port the container serves: "
                       r"it listens on container_port \(8080\)\. .*list it in container\.ports"):  # fmt: skip
        synthesize(lambda: LoadBalancedFargateService("web", args))


def test_a_declared_port_is_mapped_but_only_the_probed_ports_are_open_to_the_alb(with_network) -> None:
    rec = with_network(web(container_port=8080, container=ContainerArgs(ports=[9000])))
    mappings = {m["containerPort"] for m in containers(rec)["app"]["portMappings"]}
    assert mappings == {8080, 9000}, "web-task app port mappings"
    assert {hop(r) for r in rules(rec, INGRESS, on=task_sg(rec), peer=alb_sg(rec))} == {("tcp", 8080, 8080)}


@settings(max_examples=5, deadline=None, derandomize=True)
@given(
    container_port=st.integers(1, 65535),
    health_port=st.one_of(st.none(), st.integers(1, 65535)),
)
def test_tasks_admit_from_the_alb_every_port_the_container_maps(container_port: int, health_port: int | None) -> None:
    # Given any valid container port, and a health-check port the container declares it serves
    declared = [health_port] if health_port is not None and health_port != container_port else None
    rec = synthesize(
        lambda: LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                **LITERAL_WIRING,
                image=IMAGE,
                container_port=container_port,
                container=ContainerArgs(ports=declared),
                health_check=HealthCheckArgs(port=health_port),
            ),
        )
    )
    # Then the task SG admits from the ALB SG exactly the ports the container maps, and the ALB may send there
    mapped = {("tcp", m["containerPort"], m["containerPort"]) for m in containers(rec)["app"]["portMappings"]}
    assert (
        "tcp",
        health_check_port(rec.one(TARGET_GROUP, "web-tg")),
        health_check_port(rec.one(TARGET_GROUP, "web-tg")),
    ) in mapped, "web-tg probes a port the app container doesn't map"
    assert {hop(r) for r in rules(rec, INGRESS, on=task_sg(rec), peer=alb_sg(rec))} == mapped, "web-task-sg ingress"
    assert {hop(r) for r in rules(rec, EGRESS, on=alb_sg(rec), peer=task_sg(rec))} == mapped, "web-alb-sg egress"


# --- security groups -----------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_no_ingress_rule_admits_the_internet_except_alb_listener_ports(
    stack: str, request: pytest.FixtureRequest
) -> None:
    rec: Recording = request.getfixturevalue(stack)
    listener_ports = {int(r.inputs["port"]) for r in rec.of_type(LISTENER)}
    open_rules = [
        r for r in rec.of_type(INGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0" or r.inputs.get("cidrIpv6") == "::/0"
    ]
    assert open_rules, "expected the ALB's client rules to be recorded"
    for rule in open_rules:
        assert rule.inputs["securityGroupId"] == alb_sg(rec).id, f"{rule.name} opens a non-ALB group to the internet"
        assert rule.inputs["fromPort"] == rule.inputs["toPort"], f"{rule.name} opens a port range"
        assert int(rule.inputs["fromPort"]) in listener_ports, f"{rule.name} opens a port no listener uses"


def test_endpoint_sg_admits_https_from_the_task_sg(default_web: Recording) -> None:
    endpoints = default_web.one(SG, "net-endpoints-sg")
    granted = rules(default_web, INGRESS, on=endpoints, peer=task_sg(default_web))
    assert [hop(r) for r in granted] == [("tcp", 443, 443)], "net-endpoints-sg must admit HTTPS from web-task-sg"


def test_tasks_run_in_private_subnets_with_no_public_ip(default_web: Recording) -> None:
    network = default_web.one(SERVICE, "web-service").inputs["networkConfiguration"]
    private = {default_web.one("aws:ec2/subnet:Subnet", f"net-private-{i}").id for i in range(2)}
    assert network["assignPublicIp"] is False, "web-service assignPublicIp"
    assert set(network["subnets"]) == private, "web-service subnets must be the private ones"
    assert network["securityGroups"] == [task_sg(default_web).id], "web-service security groups"


@pytest.mark.parametrize("stack", STACKS)
def test_every_security_group_and_rule_has_a_description(stack: str, request: pytest.FixtureRequest) -> None:
    rec: Recording = request.getfixturevalue(stack)
    for r in [*rec.of_type(SG), *rec.of_type(INGRESS), *rec.of_type(EGRESS)]:
        assert str(r.inputs.get("description") or "").strip(), f"{r.type} {r.name} has no description"


# --- scaling -------------------------------------------------------------------------------------

CPU_METRIC = "ECSServiceAverageCPUUtilization"
MEMORY_METRIC = "ECSServiceAverageMemoryUtilization"
SCALING_CASES = [
    # (ScalingArgs, (min, max, cpu target, scale-in cooldown, scale-out cooldown, memory target))
    pytest.param((None, (1, 3, 50, 300, 60, None)), id="defaults"),
    pytest.param(
        (
            ScalingArgs(
                min_count=2,
                max_count=7,
                cpu_target=65,
                scale_in_cooldown=120,
                scale_out_cooldown=30,
                memory_target=75,
            ),
            (2, 7, 65, 120, 30, 75),
        ),
        id="2-7-at-65pct-cpu-75pct-memory",
    ),
]


@pytest.fixture(scope="module", params=SCALING_CASES)
def scaled(request: pytest.FixtureRequest) -> tuple[Recording, tuple[Any, ...]]:
    scaling, expected = request.param
    rec = request.getfixturevalue("default_web") if scaling is None else on_network(web(scaling=scaling))
    return rec, expected


def policies_by_metric(rec: Recording) -> dict[str, Registration]:
    by_metric: dict[str, Registration] = {}
    for policy in rec.of_type(SCALING_POLICY):
        config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        metric = config["predefinedMetricSpecification"]["predefinedMetricType"]
        assert metric not in by_metric, f"{policy.name} duplicates the {metric} policy"
        by_metric[metric] = policy
    return by_metric


def test_scaling_target_carries_exactly_the_configured_capacity_and_no_role(
    scaled: tuple[Recording, tuple[Any, ...]],
) -> None:
    rec, (min_count, max_count, *_) = scaled
    target = rec.one(SCALING_TARGET, "web-scaling").inputs
    service = rec.one(SERVICE, "web-service")
    cluster = rec.one("aws:ecs/cluster:Cluster", "web-cluster")
    assert target["serviceNamespace"] == "ecs", "web-scaling serviceNamespace"
    assert target["scalableDimension"] == "ecs:service:DesiredCount", "web-scaling scalableDimension"
    assert (int(target["minCapacity"]), int(target["maxCapacity"])) == (min_count, max_count), "web-scaling capacity"
    assert target["resourceId"] == f"service/{cluster.outputs['name']}/{service.outputs['name']}", (
        "web-scaling must scale web-service in web-cluster"
    )
    assert "roleArn" not in target, "web-scaling must use the service-linked role, not a roleArn"
    assert int(service.inputs["desiredCount"]) == min_count, "web-service starts at the minimum"


def test_cpu_policy_tracks_exactly_the_configured_target_and_cooldowns(
    scaled: tuple[Recording, tuple[Any, ...]],
) -> None:
    rec, (_, _, cpu_target, scale_in, scale_out, _) = scaled
    policy = policies_by_metric(rec)[CPU_METRIC]
    target = rec.one(SCALING_TARGET, "web-scaling").inputs
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert policy.inputs["policyType"] == "TargetTrackingScaling", f"{policy.name} policyType"
    assert int(config["targetValue"]) == cpu_target, f"{policy.name} targetValue"
    assert int(config["scaleInCooldown"]) == scale_in, f"{policy.name} scaleInCooldown"
    assert int(config["scaleOutCooldown"]) == scale_out, f"{policy.name} scaleOutCooldown"
    for key in ("resourceId", "scalableDimension", "serviceNamespace"):
        assert policy.inputs[key] == target[key], f"{policy.name} {key} must be web-scaling's"


def test_memory_policy_is_added_only_when_a_memory_target_is_set(
    scaled: tuple[Recording, tuple[Any, ...]],
) -> None:
    rec, (*_, memory_target) = scaled
    policies = policies_by_metric(rec)
    if memory_target is None:
        assert set(policies) == {CPU_METRIC}, "without memory_target web-scaling tracks CPU only"
        return
    assert set(policies) == {CPU_METRIC, MEMORY_METRIC}, "with memory_target web-scaling tracks CPU and memory"
    memory = policies[MEMORY_METRIC]
    config = memory.inputs["targetTrackingScalingPolicyConfiguration"]
    assert memory.inputs["policyType"] == "TargetTrackingScaling", f"{memory.name} policyType"
    assert int(config["targetValue"]) == memory_target, f"{memory.name} targetValue"


# --- safe deploys --------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_service_ignores_desired_count_and_waits_for_every_listener(stack: str, request: pytest.FixtureRequest) -> None:
    rec: Recording = request.getfixturevalue(stack)
    service = rec.one(SERVICE, "web-service")
    assert "desiredCount" in service.ignore_changes, "web-service must leave desiredCount to autoscaling"
    listeners = rec.of_type(LISTENER)
    assert listeners, "expected listeners"
    for listener in listeners:
        assert listener.urn in service.dependencies, f"web-service must wait for {listener.name}"


def test_service_rolls_back_failed_deploys_after_a_60_second_grace(default_web: Recording) -> None:
    service = default_web.one(SERVICE, "web-service").inputs
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}, "web-service circuit breaker"
    assert int(service["healthCheckGracePeriodSeconds"]) == 60, "web-service grace period"


def test_target_group_drains_in_30_seconds_and_marks_tasks_healthy_within_30(default_web: Recording) -> None:
    tg = default_web.one(TARGET_GROUP, "web-tg").inputs
    check = tg["healthCheck"]
    assert int(tg["deregistrationDelay"]) == 30, "web-tg deregistrationDelay"
    assert int(check["healthyThreshold"]) * int(check["interval"]) <= 30, f"web-tg turns healthy too slowly: {check}"
    assert int(check["timeout"]) < int(check["interval"]), "web-tg health check timeout"


# --- HTTPS ---------------------------------------------------------------------------------------


def test_a_certificate_adds_a_tls13_https_listener_forwarding_to_the_target_group(
    https_web: Recording,
) -> None:
    https = https_web.one(LISTENER, "web-https").inputs
    assert https["protocol"] == "HTTPS" and int(https["port"]) == 443, "web-https protocol and port"
    assert "TLS13" in https["sslPolicy"], f"web-https sslPolicy {https['sslPolicy']} lacks TLS 1.3"
    assert https["certificateArn"] == CERTIFICATE_ARN, "web-https certificate"
    target_group = https_web.one(TARGET_GROUP, "web-tg")
    assert listener_targets(https_web.one(LISTENER, "web-https")) == [target_group.id], "web-https forwards to web-tg"


def test_a_certificate_turns_the_http_listener_into_a_301_to_https(https_web: Recording) -> None:
    http = https_web.one(LISTENER, "web-http").inputs
    https = https_web.one(LISTENER, "web-https").inputs
    (action,) = http["defaultActions"]
    assert action["type"] == "redirect", "web-http must redirect when HTTPS is on"
    redirect = action["redirect"]
    assert redirect["statusCode"] == "HTTP_301", "web-http redirect status"
    assert redirect["protocol"] == "HTTPS", "web-http redirect protocol"
    assert int(redirect["port"]) == int(https["port"]), "web-http must redirect to web-https's port"
    client_ports = {int(r.inputs["fromPort"]) for r in rules(https_web, INGRESS, on=alb_sg(https_web))}
    assert client_ports == {int(http["port"]), int(https["port"])}, "web-alb-sg admits clients on both listeners"


def test_without_a_certificate_one_http_listener_forwards(default_web: Recording) -> None:
    (listener,) = default_web.of_type(LISTENER)
    assert listener.inputs["protocol"] == "HTTP", f"{listener.name} protocol"
    assert [a["type"] for a in listener.inputs["defaultActions"]] == ["forward"], f"{listener.name} must not redirect"
    assert listener_targets(listener) == [default_web.one(TARGET_GROUP, "web-tg").id], f"{listener.name} target"


def test_self_signed_certificate_is_generated_and_imported_for_the_https_listener(with_network) -> None:
    rec = with_network(web(self_signed_certificate=True))
    key = rec.one("tls:index/privateKey:PrivateKey")
    cert = rec.one("tls:index/selfSignedCert:SelfSignedCert")
    imported = rec.one("aws:acm/certificate:Certificate")
    assert key.urn in cert.dependencies, "the self-signed cert must be signed with the generated key"
    assert rec.one(ALB, "web-alb").outputs["dnsName"] in cert.inputs["dnsNames"], "self-signed cert names the ALB"
    assert imported.inputs["certificateBody"] == cert.outputs["certPem"], "ACM imports the self-signed cert"
    assert {key.urn, cert.urn} <= set(imported.dependencies), "ACM imports the generated key and cert"
    https = rec.one(LISTENER, "web-https").inputs
    assert https["certificateArn"] == imported.outputs["arn"], "web-https must use the imported certificate"
    assert https["protocol"] == "HTTPS" and "TLS13" in https["sslPolicy"], "web-https protocol and policy"


# --- access logs and log encryption --------------------------------------------------------------


def test_access_logs_go_to_a_private_encrypted_versioned_expiring_bucket(https_web: Recording) -> None:
    rec = https_web
    bucket = rec.one("aws:s3/bucket:Bucket")
    name = bucket.outputs["bucket"]

    def config(token: str) -> dict[str, Any]:
        found = [r for r in rec.of_type(token) if r.inputs.get("bucket") == bucket.id]
        assert len(found) == 1, f"expected one {token} on {bucket.name}, found {[r.name for r in found]}"
        return found[0].inputs

    block = config("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[flag] is True, f"{bucket.name} public access block {flag}"
    (sse,) = config("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")["rules"]
    assert sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256", f"{bucket.name} SSE"
    assert config("aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"]["status"] == "Enabled", (
        f"{bucket.name} versioning"
    )
    lifecycle = config("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["rules"]
    assert any(r["status"] == "Enabled" and int(r["expiration"]["days"]) > 0 for r in lifecycle), (
        f"{bucket.name} needs an enabled lifecycle rule that expires logs"
    )
    logs = rec.one(ALB, "web-alb").inputs["accessLogs"]
    assert logs["enabled"] is True and logs["bucket"] == name, "web-alb accessLogs must point at the bucket"


def test_no_access_log_bucket_unless_asked(default_web: Recording) -> None:
    assert not default_web.of_type("aws:s3/bucket:Bucket"), "access logs are off by default"
    assert not (default_web.one(ALB, "web-alb").inputs.get("accessLogs") or {}).get("enabled"), "web-alb accessLogs"


def test_encrypted_logs_use_a_key_that_admits_cloudwatch_logs(https_web: Recording, default_web: Recording) -> None:
    assert "kmsKeyId" not in default_web.one("aws:cloudwatch/logGroup:LogGroup", "web-logs").inputs, "web-logs default"
    rec = https_web
    key = rec.one("aws:kms/key:Key")
    statements = json.loads(key.inputs["policy"])["Statement"]
    principals = [s.get("Principal", {}).get("Service") for s in statements if s["Effect"] == "Allow"]
    assert "logs.eu-west-1.amazonaws.com" in principals, f"{key.name} policy must admit CloudWatch Logs"
    assert rec.one("aws:cloudwatch/logGroup:LogGroup", "web-logs").inputs["kmsKeyId"] == key.outputs["arn"], (
        "web-logs must be encrypted with the key"
    )


# --- containers and roles ------------------------------------------------------------------------


def test_containers_are_non_root_read_only_unprivileged_and_logged(default_web: Recording) -> None:
    group = default_web.one("aws:cloudwatch/logGroup:LogGroup", "web-logs").outputs["name"]
    for name, c in containers(default_web).items():
        user = str(c.get("user", ""))
        assert user and user.split(":")[0] not in ("0", "root"), f"container {name} runs as root ({user!r})"
        assert c["readonlyRootFilesystem"] is True, f"container {name} readonlyRootFilesystem"
        assert c["privileged"] is False, f"container {name} privileged"
        assert c["logConfiguration"]["logDriver"] == "awslogs", f"container {name} logDriver"
        assert c["logConfiguration"]["options"]["awslogs-group"] == group, f"container {name} logs to web-logs"


def test_execution_role_has_only_the_task_execution_policy_and_task_role_none(default_web: Recording) -> None:
    execution, task = default_web.one(ROLE, "web-exec"), default_web.one(ROLE, "web-task")
    definition = default_web.one(TASK_DEFINITION, "web-task").inputs
    assert definition["executionRoleArn"] == execution.outputs["arn"], "web-task executionRoleArn"
    assert definition["taskRoleArn"] == task.outputs["arn"], "web-task taskRoleArn"

    def attached(role: Registration) -> list[str]:
        refs = {role.id, role.outputs["name"]}
        return [a.inputs["policyArn"] for a in default_web.of_type(ATTACHMENT) if a.inputs["role"] in refs]

    def inline(role: Registration) -> list[str]:
        refs = {role.id, role.outputs["name"]}
        return [p.name for p in default_web.of_type(INLINE_POLICY) if p.inputs["role"] in refs]

    assert attached(execution) == ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"], (
        "web-exec policy attachments"
    )
    assert not inline(execution), "web-exec needs no inline policy without secrets"
    assert attached(task) == [] and inline(task) == [], "web-task role must start empty"


# --- the ALB -------------------------------------------------------------------------------------


def test_alb_drops_invalid_headers_and_mitigates_desync(default_web: Recording) -> None:
    alb = default_web.one(ALB, "web-alb").inputs
    assert alb["dropInvalidHeaderFields"] is True, "web-alb dropInvalidHeaderFields (ELB.4)"
    assert alb["desyncMitigationMode"] in ("defensive", "strictest"), "web-alb desyncMitigationMode (ELB.12)"
    assert alb["securityGroups"] == [alb_sg(default_web).id], "web-alb security groups"
    public = {default_web.one("aws:ec2/subnet:Subnet", f"net-public-{i}").id for i in range(2)}
    assert alb["internal"] is False and set(alb["subnets"]) == public, "web-alb is internet-facing in public subnets"


@pytest.mark.parametrize(("stack", "protected"), [("default_web", False), ("https_web", True)])
def test_deletion_protection_passes_through(stack: str, protected: bool, request: pytest.FixtureRequest) -> None:
    rec: Recording = request.getfixturevalue(stack)
    assert rec.one(ALB, "web-alb").inputs["enableDeletionProtection"] is protected, "web-alb deletion protection"


# --- bad arguments -------------------------------------------------------------------------------

BAD_ARGS = [
    pytest.param({"cpu": 300}, "cpu", "must be one of 256, 512", id="cpu-300"),
    pytest.param({"cpu": 256, "memory": 4096}, "memory", "with cpu 256 must be 512, 1024, 2048", id="memory-4096"),
    pytest.param(
        {"scaling": ScalingArgs(min_count=4, max_count=2)},
        "scaling.min_count",
        r"\(4\) must not exceed",
        id="min>max",
    ),
    pytest.param({"container_port": 0}, "container_port", "must be from 1 to 65535, got 0", id="container-port-0"),
    pytest.param({"container_port": 70000}, "container_port", "must be from 1 to 65535", id="container-port-70000"),
    pytest.param({"listener_port": 0}, "listener_port", "must be from 1 to 65535, got 0", id="listener-port-0"),
    pytest.param({"listener_port": 70000}, "listener_port", "must be from 1 to 65535", id="listener-port-70000"),
    pytest.param({"scaling": ScalingArgs(cpu_target=0)}, "scaling.cpu_target", "from 1 to 100", id="cpu-target-0"),
    pytest.param({"scaling": ScalingArgs(cpu_target=101)}, "scaling.cpu_target", "from 1 to 100", id="cpu-target-101"),
    pytest.param(
        {"certificate_arn": CERTIFICATE_ARN, "self_signed_certificate": True},
        "self_signed_certificate",
        "can't be combined with certificate_arn",
        id="certificate-and-self-signed",
    ),
    pytest.param(
        {"certificate_arn": "arn:aws:acm:eu-west-1:123456789012:cert/abc"},
        "certificate_arn",
        "must be an ACM certificate ARN like arn:aws:acm:<region>",
        id="malformed-certificate-arn",
    ),
    pytest.param(
        {"certificate_arn": CERTIFICATE_ARN.replace("arn:aws:", "arn:aws-cn:")},
        "certificate_arn",
        "only the commercial 'aws' partition",
        id="certificate-in-china",
    ),
    pytest.param(
        {"certificate_arn": CERTIFICATE_ARN.replace("eu-west-1", "eu-west-9")},
        "certificate_arn",
        "names region 'eu-west-9'",
        id="certificate-in-no-region",
    ),
    pytest.param({"https": True}, "https", "needs a certificate: set domain, certificate_arn or", id="https-no-source"),
    pytest.param(
        {"https": False, "certificate_arn": CERTIFICATE_ARN}, "https", "is false, but certificate_arn", id="https-false"
    ),
    pytest.param({"https_port": 443}, "https_port", "no certificate, so nothing would listen", id="https-port-alone"),
    pytest.param(
        {"domain": DomainArgs("app.example.com", "example.com"), "certificate_arn": CERTIFICATE_ARN},
        "certificate_arn",
        "can't be combined with domain",
        id="domain-and-arn",
    ),
    pytest.param(
        {"domain": DomainArgs("app.example.org", "example.com")},
        "domain.name",
        r"must be inside domain\.hosted_zone \(example\.com\)",
        id="name-outside-zone",
    ),
    pytest.param(
        {"domain": DomainArgs("*.example.com", "example.com")}, "domain.name", "no wildcard", id="wildcard-name"
    ),
    pytest.param(
        {"domain": DomainArgs("a" * 60 + ".example.com", "example.com")},
        "domain.name",
        "at most 64 characters",
        id="name-over-64",
    ),
    pytest.param({"image": ""}, "image", "must be an image URI", id="empty-image"),
    pytest.param(
        {"secrets": {"DB": "my-db-password"}}, "secrets.DB", "must be the ARN of a secret", id="secret-not-an-arn"
    ),
    pytest.param(
        {"secrets": {"DB": "arn:aws:s3:::bucket/key"}}, "secrets.DB", "must be the ARN of a secret", id="secret-s3"
    ),
    pytest.param(
        {"secrets": {"DB": "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/db"}},
        "secrets.DB",
        "only the commercial 'aws' partition",
        id="secret-govcloud",
    ),
    pytest.param({"tags": {"team": "x" * 300}}, "tags.team", "at most 256 characters, got 300", id="tag-300"),
    pytest.param({"tags": {"aws:owner": "me"}}, "tags.aws:owner", "reserved for AWS", id="tag-aws-prefix"),
    pytest.param({"tags": {"Name": "mine"}}, "tags.Name", "set by the components", id="tag-name"),
    pytest.param({"tags": {f"k{i}": "v" for i in range(50)}}, "tags", "at most 49", id="tags-50"),
    pytest.param({"tags": {"team": "a<b"}}, "tags.team", "letters, digits, spaces", id="tag-characters"),
    pytest.param(
        {"container": ContainerArgs(ports=[9000, 9000])}, "container.ports[1]", "lists 9000 twice", id="ports-twice"
    ),
    pytest.param({"container": ContainerArgs(ports=[0])}, "container.ports[0]", "from 1 to 65535", id="port-0"),
    pytest.param({"allowed_cidrs": ["10.0.0.0/33"]}, "allowed_cidrs[0]", "must be a CIDR block", id="bad-cidr"),
    pytest.param(
        {"allowed_cidrs": []},
        "allowed_cidrs",
        "must list at least one CIDR block",
        id="empty-cidrs",  # an empty list means nobody, never silently the whole internet
    ),
    pytest.param(
        {"environment": {"DB_PASSWORD": "hunter2"}},
        "environment.DB_PASSWORD",
        "looks like a credential",
        id="secret-env",
    ),
    pytest.param({"container": ContainerArgs(user="0")}, "container.user", "must not be root", id="root-user"),
    pytest.param({"container": ContainerArgs(user="0:0")}, "container.user", "must not be root", id="root-uid-gid"),
    pytest.param({"container": ContainerArgs(user="www")}, "container.user", "numeric uid", id="named-user"),
    pytest.param(
        {"container": ContainerArgs(health_check_command=["curl", "localhost"])},
        "container.health_check_command",
        "must start with 'CMD' or 'CMD-SHELL'",
        id="health-command",
    ),
    pytest.param(
        {"health_check": HealthCheckArgs(interval=10, timeout=10)},
        "health_check.timeout",
        r"must be less than health_check\.interval",
        id="timeout>=interval",
    ),
]


@pytest.mark.parametrize(("fields", "field", "problem"), BAD_ARGS)
def test_bad_arguments_fail_naming_the_argument(synth, fields: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"^{OWNER}\.{re.escape(field)}: .*{problem}"):
        synth(
            lambda: LoadBalancedFargateService(
                "web", LoadBalancedFargateServiceArgs(**{**LITERAL_WIRING, "image": IMAGE, **fields})
            )
        )


@pytest.mark.parametrize(
    "name", [pytest.param("w" * 21, id="21-characters"), pytest.param("web_svc", id="underscore"), "-web"]
)
def test_bad_component_names_fail_naming_the_name(synth, name: str) -> None:
    with pytest.raises(
        InvalidArgument,
        match=rf"^{OWNER}\.name: must be 1–20 letters, digits or hyphens.*{re.escape(repr(name))}",
    ):
        synth(lambda: LoadBalancedFargateService(name, LoadBalancedFargateServiceArgs(**LITERAL_WIRING, image=IMAGE)))


def test_a_20_character_name_is_accepted(synth) -> None:
    rec = synth(
        lambda: LoadBalancedFargateService("w" * 20, LoadBalancedFargateServiceArgs(**LITERAL_WIRING, image=IMAGE))
    )
    assert rec.one(ALB, f"{'w' * 20}-alb"), "a 20-character name must build its ALB"


def test_the_container_user_and_health_check_reach_the_task_definition(synth) -> None:
    command = ["CMD", "python", "/app/healthcheck.py"]
    rec = synth(
        lambda: LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                **LITERAL_WIRING, image=IMAGE, container=ContainerArgs(user="2000:2000", health_check_command=command)
            ),
        )
    )
    (container,) = json.loads(rec.one("aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"])
    assert container["user"] == "2000:2000"
    assert container["healthCheck"]["command"] == command
