"""The committed prod stack against the AWS Security Hub controls that apply to its resources: one
test per control met, read from the recorded inputs (and Pulumi `protect`), and the README's list
of those not met, each with its reason.

`MET` and `NOT_MET` together are every FSBP control for the resource types prod creates (VPC,
subnets, security groups, flow log, log groups, KMS keys, IAM roles and inline policies, ECS,
ALB/NLB with listeners and target groups, the access-log bucket, ECR repositories); ECR.5 is not in
FSBP but is a production control here. Account-level controls (S3.1, EC2.172, ...) judge no
resource of a stack and are out of scope.
"""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fargatelb import production
from fargatelb.mocks import Recording, Registration
from fargatelb.production import ingress

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _all(rec: Recording, token: str) -> list[Registration]:
    found = rec.of_type(token)
    assert found, f"prod has no {token}: the control would be vacuous"
    return found


def _containers(rec: Recording) -> list[dict[str, Any]]:
    tasks = _all(rec, "aws:ecs/taskDefinition:TaskDefinition")
    return [c for t in tasks for c in json.loads(t.inputs["containerDefinitions"])]


def every(items: Callable[[Recording], list[Any]], holds: Callable[[Any], bool]) -> Callable[[Recording], None]:
    """A check that `holds` for every one of (at least one of) `items`."""

    def check(rec: Recording) -> None:
        found = items(rec)
        assert found and all(holds(i) for i in found), [i for i in found if not holds(i)]

    return check


def _control(rec: Recording, control: str) -> None:
    assert list(production.CHECKS[control](rec.graph())) == []


def _statements(rec: Recording) -> list[dict[str, Any]]:
    policies = [json.loads(p.inputs["policy"]) for p in rec.of_type("aws:iam/rolePolicy:RolePolicy")]
    return [s for p in policies for s in p["Statement"]]


def acm(rec: Recording) -> None:
    # The certificate is the deployer's (certificateArn) or ACM-issued and DNS-validated (domain): ACM
    # renews it, RSA 2048. Prod imports none (a self-signed one is FLB.CERT) and requests no short key.
    for certificate in rec.of_type("aws:acm/certificate:Certificate"):
        assert "certificateBody" not in certificate.inputs
        assert certificate.inputs.get("keyAlgorithm", "RSA_2048") in (
            "RSA_2048",
            "RSA_3072",
            "RSA_4096",
            "EC_prime256v1",
        )
    _control(rec, "FLB.CERT")


def ec2_2(rec: Recording) -> None:
    (default,) = _all(rec, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not default.inputs.get("ingress") and not default.inputs.get("egress")


def no_world_on(ports: set[int]) -> Callable[[Recording], None]:
    def check(rec: Recording) -> None:
        for opening in ingress.world_openings(rec.graph()):
            assert opening.protocol == "tcp" and not ports & set(range(opening.ports[0], opening.ports[1] + 1))

    return check


HIGH_RISK = {20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601,
             8080, 8088, 8888, 9200, 9300}  # fmt: skip


def repositories(rec: Recording) -> list[Registration]:
    return _all(rec, "aws:ecr/repository:Repository")


def ecs_network(rec: Recording) -> None:  # ECS.1, ECS.17: no host networking
    assert all(t.inputs["networkMode"] == "awsvpc" for t in _all(rec, "aws:ecs/taskDefinition:TaskDefinition"))


def ecs_2(rec: Recording) -> None:
    services = _all(rec, "aws:ecs/service:Service")
    assert all(s.inputs["networkConfiguration"]["assignPublicIp"] is False for s in services)


def ecs_3(rec: Recording) -> None:
    assert all("pidMode" not in t.inputs for t in _all(rec, "aws:ecs/taskDefinition:TaskDefinition"))


def ecs_8(rec: Recording) -> None:
    forbidden = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}
    assert not forbidden & {e["name"] for c in _containers(rec) for e in c.get("environment", [])}


