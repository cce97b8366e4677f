"""Interface endpoint service names. Offline, a name on the committed short list passes and any other
is "not checked offline" (an unknown, never an error); a gateway endpoint for anything but S3 or
DynamoDB, or a malformed name, is an error. A real run asks AWS (`get_vpc_endpoint_service`) that the
service exists and is offered in every zone the network spans."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_aws import ec2

from fargatelb import InvalidArgument, PrivateNetwork, PrivateNetworkArgs
from fargatelb.endpoint_services import INTERFACE_SERVICES, split
from fargatelb.mocks import RecordingMocks, synthesize
from fargatelb.offline import offline_run
from fargatelb.verify import Finding, Severity, check
from offline import stack_config, synthesize_stack
from stack_config import ConfigError
from synth_helpers import committed_recording

ENDPOINT_SERVICE = "aws:ec2/getVpcEndpointService:getVpcEndpointService"


def findings(graph: Any) -> list[Finding]:
    return [f for f in check(graph).findings if f.hop == "vpc-endpoint-service"]


def _dev_with(endpoints: list[str]) -> Any:
    raw = stack_config("dev")
    network = {**json.loads(raw["fargate-lb:network"]), "extraInterfaceEndpoints": endpoints}
    return synthesize_stack("dev", config={**raw, "fargate-lb:network": json.dumps(network)}).graph()


def test_the_short_list_holds_what_the_components_create() -> None:
    assert {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages"} <= INTERFACE_SERVICES
    for stack in ("dev", "prod", "platform"):
        assert findings(committed_recording(stack).graph()) == []


def test_an_unlisted_name_is_not_checked_offline_rather_than_refused() -> None:
    (finding,) = findings(_dev_with(["notaservice"]))
    assert finding.severity is Severity.UNKNOWN
    assert "'notaservice' is not on this check's short list" in finding.message
    assert "isn't checked offline" in finding.message and "InvalidServiceName" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:network.extraInterfaceEndpoints"
    assert finding.source_url and "privatelink" in finding.source_url


def test_a_listed_name_passes_offline() -> None:
    assert findings(_dev_with(["ssmmessages", "kms"])) == []


def test_the_offline_preview_asks_aws_nothing() -> None:
    with offline_run("Pulumi.x.yaml"):
        recording = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(extra_interface_endpoints=["nope"])))
    assert not [token for token, _ in recording.calls if token == ENDPOINT_SERVICE]


def test_a_gateway_endpoint_for_another_service_and_a_malformed_name_are_errors() -> None:
    def program() -> None:
        ec2.VpcEndpoint("gw", vpc_id="vpc-1", service_name="com.amazonaws.eu-west-1.logs", vpc_endpoint_type="Gateway")
        ec2.VpcEndpoint("ok", vpc_id="vpc-1", service_name="com.amazonaws.eu-west-1.s3")  # a Gateway by default
        ec2.VpcEndpoint(
            "bad", vpc_id="vpc-1", service_name="com.amazonaws.eu-west-1.Secrets_Manager", vpc_endpoint_type="Interface"
        )
        ec2.VpcEndpoint(
            "theirs", vpc_id="vpc-1", service_name="com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0",
            vpc_endpoint_type="Interface",
        )  # fmt: skip

    found = {f.source.name: f for f in findings(synthesize(program).graph()) if f.source}
    assert set(found) == {"gw", "bad"}
    assert found["gw"].severity is Severity.ERROR and found["gw"].property == "vpcEndpointType"
    assert found["bad"].severity is Severity.ERROR and "InvalidServiceName" in found["bad"].message


def test_split_reads_only_regional_amazon_services() -> None:
    assert split("com.amazonaws.eu-west-1.ecr.dkr") == ("eu-west-1", "ecr.dkr")
    assert split("com.amazonaws.vpce.eu-west-1.vpce-svc-0123") is None
    assert split("aws.api.us-east-1.qbusiness") is None


# ---------------------------------------------------------------------------------------------
# A real run asks AWS


def test_a_real_run_refuses_a_service_aws_does_not_offer() -> None:
    with pytest.raises(InvalidArgument) as raised:
        synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(extra_interface_endpoints=["ssm", "notaservice"])))
    assert raised.value.field == "extra_interface_endpoints[1]"
    assert "AWS offers no interface endpoint service com.amazonaws.eu-west-1.notaservice" in raised.value.problem


def test_a_real_run_asks_for_every_interface_endpoint() -> None:
    recording = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(extra_interface_endpoints=["ssm"])))
    asked = [args["serviceName"] for token, args in recording.calls if token == ENDPOINT_SERVICE]
    assert asked == [f"com.amazonaws.eu-west-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "ssm")]


def test_a_service_not_offered_in_a_zone_the_network_spans_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = RecordingMocks._endpoint_service

    def two_zones(self: RecordingMocks, inputs: dict[str, Any]) -> Any:
        result = answer(self, inputs)
        if isinstance(result, dict) and result["service"] == "ssmmessages":
            result = {**result, "availabilityZones": ["eu-west-1a", "eu-west-1b"]}
        return result

    monkeypatch.setattr(RecordingMocks, "_endpoint_service", two_zones)
    args = PrivateNetworkArgs(az_count=3, extra_interface_endpoints=["ssmmessages"])
    with pytest.raises(InvalidArgument) as raised:
        synthesize(lambda: PrivateNetwork("net", args))
    assert raised.value.field == "extra_interface_endpoints[0]"
    assert "offered in eu-west-1a, eu-west-1b but not in eu-west-1c, which the network spans" in raised.value.problem
    synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=2, extra_interface_endpoints=["ssmmessages"])))


def test_a_real_runs_refusal_names_the_config_key() -> None:
    from stack_config import relabelled

    def program() -> None:
        with relabelled("network"):
            PrivateNetwork("network", PrivateNetworkArgs(extra_interface_endpoints=["notaservice"]))

    with pytest.raises(ConfigError, match=r"Pulumi\.test\.yaml: fargate-lb:network\.extraInterfaceEndpoints\[0\]: AWS"):
        synthesize(program)
