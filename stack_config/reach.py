"""What tasks in private subnets can reach without NAT: only this region's ECR, Secrets Manager and
SSM, through the VPC's endpoints. An image or secret elsewhere is refused with both ways out named;
the secrets' endpoints are added to the network (stated once, in the services' `secrets`)."""

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


def check_image_reachable(section: str, field: str, image: str, region: str, nat: bool) -> None:
    """Tasks in private subnets without NAT reach only this region's ECR, through the endpoints."""
    if nat:
        return
    match = _ECR_IMAGE.match(image)
    if match and match["region"] == region:
        return
    where = f"ECR in {match['region']}" if match else "a registry outside ECR"
    key = config_key(section, field)
    raise ConfigError(
        f"{key}: {image!r} is in {where}, which tasks in private subnets with {PROJECT}:network.natStrategy 'none' "
        f"can't reach. Either remove {key} so `pulumi up` builds the image from app/ and pushes it to ECR in "
        f"{region}, or set {PROJECT}:network.natStrategy to 'single' or 'per_az'."
    )


def check_secret_reachable(section: str, name: str, arn: str, region: str, nat: bool) -> None:
    """Without NAT, tasks reach Secrets Manager and SSM only through this region's endpoints."""
    if nat or not isinstance(arn, str):
        return
    parsed = parse_secret_arn("", "", arn)
    if parsed.region != region:
        kind = {"secretsmanager": "a Secrets Manager secret", "ssm": "an SSM parameter"}[parsed.service]
        raise ConfigError(
            f"{PROJECT}:{section}.secrets.{name}: is {kind} in {parsed.region}, which tasks in "
            f"private subnets with {PROJECT}:network.natStrategy 'none' can't reach (the VPC's endpoints are in "
            f"{region}); use a copy of the secret in {region}, or set {PROJECT}:network.natStrategy to 'single' "
            "or 'per_az'."
        )


def check_reachable(services: Iterable[tuple[str, dict[str, Any]]], region: str, nat: bool) -> None:
    """Every image a stack names and every secret it reads, for each (config section, kwargs)."""
    for section, kwargs in services:
        for field in ("image", "health_check_image"):
            image = kwargs.get(field)
            if isinstance(image, str):
                check_image_reachable(section, field, image, region, nat)
        for name, arn in (kwargs.get("secrets") or {}).items():
            check_secret_reachable(section, name, arn, region, nat)


def with_secret_endpoints(network: PrivateNetworkArgs, services: Iterable[dict[str, Any]]) -> PrivateNetworkArgs:
    """Without NAT, tasks read their `secrets` through the secretsmanager/ssm endpoints: the network
    gets the ones the services' secrets need."""
    arns = [arn for kwargs in services for arn in (kwargs.get("secrets") or {}).values()]
    needed = [e for e in secret_endpoints(arns) if e not in (network.extra_interface_endpoints or [])]
    if not needed:
        return network
    return dataclasses.replace(network, extra_interface_endpoints=[*(network.extra_interface_endpoints or []), *needed])