def ecs_10(rec: Recording) -> None:
    assert all(s.inputs["platformVersion"] == "LATEST" for s in _all(rec, "aws:ecs/service:Service"))


def ecs_12(rec: Recording) -> None:
    for cluster in _all(rec, "aws:ecs/cluster:Cluster"):
        assert {"name": "containerInsights", "value": "enabled"} in cluster.inputs["settings"]


def ecs_20(rec: Recording) -> None:
    users = [c["user"] for c in _containers(rec)]
    assert users and all(u.split(":")[0] not in ("0", "root") for u in users)


def albs(rec: Recording) -> list[Registration]:
    lbs = _all(rec, "aws:lb/loadBalancer:LoadBalancer")
    return [lb for lb in lbs if lb.inputs["loadBalancerType"] == "application"]


def elb_13(rec: Recording) -> None:
    zones = {s.id: s.inputs["availabilityZone"] for s in rec.of_type("aws:ec2/subnet:Subnet")}
    for lb in _all(rec, "aws:lb/loadBalancer:LoadBalancer"):
        assert len({zones[s] for s in lb.inputs["subnets"]}) >= 2, lb.name


def elb_17(rec: Recording) -> None:
    secure = [li for li in _all(rec, "aws:lb/listener:Listener") if li.inputs["protocol"] in ("HTTPS", "TLS")]
    assert secure and all(re.match(r"ELBSecurityPolicy-TLS13-1-[23]-", li.inputs["sslPolicy"]) for li in secure)


def no_wildcards(rec: Recording) -> None:  # IAM.1, IAM.21: no customer-managed policy, no "*" actions inline
    assert not rec.of_type("aws:iam/policy:Policy")
    for statement in _statements(rec):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not [a for a in actions if a == "*" or a.endswith(":*")], statement


def kms_decrypt(rec: Recording) -> None:  # KMS.1, KMS.2
    for statement in _statements(rec):
        actions = json.dumps(statement["Action"])
        assert not ("kms:Decrypt" in actions and statement["Resource"] in ("*", ["*"])), statement


def keys(rec: Recording) -> list[Registration]:
    return _all(rec, "aws:kms/key:Key")


def kms_5(rec: Recording) -> None:
    for key in _all(rec, "aws:kms/key:Key"):
        for statement in json.loads(key.inputs["policy"])["Statement"]:
            assert statement["Principal"] != "*" and statement["Principal"] != {"AWS": "*"}


def bucket_policy(rec: Recording) -> list[dict[str, Any]]:
    (policy,) = _all(rec, "aws:s3/bucketPolicy:BucketPolicy")
    return list(json.loads(policy.inputs["policy"])["Statement"])


