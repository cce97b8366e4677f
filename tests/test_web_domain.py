"""A web service at its own name: zone lookup first, a DNS-validated certificate, the alias record."""

from typing import Any

import pytest

from fargatelb import DomainArgs, InvalidArgument, LoadBalancedFargateService, LoadBalancedFargateServiceArgs
from fargatelb.mocks import Recording, synthesize
from synth_helpers import ECR, LITERAL_WIRING

IMAGE = f"{ECR}/web:1"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
LISTENER = "aws:lb/listener:Listener"
ALB = "aws:lb/loadBalancer:LoadBalancer"


def service(**fields: Any) -> LoadBalancedFargateService:
    args = LoadBalancedFargateServiceArgs(**LITERAL_WIRING, image=IMAGE, container_port=8080, **fields)
    return LoadBalancedFargateService("web", args)


def with_domain(**fields: Any) -> Recording:
    def program() -> None:
        import pulumi

        web = service(domain=DomainArgs(name="App.Example.com", hosted_zone="example.com."), **fields)
        pulumi.export("url", web.url)

    return synthesize(program, hosted_zones={"example.com"})


@pytest.fixture(scope="module")
def rec() -> Recording:
    return with_domain()


def test_the_zone_is_looked_up_as_a_public_zone(rec: Recording) -> None:
    (lookup,) = [inputs for token, inputs in rec.calls if token == "aws:route53/getZone:getZone"]
    assert lookup["name"] == "example.com" and lookup["privateZone"] is False


def test_a_dns_validated_certificate_is_requested_for_the_name(rec: Recording) -> None:
    cert = rec.one(CERTIFICATE, "web-cert")
    assert cert.inputs["domainName"] == "app.example.com", "the name, lower-cased"
    assert cert.inputs["validationMethod"] == "DNS"
    assert "privateKey" not in cert.inputs, "requested from ACM, not imported"


def test_the_validation_record_is_the_one_acm_asks_for_in_the_zone(rec: Recording) -> None:
    cert = rec.one(CERTIFICATE, "web-cert")
    (option,) = cert.outputs["domainValidationOptions"]
    record = rec.one(RECORD, "web-cert-dns").inputs
    zone_id = record["zoneId"]
    assert zone_id.startswith("Z")
    assert (record["name"], record["type"], record["records"]) == (
        option["resourceRecordName"],
        "CNAME",
        [option["resourceRecordValue"]],
    )
    validation = rec.one(VALIDATION, "web-cert-validation")
    assert validation.inputs["certificateArn"] == cert.outputs["arn"]
    assert validation.inputs["validationRecordFqdns"] == [option["resourceRecordName"].rstrip(".")]
    assert validation.property_dependencies["validationRecordFqdns"] == [rec.one(RECORD, "web-cert-dns").urn]


def test_the_https_listener_waits_for_the_issued_certificate(rec: Recording) -> None:
    https = rec.one(LISTENER, "web-https")
    validation = rec.one(VALIDATION, "web-cert-validation")
    assert https.inputs["certificateArn"] == rec.one(CERTIFICATE, "web-cert").outputs["arn"]
    assert https.property_dependencies["certificateArn"] == [validation.urn], (
        "the listener must take the ARN from CertificateValidation, so it never gets an unissued certificate"
    )


def test_an_alias_record_points_the_name_at_the_alb_and_the_url_uses_the_name(rec: Recording) -> None:
    alb = rec.one(ALB, "web-alb")
    alias = rec.one(RECORD, "web-alias").inputs
    assert (alias["name"], alias["type"]) == ("app.example.com", "A")
    assert alias["zoneId"] == rec.one(RECORD, "web-cert-dns").inputs["zoneId"]
    (target,) = alias["aliases"]
    assert (target["name"], target["zoneId"]) == (alb.outputs["dnsName"], alb.outputs["zoneId"])
    assert target["evaluateTargetHealth"] is True
    assert rec.outputs["url"] == "https://app.example.com"


def test_a_non_default_https_port_is_in_the_url() -> None:
    assert with_domain(https_port=8443).outputs["url"] == "https://app.example.com:8443"


def test_a_zone_the_account_does_not_hold_fails_before_any_resource() -> None:
    errors: list[InvalidArgument] = []

    def program() -> None:
        try:
            service(domain=DomainArgs(name="app.example.com", hosted_zone="example.com"))
        except InvalidArgument as err:
            errors.append(err)

    rec = synthesize(program, hosted_zones={"example.org"})
    (err,) = errors
    assert err.field == "domain.hosted_zone"
    assert "'example.com' is not a public Route 53 hosted zone" in err.problem
    assert "no matching Route 53 Hosted Zone found" in err.problem
    assert [r.type for r in rec.registrations] == ["fargatelb:index:LoadBalancedFargateService"], (
        "nothing may be created before the zone is known"
    )
