"""What tasks in private subnets can reach: this region's ECR, Secrets Manager and SSM through the
VPC's endpoints, and the internet only through NAT and only for a service that asks for it
(`internetEgress: true`). An image or secret elsewhere is refused with the ways out named; the
secrets' endpoints are added to the network (stated once, in the services' `secrets`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from fargatelb import PrivateNetworkArgs
from fargatelb.arns import parse_secret_arn
from fargatelb.network import secret_endpoints

from .keys import PROJECT, ConfigError, config_key

_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


def _egress_key(section: str) -> str:
    return config_key(section, "internet_egress")


def check_image_reachable(section: str, field: str, image: str, region: str, nat: bool, egress: bool = False) -> None:
    """Tasks in private subnets reach this region's ECR through the endpoints; anything else only
    through NAT, with the service's internet egress."""
    match = _ECR_IMAGE.match(image)
    if (match and match["region"] == region) or (nat and egress):
        return
    where = f"ECR in {match['region']}" if match else "a registry outside ECR"
    key = config_key(section, field)
    if nat:
        raise ConfigError(
            f"{key}: {image!r} is in {where}, which the tasks reach only through NAT, and {section} has no internet "
            f"egress. Either set {_egress_key(section)}: true (HTTPS to the internet for this service's tasks), "
            f"or remove {key} so `pulumi up` builds the image from app/ and pushes it to ECR in {region}."
        )
    raise ConfigError(
        f"{key}: {image!r} is in {where}, which tasks in private subnets with {PROJECT}:network.natStrategy 'none' "
        f"can't reach. Either remove {key} so `pulumi up` builds the image from app/ and pushes it to ECR in "
        f"{region}, or set {PROJECT}:network.natStrategy to 'single' or 'per_az'."
    )


def check_secret_reachable(section: str, name: str, arn: str, region: str, nat: bool, egress: bool = False) -> None:
    """Tasks reach Secrets Manager and SSM of this region through its endpoints; another region's only
    through NAT, with the service's internet egress."""
    if (nat and egress) or not isinstance(arn, str):
        return
    parsed = parse_secret_arn("", "", arn)
    if parsed.region != region:
        kind = {"secretsmanager": "a Secrets Manager secret", "ssm": "an SSM parameter"}[parsed.service]
        if nat:
            raise ConfigError(
                f"{PROJECT}:{section}.secrets.{name}: is {kind} in {parsed.region}, which the tasks reach only "
                f"through NAT, and {section} has no internet egress: set {_egress_key(section)}: true, or use a "
                f"copy of the secret in {region}."
            )
        raise ConfigError(
            f"{PROJECT}:{section}.secrets.{name}: is {kind} in {parsed.region}, which tasks in "
            f"private subnets with {PROJECT}:network.natStrategy 'none' can't reach (the VPC's endpoints are in "
            f"{region}); use a copy of the secret in {region}, or set {PROJECT}:network.natStrategy to 'single' "
            "or 'per_az'."
        )


def check_reachable(services: Iterable[tuple[str, dict[str, Any]]], region: str, nat: bool) -> None:
    """Every image a stack names and every secret it reads, for each (config section, kwargs); and
    internet egress only where NAT can carry it."""
    for section, kwargs in services:
        egress = bool(kwargs.get("internet_egress"))
        if egress and not nat:
            raise ConfigError(
                f"{_egress_key(section)}: is true, but {PROJECT}:network.natStrategy is 'none': there is no NAT "
                f"gateway to reach the internet through. Set {PROJECT}:network.natStrategy to 'single' or 'per_az', "
                "or remove internetEgress."
            )
        for field in ("image", "health_check_image"):
            image = kwargs.get(field)
            if isinstance(image, str):
                check_image_reachable(section, field, image, region, nat, egress)
        for name, arn in (kwargs.get("secrets") or {}).items():
            check_secret_reachable(section, name, arn, region, nat, egress)


def with_secret_endpoints(network: PrivateNetworkArgs, services: Iterable[dict[str, Any]]) -> PrivateNetworkArgs:
    """Without NAT, tasks read their `secrets` through the secretsmanager/ssm endpoints: the network
    gets the ones the services' secrets need."""
    arns = [arn for kwargs in services for arn in (kwargs.get("secrets") or {}).values()]
    needed = [e for e in secret_endpoints(arns) if e not in (network.extra_interface_endpoints or [])]
    if not needed:
        return network
    return dataclasses.replace(network, extra_interface_endpoints=[*(network.extra_interface_endpoints or []), *needed])
