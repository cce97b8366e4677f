"""The certificate of a stack that serves HTTPS: from the stack file, from each deployer (prod), or,
offline, a labelled stand-in. And the checks only AWS can answer, made by a real run before any
resource exists: a certificate ARN is the caller's account's, a domain's hosted zone exists."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fargatelb import InvalidArgument
from fargatelb.arns import parse_certificate_arn

from .keys import PROJECT, ConfigError
from .mode import OfflineRun, StandIn

# The certificate an offline preview stands in for a deployer's own (the mocks' account).
STAND_IN_CERTIFICATE_ID = "00000000-0000-0000-0000-000000000000"
_SOURCES = ("domain", "certificateArn", "selfSignedCertificate")


def certificate_commands(section: str, source: str, region: str) -> tuple[str, ...]:
    key = f"{PROJECT}:{section}"
    match = re.fullmatch(r"(?:.*/)?Pulumi\.(.+)\.ya?ml", source)
    set_ = f"pulumi config set --stack {match[1]}" if match else "pulumi config set"
    return (
        f"{set_} --path '{key}.domain.name' app.example.com && {set_} --path '{key}.domain.hostedZone' example.com",
        f"{set_} --path '{key}.certificateArn' arn:aws:acm:{region}:<your account>:certificate/<id>",
    )


def https_without_certificate(section: str, source: str, region: str) -> ConfigError:
    commands = certificate_commands(section, source, region)
    key = f"{PROJECT}:{section}"
    return ConfigError(
        f"{source}: {key}.https: is true, but the stack names no certificate ({key}.domain or {key}.certificateArn): "
        f"each deployer supplies their own. Either serve the service at a name in a public Route 53 zone of your "
        f"account (the stack requests and validates the certificate and adds the alias record):\n    {commands[0]}"
        f"\nor use an ACM certificate of your account in {region}:\n    {commands[1]}\n(or put the values in a "
        "Pulumi ESC environment the stack imports)"
    )


def with_certificate(
    section: str, raw: Mapping[str, Any], source: str, region: str, offline: OfflineRun | None, stand_ins: list[StandIn]
) -> Mapping[str, Any]:
    """The section, with a stand-in certificate offline when it declares `https: true` and leaves
    the certificate to each deployer; a real run refuses that."""
    if raw.get("https") is not True or any(raw.get(k) not in (None, False) for k in _SOURCES):
        return raw
    if offline is None:
        raise https_without_certificate(section, source, region)
    from fargatelb.mocks import ACCOUNT_ID

    arn = f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{STAND_IN_CERTIFICATE_ID}"
    environments = offline.environments
    stand_ins.append(
        offline.stand_in(
            key=f"{PROJECT}:{section}.certificateArn",
            value=arn,
            reason=f"{source} sets {PROJECT}:{section}.https: true and leaves the certificate to each deployer"
            + (f" (or to ESC environment {', '.join(environments)})" if environments else ""),
            commands=certificate_commands(section, source, region),
        )
    )
    return {**raw, "certificateArn": arn}


def check_certificate_region(section: str, kwargs: Mapping[str, Any], region: str) -> None:
    certificate = kwargs.get("certificate_arn")
    if isinstance(certificate, str):
        arn_region = parse_certificate_arn("", "", certificate).region
        if arn_region != region:
            raise ConfigError(
                f"{PROJECT}:{section}.certificateArn: is in {arn_region}, but the stack deploys to {region}: an ALB "
                f"can only use an ACM certificate of its own region; request or import one in {region}"
            )


def check_with_aws(section: str, kwargs: Mapping[str, Any], source: str, region: str) -> None:
    """The checks a real `pulumi preview` makes through invokes, before any resource is created:
    a certificate ARN must be the caller's account's, and a domain's hosted zone must exist."""
    certificate = kwargs.get("certificate_arn")
    if isinstance(certificate, str):
        import pulumi_aws as aws

        account = aws.get_caller_identity().account_id
        owner = parse_certificate_arn("", "", certificate).account
        if owner != account:
            raise ConfigError(
                f"{source}: {PROJECT}:{section}.certificateArn: belongs to account {owner}, but these credentials "
                f"are account {account}'s: an ALB can only use an ACM certificate of its own account. Set one of "
                f"yours: pulumi config set --path '{PROJECT}:{section}.certificateArn' "
                f"arn:aws:acm:{region}:{account}:certificate/<id>"
            )
    domain = kwargs.get("domain")
    if domain is not None:
        from fargatelb._alb import resolve_domain
        from fargatelb._domain import hosted_zone_id

        try:
            hosted_zone_id("", resolve_domain("", domain).hosted_zone, None)
        except InvalidArgument as err:
            raise ConfigError(f"{source}: {PROJECT}:{section}.domain.hostedZone: {err.problem}") from None
