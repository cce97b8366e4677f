"""The secrets path: a task's `secrets` are read by the ECS agent before the task starts, through
the secretsmanager/ssm endpoints or NAT. The program adds the endpoints a stack's secrets need when
there is no NAT, and the wiring check proves the path like the image-pull path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fargatelb.graph import Graph
from fargatelb.verify import Report, Severity, check
from offline import stack_config, synthesize_stack
from stack_config import parse
from wiring_fixtures import changed, without

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/token"


def _config(secrets: dict[str, str], nat: str = "none", egress: bool = False) -> dict[str, str]:
    raw = stack_config("dev")
    web = json.loads(raw["fargate-lb:web"])
    web["secrets"] = secrets
    if egress:
        web["internetEgress"] = True
    network = json.loads(raw["fargate-lb:network"])
    network["natStrategy"] = nat
    return {**raw, "fargate-lb:web": json.dumps(web), "fargate-lb:network": json.dumps(network)}


@pytest.fixture(scope="module")
def with_secrets() -> Graph:
    return synthesize_stack("dev", config=_config({"DB_PASSWORD": SECRET, "API_TOKEN": PARAMETER})).graph()


def _secrets_path(report: Report, service: str = "web-service") -> Any:
    return next(p for p in report.paths if p.kind == "secrets" and p.service == service)


def test_without_internet_egress_the_network_gets_the_endpoints_the_secrets_need() -> None:
    network = parse(_config({"DB_PASSWORD": SECRET, "API_TOKEN": PARAMETER})).network
    assert network.extra_interface_endpoints == ["secretsmanager", "ssm"]
    assert parse(_config({"DB_PASSWORD": SECRET})).network.extra_interface_endpoints == ["secretsmanager"]
    assert parse(_config({"DB_PASSWORD": SECRET}, nat="single")).network.extra_interface_endpoints == ["secretsmanager"]
    assert not parse(_config({"DB_PASSWORD": SECRET}, nat="single", egress=True)).network.extra_interface_endpoints


def test_the_secrets_path_is_proven_through_both_endpoints(with_secrets: Graph) -> None:
    report = check(with_secrets)
    assert report.ok, report.format()
    path = _secrets_path(report)
    assert path.ok and "secretsmanager via network-vpce-secretsmanager" in path.text
    assert "ssm via network-vpce-ssm" in path.text and "[1 secret]" in path.text
    assert [p.kind for p in report.paths if p.service == "udp-service" and p.kind == "secrets"] == []


def test_a_missing_secretsmanager_endpoint_is_named(with_secrets: Graph) -> None:
    endpoint = next(n for n in with_secrets.nodes if n.name == "network-vpce-secretsmanager")
    report = check(without(with_secrets, endpoint))
    (finding,) = [f for f in report.errors if f.hop == "secretsmanager-endpoint"]
    assert "no secretsmanager interface endpoint" in finding.message
    assert "ResourceInitializationError" in finding.message and finding.service == "web-service"
    assert not _secrets_path(report).ok


def test_an_endpoint_group_that_does_not_admit_the_task_breaks_the_secrets_path(with_secrets: Graph) -> None:
    grant = next(n for n in with_secrets.nodes if n.name == "web-endpoints-in")
    report = check(without(with_secrets, grant))
    assert "endpoint-sg-ingress" in report.hops()
    assert not _secrets_path(report).ok


def test_an_endpoint_without_private_dns_does_not_count(with_secrets: Graph) -> None:
    endpoint = next(n for n in with_secrets.nodes if n.name == "network-vpce-ssm")
    report = check(changed(with_secrets, endpoint, "privateDnsEnabled", False))
    (finding,) = [f for f in report.errors if f.hop == "ssm-endpoint"]
    assert "privateDnsEnabled false" in finding.message and finding.severity is Severity.ERROR


def test_with_nat_and_internet_egress_the_secrets_are_read_through_it() -> None:
    graph = synthesize_stack("dev", config=_config({"DB_PASSWORD": SECRET}, nat="single", egress=True)).graph()
    report = check(graph)
    path = _secrets_path(report)
    assert path.ok and "secretsmanager via NAT ✓" in path.text, report.format()


def test_with_nat_but_no_internet_egress_the_secrets_are_read_through_the_endpoint() -> None:
    """NAT alone opens nothing: a service without internetEgress still reads through the endpoint."""
    recording = synthesize_stack("dev", config=_config({"DB_PASSWORD": SECRET}, nat="single"))
    report = check(recording.graph())
    path = _secrets_path(report)
    assert path.ok and "secretsmanager via network-vpce-secretsmanager" in path.text, report.format()
    egress = [
        r.inputs.get("cidrIpv4") for r in recording.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    ]
    assert "0.0.0.0/0" not in egress


def test_the_execution_role_reads_exactly_the_secrets_each_by_its_own_arn_and_action() -> None:
    """A `:json-key::` suffix picks a key inside the secret; IAM grants the secret's own ARN."""
    recording = synthesize_stack("dev", config=_config({"DB_PASSWORD": SECRET + ":password::", "TOKEN": PARAMETER}))
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "web-exec-secrets").inputs["policy"])
    grants = {tuple(s["Action"]): s["Resource"] for s in policy["Statement"]}
    assert grants == {("secretsmanager:GetSecretValue",): [SECRET], ("ssm:GetParameters",): [PARAMETER]}


def test_a_partial_secret_arn_is_granted_with_the_suffix_secrets_manager_appends() -> None:
    """`secret:prod/db` (no `-` and six characters) is a partial ARN: ECS resolves it, IAM matches the
    complete `secret:prod/db-AbCdEf`, so the grant must be `prod/db-??????`, not the partial ARN itself."""
    partial = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db"
    recording = synthesize_stack("dev", config=_config({"DB_PASSWORD": partial, "API_KEY": SECRET}))
    policy = json.loads(recording.one("aws:iam/rolePolicy:RolePolicy", "web-exec-secrets").inputs["policy"])
    (grant,) = [s["Resource"] for s in policy["Statement"] if s["Action"] == ["secretsmanager:GetSecretValue"]]
    assert grant == sorted([partial + "-??????", SECRET])  # the complete ARN is granted as it is
    containers = json.loads(
        recording.one("aws:ecs/taskDefinition:TaskDefinition", "web-task").inputs["containerDefinitions"]
    )
    assert {"name": "DB_PASSWORD", "valueFrom": partial} in containers[0]["secrets"]  # ECS gets what the stack says
