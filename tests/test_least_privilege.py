"""Least privilege as AWS recommends it, asserted on the recorded policy JSON of each resource:
confused-deputy conditions on trust policies, account-scoped endpoint policies, the ALB log bucket's
principal and account path, log keys scoped to their log group, kms:Decrypt for secrets under a
customer key, an internal ALB admitting only the VPC, and internet egress only on request."""

import json
from typing import Any

import pulumi
import pytest

from fargatelb import (
    InvalidArgument,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    NatStrategy,
    PrivateNetwork,
    PrivateNetworkArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.mocks import ACCOUNT_ID, Recording, synthesize
from synth_helpers import ECR, on_network

IMAGE = f"{ECR}/web:1"
REGION = "eu-west-1"
ROLE = "aws:iam/role:Role"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:db-AbCdEf"
PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/api/token"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(rec: Recording, token: str, name: str, prop: str = "policy") -> dict[str, Any]:
    return json.loads(rec.one(token, name).inputs[prop])


def web(**fields: Any) -> Any:
    def build(wiring: dict[str, Any], _net: PrivateNetwork) -> LoadBalancedFargateService:
        return LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**wiring, image=IMAGE, **fields))

    return build


def both(wiring: dict[str, Any], _net: PrivateNetwork) -> None:
    LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**wiring, image=IMAGE))
    UdpNlbService("udp", UdpNlbServiceArgs(**wiring, image=IMAGE, health_check_image=f"{ECR}/hc:1"))


@pytest.fixture(scope="module")
def services() -> Recording:
    return on_network(both)


# --- trust policies: aws:SourceAccount and aws:SourceArn ---------------------------------------------


@pytest.mark.parametrize("role", ["web-exec", "web-task", "udp-exec", "udp-task"])
def test_task_roles_trust_only_ecs_tasks_of_this_account_and_region(services: Recording, role: str) -> None:
    (statement,) = policy(services, ROLE, role, "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT_ID}:*"},
    }


def test_the_flow_log_role_trusts_only_flow_logs_of_this_account_and_region() -> None:
    rec = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(flow_logs=True)))
    (statement,) = policy(rec, ROLE, "net-flow-logs-role", "assumeRolePolicy")["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc-flow-log/*"},
    }


# --- endpoint policies ---------------------------------------------------------------------------------


def test_interface_endpoints_admit_only_principals_of_the_stacks_account() -> None:
    rec = synthesize(
        lambda: PrivateNetwork("net", PrivateNetworkArgs(extra_interface_endpoints=["secretsmanager", "ssmmessages"]))
    )
    for svc in ("ecr-api", "ecr-dkr", "logs", "secretsmanager"):
        (statement,) = policy(rec, ENDPOINT, f"net-vpce-{svc}")["Statement"]
        assert statement["Principal"] == "*" and statement["Action"] == "*" and statement["Resource"] == "*"
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}}, svc
    # ssmmessages is not on the list of services known to take an endpoint policy: left at AWS's default.
    assert "policy" not in rec.one(ENDPOINT, "net-vpce-ssmmessages").inputs


def test_the_s3_gateway_still_reads_only_ecr_layers() -> None:
    rec = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs()))
    (statement,) = policy(rec, ENDPOINT, "net-vpce-s3")["Statement"]
    assert statement["Action"] == ["s3:GetObject"]
    assert statement["Resource"] == [f"arn:aws:s3:::prod-{REGION}-starport-layer-bucket/*"]


# --- the ALB access-log bucket ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "principal"),
    [
        ("eu-west-1", {"AWS": "arn:aws:iam::156460612806:root"}),  # opened before August 2022: ELB account
        ("us-east-1", {"AWS": "arn:aws:iam::127311923021:root"}),
        ("eu-central-2", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),  # Zurich, November 2022
        ("ap-southeast-4", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),  # Melbourne, 2023
    ],
)
def test_access_logs_are_written_by_log_delivery_under_this_accounts_path(region: str, principal: Any) -> None:
    def program() -> None:
        network = PrivateNetwork("net", PrivateNetworkArgs())
        LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                network=network.ref, image=f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/web:1", access_logs=True
            ),
        )

    rec = synthesize(program, region=region)
    bucket = rec.one("aws:s3/bucket:Bucket").outputs["bucket"]
    deliver, tls = policy(rec, "aws:s3/bucketPolicy:BucketPolicy", "web-access-logs")["Statement"]
    assert deliver["Principal"] == principal
    assert deliver["Action"] == "s3:PutObject"
    assert deliver["Resource"] == f"arn:aws:s3:::{bucket}/web/AWSLogs/{ACCOUNT_ID}/*"
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- KMS key policies for CloudWatch Logs --------------------------------------------------------------


