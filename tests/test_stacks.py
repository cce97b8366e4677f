"""Every Pulumi.<stack>.yaml runs the real program under mocks; the dev stack meets the seed's shape."""

import json
from pathlib import Path
from typing import Any

import pytest

from fargatelb.mocks import Recording
from offline import stack_config, synthesize_stack

ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


@pytest.fixture(scope="module")
def recordings(committed_stacks: dict[str, Recording]) -> dict[str, Recording]:
    return committed_stacks


@pytest.fixture(scope="module")
def dev(recordings: dict[str, Recording]) -> Recording:
    return recordings["dev"]


def test_every_stack_file_synthesizes(recordings: dict[str, Recording]) -> None:
    assert {"dev", "prod"} <= set(recordings)
    for stack, rec in recordings.items():
        assert rec.of_type("aws:ecs/service:Service"), f"{stack} deploys no service"
        assert rec.outputs.get("url", "").startswith("http"), f"{stack} exports no URL"


def test_dev_has_no_nat_gateway(dev: Recording) -> None:
    assert not dev.of_type("aws:ec2/natGateway:NatGateway")
    assert not [r for r in dev.of_type("aws:ec2/route:Route") if r.inputs.get("natGatewayId")]


def test_dev_interface_endpoints_have_private_dns_in_every_private_subnet(dev: Recording) -> None:
    private = sorted(r.id for r in dev.of_type("aws:ec2/subnet:Subnet") if "-private-" in r.name)
    interface = {r.inputs["serviceName"].split("eu-west-1.")[1]: r.inputs for r in dev.of_type(ENDPOINT)
                 if r.inputs["vpcEndpointType"] == "Interface"}  # fmt: skip
    assert {"ecr.api", "ecr.dkr", "logs"} <= set(interface)
    for name in ("ecr.api", "ecr.dkr", "logs"):
        assert interface[name]["privateDnsEnabled"] is True
        assert sorted(interface[name]["subnetIds"]) == private, f"{name} is missing from a private subnet"


def test_dev_s3_gateway_endpoint_is_on_every_private_route_table(dev: Recording) -> None:
    tables = sorted(r.id for r in dev.of_type("aws:ec2/routeTable:RouteTable") if "-private-rt-" in r.name)
    (s3,) = [r for r in dev.of_type(ENDPOINT) if r.inputs["vpcEndpointType"] == "Gateway"]
    assert sorted(s3.inputs["routeTableIds"]) == tables


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_security_group_rule_is_open_to_the_world_on_443(recordings: dict[str, Recording], stack: str) -> None:
    for rule in recordings[stack].of_type(INGRESS):
        port_range = range(int(rule.inputs.get("fromPort", 0)), int(rule.inputs.get("toPort", 65535)) + 1)
        world = rule.inputs.get("cidrIpv4") == "0.0.0.0/0" or rule.inputs.get("cidrIpv6") == "::/0"
        listener = rule.name.startswith("web-lb-in-")  # the internet-facing ALB's own listener ports
        assert not (world and 443 in port_range and not listener), f"{rule.name} admits the world on 443"


def test_dev_builds_each_app_image_into_its_own_ecr_repository(dev: Recording) -> None:
    images = {r.name: r.inputs for r in dev.of_type("docker-build:index:Image")}
    contexts = {"web-image": "app/web", "udp-image": "app/udp", "udp-healthcheck-image": "components/fargatelb/sidecar"}
    assert set(images) == set(contexts)  # the sidecar by UdpNlbService, from the package's own source
    for name, image in images.items():
        assert image["context"]["location"] == contexts[name]  # relative: the same in every checkout
        assert image["platforms"] == ["linux/amd64"]
    assert len(dev.of_type("aws:ecr/repository:Repository")) == 3


def test_built_images_reach_the_task_definitions(dev: Recording) -> None:
    task = dev.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    digest = dev.one("docker-build:index:Image", "web-image").outputs["digest"]
    assert container["image"] == f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/fargate-lb/dev/web@{digest}"


def eight_places(rec: Recording) -> dict[str, int]:
    """Every place the web container port must appear, read from the recorded inputs."""
    tg = rec.one("aws:lb/targetGroup:TargetGroup", "web-tg")
    service = rec.one("aws:ecs/service:Service", "web-service")
    task = rec.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    alb_sg = rec.one("aws:ec2/securityGroup:SecurityGroup", "web-alb-sg")
    task_sg = rec.one("aws:ec2/securityGroup:SecurityGroup", "web-task-sg")
    (task_in,) = [r.inputs for r in rec.of_type(INGRESS) if r.inputs["securityGroupId"] == task_sg.id]
    (alb_out,) = [r.inputs for r in rec.of_type(EGRESS) if r.inputs["securityGroupId"] == alb_sg.id]
    assert task_in["referencedSecurityGroupId"] == alb_sg.id and alb_out["referencedSecurityGroupId"] == task_sg.id
    return {
        "target group port": int(tg.inputs["port"]),
        "health check port": int(tg.inputs["port"]) if tg.inputs["healthCheck"]["port"] == "traffic-port" else -1,
        "service loadBalancers": int(service.inputs["loadBalancers"][0]["containerPort"]),
        "port mapping": int(container["portMappings"][0]["containerPort"]),
        "PORT environment": int(next(e["value"] for e in container["environment"] if e["name"] == "PORT")),
        "task SG ingress from": int(task_in["fromPort"]),
        "task SG ingress to": int(task_in["toPort"]),
        "ALB SG egress": int(alb_out["fromPort"]),
    }


def test_a_changed_container_port_in_the_stack_file_moves_every_place_together(dev: Recording) -> None:
    assert set(eight_places(dev).values()) == {8080}
    config: dict[str, Any] = stack_config("dev")
    web = json.loads(config["fargate-lb:web"])
    config["fargate-lb:web"] = json.dumps({**web, "containerPort": 9090})
    moved = eight_places(synthesize_stack("dev", config))
    assert moved == dict.fromkeys(moved, 9090), moved


def test_built_apps_get_their_healthcheck_json_as_the_ecs_container_health_check(dev: Recording) -> None:
    root = Path(__file__).resolve().parent.parent
    expected = {
        "app": json.loads((root / "app/web/healthcheck.json").read_text())["command"],
        "udp": json.loads((root / "app/udp/healthcheck.json").read_text())["command"],
        "healthcheck": json.loads((root / "components/fargatelb/sidecar/healthcheck.json").read_text())["command"],
    }
    containers = {
        c["name"]: c
        for task in dev.of_type("aws:ecs/taskDefinition:TaskDefinition")
        for c in json.loads(task.inputs["containerDefinitions"])
    }
    assert set(containers) == set(expected)
    for name, command in expected.items():
        assert containers[name]["healthCheck"]["command"] == command, f"{name} lost its health check"
        assert containers[name]["user"] not in ("0", "root") and not containers[name]["user"].startswith("0:")