def s3_5(rec: Recording) -> None:
    denies = [s for s in bucket_policy(rec) if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*" for s in denies)


def s3_6(rec: Recording) -> None:
    granted = [s for s in bucket_policy(rec) if s["Effect"] == "Allow"]
    assert granted and all(s["Action"] == "s3:PutObject" for s in granted)  # ELB log delivery only


def s3_8(rec: Recording) -> None:
    (block,) = _all(rec, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    assert all(block.inputs[f] is True for f in flags)


def s3_lifecycle(rec: Recording) -> None:  # S3.10, S3.13
    (lifecycle,) = _all(rec, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.inputs["rules"][0]["expiration"]["days"] == 365


def s3_12(rec: Recording) -> None:
    (ownership,) = _all(rec, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


MET: dict[str, Callable[[Recording], None]] = {
    "ACM.1": acm,
    "ACM.2": acm,
    "EC2.2": ec2_2,
    "EC2.6": lambda rec: _control(rec, "EC2.6"),
    "EC2.13": no_world_on({22}),
    "EC2.14": no_world_on({3389}),
    "EC2.15": every(lambda rec: _all(rec, "aws:ec2/subnet:Subnet"), lambda s: s.inputs["mapPublicIpOnLaunch"] is False),
    "EC2.18": lambda rec: _control(rec, "EC2.18"),
    "EC2.19": no_world_on(HIGH_RISK),
    "EC2.53": no_world_on({22, 3389}),
    "EC2.54": no_world_on({22, 3389}),
    "ECR.1": every(repositories, lambda r: r.inputs["imageScanningConfiguration"] == {"scanOnPush": True}),
    "ECR.2": every(repositories, lambda r: r.inputs["imageTagMutability"] == "IMMUTABLE"),
    "ECR.5": lambda rec: _control(rec, "ECR.5"),
    "ECS.1": ecs_network,
    "ECS.2": ecs_2,
    "ECS.3": ecs_3,
    "ECS.4": every(_containers, lambda c: c.get("privileged") is not True),
    "ECS.5": every(_containers, lambda c: c["readonlyRootFilesystem"] is True),
    "ECS.8": ecs_8,
    "ECS.9": every(_containers, lambda c: c["logConfiguration"]["logDriver"] == "awslogs"),
    "ECS.10": ecs_10,
    "ECS.12": ecs_12,
    "ECS.17": ecs_network,
    "ECS.20": ecs_20,
    "ELB.1": lambda rec: _control(rec, "ELB.1"),
    "ELB.4": every(albs, lambda lb: lb.inputs["dropInvalidHeaderFields"] is True),
    "ELB.5": lambda rec: _control(rec, "ELB.5"),
    "ELB.6": lambda rec: _control(rec, "ELB.6"),
    "ELB.12": every(albs, lambda lb: lb.inputs["desyncMitigationMode"] == "defensive"),
    "ELB.13": elb_13,
    "ELB.17": elb_17,
    "IAM.1": no_wildcards,
    "IAM.21": no_wildcards,
    "KMS.1": kms_decrypt,
    "KMS.2": kms_decrypt,
    "KMS.3": every(keys, lambda k: k.protect is True),
    "KMS.4": every(keys, lambda k: k.inputs["enableKeyRotation"] is True),
    "KMS.5": kms_5,
    "S3.2": s3_8,
    "S3.3": s3_8,
    "S3.5": s3_5,
    "S3.6": s3_6,
    "S3.8": s3_8,
    "S3.10": s3_lifecycle,
    "S3.12": s3_12,
    "S3.13": s3_lifecycle,
    "S3.14": every(
        lambda rec: _all(rec, "aws:s3/bucketVersioning:BucketVersioning"),
        lambda v: v.inputs["versioningConfiguration"] == {"status": "Enabled"},
    ),
}
NOT_MET = ("EC2.10", "EC2.21", "ECR.3", "ELB.16", "ELB.18", "S3.9", "S3.17")
"""Listed in the README's production profile section, each with its reason."""


@pytest.mark.parametrize("control", sorted(MET))
def test_prod_meets_the_control(committed_stacks: dict[str, Recording], control: str) -> None:
    MET[control](committed_stacks["prod"])


def _profile_section() -> str:
    match = re.search(r"^## Production profile\n(.*?)^## ", README, re.M | re.S)
    assert match, "README has a Production profile section"
    return match[1]


@pytest.mark.parametrize("control", NOT_MET)
def test_a_control_prod_does_not_meet_is_in_the_readme_with_its_reason(control: str) -> None:
    (line,) = [line for line in _profile_section().splitlines() if line.startswith(f"| {control} |")]
    reason = line.split("|")[2].strip()
    assert len(reason) > 40, f"{control}: the README gives no reason"


def test_the_readme_lists_every_control_prod_meets() -> None:
    listed = set(re.findall(r"\b((?:ACM|EC2|ECR|ECS|ELB|IAM|KMS|S3)\.\d+)\b", _profile_section()))
    assert set(MET) <= listed, sorted(set(MET) - listed)