def test_the_log_key_serves_only_its_own_log_group() -> None:
    rec = on_network(web(encrypt_logs=True))
    group = rec.one("aws:cloudwatch/logGroup:LogGroup", "web-logs")
    name = group.inputs["name"]
    assert name == "/fargatelb/project/test/web"
    statements = {s["Sid"]: s for s in policy(rec, "aws:kms/key:Key", "web-logs-key")["Statement"]}
    logs = statements["CloudWatchLogsEncrypts"]
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert logs["Condition"] == {
        "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}"}
    }
    assert group.outputs["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}"
    assert group.inputs["kmsKeyId"] == rec.one("aws:kms/key:Key", "web-logs-key").outputs["arn"]


def test_an_unencrypted_log_group_keeps_its_auto_name() -> None:
    rec = on_network(web())
    assert "name" not in rec.one("aws:cloudwatch/logGroup:LogGroup", "web-logs").inputs


# --- secrets under a customer-managed key ---------------------------------------------------------------


def test_secrets_under_a_customer_key_may_be_decrypted_through_their_services_only() -> None:
    rec = on_network(web(secrets={"DB": SECRET, "TOKEN": PARAMETER}, secrets_kms_keys=[KEY]))
    statements = policy(rec, "aws:iam/rolePolicy:RolePolicy", "web-exec-secrets")["Statement"]
    (decrypt,) = [s for s in statements if s["Action"] == ["kms:Decrypt"]]
    assert decrypt["Resource"] == [KEY]
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": [f"secretsmanager.{REGION}.amazonaws.com", f"ssm.{REGION}.amazonaws.com"]}
    }


def test_without_a_customer_key_the_secrets_policy_grants_no_kms() -> None:
    rec = on_network(web(secrets={"DB": SECRET}))
    statements = policy(rec, "aws:iam/rolePolicy:RolePolicy", "web-exec-secrets")["Statement"]
    assert not [s for s in statements if any(a.startswith("kms:") for a in s["Action"])]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"secrets_kms_keys": [KEY]}, "secrets_kms_keys"),
        (
            {"secrets": {"DB": SECRET}, "secrets_kms_keys": [f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:alias/db"]},
            "secrets_kms_keys[0]",
        ),
        ({"secrets": {"DB": SECRET}, "secrets_kms_keys": [KEY, KEY]}, "secrets_kms_keys"),
    ],
)
def test_bad_secrets_kms_keys_are_refused_naming_the_argument(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        on_network(web(**fields))
    assert raised.value.field == field


# --- an internal ALB admits the VPC; egress to the internet only on request -------------------------------


def test_an_internal_alb_admits_only_the_vpc_by_default() -> None:
    rec = on_network(web(internal=True))
    ingress = [r.inputs for r in rec.of_type(INGRESS) if r.name.startswith("web-lb-in-")]
    assert ingress and {r.get("cidrIpv4") for r in ingress} == {"10.0.0.0/16"}


def test_an_internet_facing_alb_still_admits_anyone_by_default() -> None:
    rec = on_network(web())
    ingress = [r.inputs for r in rec.of_type(INGRESS) if r.name.startswith("web-lb-in-")]
    assert {r.get("cidrIpv4") for r in ingress} == {"0.0.0.0/0"}


def _internet_egress(rec: Recording) -> list[str]:
    return [r.name for r in rec.of_type(EGRESS) if r.inputs.get("cidrIpv4") == "0.0.0.0/0"]


@pytest.mark.parametrize("nat", [NatStrategy.SINGLE, NatStrategy.PER_AZ])
def test_nat_alone_opens_no_internet_egress_a_service_asks_for_it(nat: NatStrategy) -> None:
    def program(egress: bool) -> Any:
        def run() -> None:
            network = PrivateNetwork("net", PrivateNetworkArgs(nat_strategy=nat))
            LoadBalancedFargateService(
                "web", LoadBalancedFargateServiceArgs(network=network.ref, image=IMAGE, internet_egress=egress)
            )
            UdpNlbService("udp", UdpNlbServiceArgs(network=network.ref, image=IMAGE, health_check_image=f"{ECR}/hc:1"))

        return run

    assert _internet_egress(synthesize(program(False))) == []
    assert _internet_egress(synthesize(program(True))) == ["web-task-out-internet"]


def test_region_and_account_are_asked_once_per_provider_per_run() -> None:
    """Each synchronous invoke pumps Pulumi's event loop; twenty services used to ask forty times.
    A second provider (another region or account) is asked on its own."""
    import pulumi_aws as aws

    def program(wiring: dict[str, Any], _: Any) -> None:
        web(**{"container_port": 8080})(wiring, _)
        LoadBalancedFargateService("api", LoadBalancedFargateServiceArgs(**wiring, image=f"{ECR}/api:1"))
        other = aws.Provider("use1", region="us-east-1")
        LoadBalancedFargateService(
            "far",
            LoadBalancedFargateServiceArgs(**wiring, image=f"{ECR}/far:1"),
            opts=pulumi.ResourceOptions(providers={"aws": other}),
        )

    rec = on_network(program)
    asked = [token for token, _ in rec.calls if token == "aws:index/getCallerIdentity:getCallerIdentity"]
    assert len(asked) == 2, asked  # the default provider (network, web, api) and use1 (far)
    for name in ("web", "api", "far"):
        (statement,) = policy(rec, ROLE, f"{name}-exec", "assumeRolePolicy")["Statement"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}, name
