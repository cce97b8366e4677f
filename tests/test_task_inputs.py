"""`environment` and `secrets` values may be Outputs, in both services: an environment variable that
carries another resource's address, a secret made in the same program. Each reaches the container
definition when known, the execution role grants a secret ARN given as an Output exactly as a
literal one, and a resource built from them depends on the resource they came from. (Through the
provider, `tests/test_provider.py`'s variants pass both as Outputs of other resources, in both
deliveries.)
"""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret
from pulumi_aws import secretsmanager, ssm

from fargatelb import (
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    PrivateNetwork,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.arns import SECRET_SHAPES
from fargatelb.mocks import Recording, synthesize
from synth_helpers import ECR, LITERAL_WIRING, on_network

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/token"

Build = Callable[[str, dict[str, Any], dict[str, Any]], Any]


def web(name: str, wiring: dict[str, Any], fields: dict[str, Any]) -> Any:
    args = LoadBalancedFargateServiceArgs(**wiring, image=f"{ECR}/web:1", container_port=8080, **fields)
    return LoadBalancedFargateService(name, args)


def udp(name: str, wiring: dict[str, Any], fields: dict[str, Any]) -> Any:
    args = UdpNlbServiceArgs(**wiring, image=f"{ECR}/udp:1", health_check_image=f"{ECR}/healthcheck:1", **fields)
    return UdpNlbService(name, args)


SERVICES: dict[str, tuple[Build, str]] = {"web": (web, "app"), "udp": (udp, "udp")}
"""Each service: how to build it, and its main container's name."""


def main_container(rec: Recording, name: str, container: str) -> dict[str, Any]:
    definitions = json.loads(rec.one(TASK_DEFINITION, f"{name}-task").inputs["containerDefinitions"])
    return next(c for c in definitions if c["name"] == container)


def with_outputs(build: Build, name: str) -> Recording:
    """The service with an environment value and a secret ARN that are Outputs of other resources."""

    def program(wiring: dict[str, Any], net: PrivateNetwork) -> None:
        password = secretsmanager.Secret("db-password")
        token = ssm.Parameter("token", type="SecureString", value="not-a-real-token")
        build(
            name,
            wiring,
            {
                "environment": {"MODE": "demo", "VPC": net.vpc_id},
                "secrets": {"DB_PASSWORD": password.arn, "UPSTREAM_TOKEN": token.arn, "LITERAL": PARAMETER},
            },
        )

    return on_network(program)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_output_values_reach_the_container_definition(service: str) -> None:
    build, container = SERVICES[service]
    rec = with_outputs(build, service)
    vpc = rec.one("aws:ec2/vpc:Vpc")
    password = rec.one("aws:secretsmanager/secret:Secret")
    token = rec.one("aws:ssm/parameter:Parameter")
    definition = main_container(rec, service, container)
    environment = {e["name"]: e["value"] for e in definition["environment"]}
    assert environment["MODE"] == "demo" and environment["VPC"] == vpc.id
    secrets = {s["name"]: s["valueFrom"] for s in definition["secrets"]}
    assert secrets == {"DB_PASSWORD": password.outputs["arn"], "UPSTREAM_TOKEN": token.outputs["arn"],
                       "LITERAL": PARAMETER}  # fmt: skip
    task = rec.one(TASK_DEFINITION, f"{service}-task")
    assert {vpc.urn, password.urn, token.urn} <= set(task.property_dependencies["containerDefinitions"])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_execution_role_reads_a_secret_given_as_an_output_by_its_own_arn(service: str) -> None:
    build, _ = SERVICES[service]
    rec = with_outputs(build, service)
    password = rec.one("aws:secretsmanager/secret:Secret")
    token = rec.one("aws:ssm/parameter:Parameter")
    grant = rec.one(ROLE_POLICY, f"{service}-exec-secrets")
    policy = json.loads(grant.inputs["policy"])
    grants = {tuple(s["Action"]): s["Resource"] for s in policy["Statement"]}
    assert grants == {
        ("secretsmanager:GetSecretValue",): [password.outputs["arn"]],
        ("ssm:GetParameters",): sorted([token.outputs["arn"], PARAMETER]),
    }
    assert {password.urn, token.urn} <= set(grant.property_dependencies["policy"])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_secret_output_that_is_no_secret_arn_fails_naming_its_variable(service: str) -> None:
    """Known only at deploy time, an ARN given as an Output is checked then, like a literal one before."""
    build, _ = SERVICES[service]
    with pytest.raises(ValueError) as caught:  # the SDK re-raises it as the registration's failure
        synthesize(lambda: build(service, LITERAL_WIRING, {"secrets": {"DB_PASSWORD": pulumi.Output.from_input("db")}}))
    assert f"Args.secrets.DB_PASSWORD: must be the ARN of a secret: {SECRET_SHAPES}; got 'db'" in str(caught.value)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_secret_environment_value_keeps_the_task_definition_secret(service: str) -> None:
    build, _ = SERVICES[service]
    rec = synthesize(
        lambda: build(service, LITERAL_WIRING, {"environment": {"MODE": pulumi.Output.secret("classified")}})
    )
    definitions = rec.one(TASK_DEFINITION, f"{service}-task").inputs["containerDefinitions"]
    assert is_rpc_secret(definitions) and "classified" in unwrap_rpc_secret(definitions), "recorded as a secret"
