"""What the provider doesn't tell you, read from the recorded inputs of the committed stacks.

EC2 rejects a security-group description AWS's pattern refuses only at create time, after the
resources before it exist; an ECS service registered before the rules and role attachments its
first tasks need fails its first deployment. Both pass every mock, so each is asserted here.
"""

import json
import re
from typing import Any

import pytest

from fargatelb import ContainerArgs, InvalidArgument, LoadBalancedFargateService, LoadBalancedFargateServiceArgs
from fargatelb.build import dockerfile_user
from fargatelb.fargate import resolve_container
from fargatelb.mocks import Recording, Registration
from offline import ROOT, stack_config, synthesize_stack
from synth_helpers import on_network

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + "0" * 64

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"

# CreateSecurityGroup's Description, and a rule's Description, as the EC2 API reference states them:
# "Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")


@pytest.fixture(scope="module")
def recordings(committed_stacks: dict[str, Recording]) -> dict[str, Recording]:
    return committed_stacks


def descriptions(rec: Recording) -> list[tuple[str, str]]:
    return [
        (r.name, r.inputs["description"])
        for token in (SG, INGRESS, EGRESS, DEFAULT_SG)
        for r in rec.of_type(token)
        if "description" in r.inputs
    ]


def test_ec2_description_pattern_refuses_what_ec2_refuses() -> None:
    assert EC2_DESCRIPTION.fullmatch("web tasks: only the load balancer ports, from its security group")
    assert not EC2_DESCRIPTION.fullmatch("the load balancer's ports")
    assert not EC2_DESCRIPTION.fullmatch("tasks → endpoints")
    assert not EC2_DESCRIPTION.fullmatch("x" * 256)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_security_group_and_rule_description_is_one_ec2_accepts(
    recordings: dict[str, Recording], stack: str
) -> None:
    found = descriptions(recordings[stack])
    assert len(found) > 10, f"{stack}: expected every group and rule to carry a description"
    bad = [(name, text) for name, text in found if not EC2_DESCRIPTION.fullmatch(text)]
    assert not bad, f"{stack}: EC2 would reject these descriptions: {bad}"


def test_every_committed_stack_is_checked(recordings: dict[str, Recording]) -> None:
    for stack, rec in recordings.items():
        bad = [(n, t) for n, t in descriptions(rec) if not EC2_DESCRIPTION.fullmatch(t)]
        assert not bad, f"{stack}: {bad}"


# --- the ECS service waits for what its first tasks need -------------------------------------------

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web-db-AbCdEf"


def first_task_needs(rec: Recording, service: Registration) -> dict[str, str]:
    """URN → name of every rule on the task SG's paths and every grant of the execution role."""
    (task_sg,) = service.inputs["networkConfiguration"]["securityGroups"]
    rules = [
        r
        for token in (INGRESS, EGRESS)
        for r in rec.of_type(token)
        if task_sg in (r.inputs.get("securityGroupId"), r.inputs.get("referencedSecurityGroupId"))
    ]
    task = next(t for t in rec.of_type(TASK_DEFINITION) if t.outputs.get("arn") == service.inputs["taskDefinition"])
    role = next(r for r in rec.of_type(ROLE) if r.outputs.get("arn") == task.inputs["executionRoleArn"])
    grants = [a for a in rec.of_type(ATTACHMENT) if a.inputs["role"] == role.outputs["name"]]
    grants += [p for p in rec.of_type(INLINE_POLICY) if p.inputs["role"] == role.id]
    return {r.urn: r.name for r in rules + grants}


def assert_waits_for_first_task_needs(rec: Recording, expect_secrets: bool = False) -> None:
    services = rec.of_type(SERVICE)
    assert services
    for service in services:
        needs = first_task_needs(rec, service)
        names = set(needs.values())
        assert any(n.endswith("-exec") for n in names), f"{service.name}: no execution-role attachment found"
        assert any("-task-in-" in n for n in names) and any("-lb-out-" in n for n in names)
        assert any(n.endswith("-endpoints-in") for n in names) and any(n.endswith("-task-out-s3") for n in names)
        assert any(n.endswith("-exec-secrets") for n in names) == expect_secrets
        missing = sorted(name for urn, name in needs.items() if urn not in service.dependencies)
        assert not missing, f"{service.name} is created before {missing}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_service_waits_for_its_rules_and_execution_role_grants(
    recordings: dict[str, Recording], stack: str
) -> None:
    assert_waits_for_first_task_needs(recordings[stack])


def test_a_service_with_secrets_also_waits_for_the_secrets_grant() -> None:
    rec = on_network(
        lambda wiring, _: LoadBalancedFargateService(
            "web", LoadBalancedFargateServiceArgs(**wiring, image=IMAGE, secrets={"DB_PASSWORD": SECRET_ARN})
        )
    )
    assert_waits_for_first_task_needs(rec, expect_secrets=True)


# --- containers run as the image's uid:gid, with nothing writable --------------------------------

CONTEXT_OF_CONTAINER = {"app": "app/web", "udp": "app/udp", "healthcheck": "components/fargatelb/sidecar"}


def container_definitions(rec: Recording) -> list[dict[str, Any]]:
    return [c for t in rec.of_type(TASK_DEFINITION) for c in json.loads(t.inputs["containerDefinitions"])]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_built_container_runs_as_its_dockerfile_uid_and_gid(recordings: dict[str, Recording], stack: str) -> None:
    users = {c["name"]: c["user"] for c in container_definitions(recordings[stack])}
    assert set(users) == set(CONTEXT_OF_CONTAINER)
    for container, user in users.items():
        assert user == dockerfile_user(ROOT / CONTEXT_OF_CONTAINER[container] / "Dockerfile"), container
    assert users == {"app": "10001:10001", "udp": "65532:65532", "healthcheck": "10001:10001"}


def test_a_stack_user_wins_over_the_dockerfile() -> None:
    config = stack_config("dev")
    web = json.loads(config["fargate-lb:web"])
    config["fargate-lb:web"] = json.dumps({**web, "container": {"user": "2000:2000"}})
    users = {c["name"]: c["user"] for c in container_definitions(synthesize_stack("dev", config))}
    assert users["app"] == "2000:2000" and users["udp"] == "65532:65532"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_task_has_a_scratch_volume_and_every_root_filesystem_is_read_only(
    recordings: dict[str, Recording], stack: str
) -> None:
    for task in recordings[stack].of_type(TASK_DEFINITION):
        assert not task.inputs.get("volumes"), f"{task.name}: a Fargate bind mount is root-owned 0755"
    for container in container_definitions(recordings[stack]):
        assert container["readonlyRootFilesystem"] is True
        assert not container.get("mountPoints"), container["name"]


@pytest.mark.parametrize(
    ("user", "problem"),
    [
        ("10001", "must name the group too, like '10001:10001'"),
        ("0", "must not be root"),
        ("0:10001", "must not be root"),
        ("10001:0", "root group"),
        ("app", "numeric uid:gid"),
        ("10001:app", "numeric uid:gid"),
        ("-1:-1", "numeric uid:gid"),
    ],
)
def test_container_users_are_numeric_uid_and_gid_and_never_root(user: str, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(problem)):
        resolve_container("Owner", "container", ContainerArgs(user=user))


def test_the_default_user_has_a_group() -> None:
    assert resolve_container("Owner", "container", None).user == "10001:10001"
    assert resolve_container("Owner", "sidecar", ContainerArgs(user="65532:65532")).user == "65532:65532"
