"""Every stack setting, parsed and validated in one place before any resource is created.

The stack file (`Pulumi.<stack>.yaml`) holds one object per component under the project's
namespace, keyed like the component's Args in camelCase:

    fargate-lb:network: {azCount: 2, natStrategy: none}
    fargate-lb:web:     {containerPort: 8080, scaling: {minCount: 1, maxCount: 3}}
    fargate-lb:udp:     {udpPort: 1234, healthCheck: {port: 8080}}

Validation is the components' own (`resolve_*_args`), run here first, so a bad value fails with the
config key that holds it (`fargate-lb:web.scaling.minCount`) and no half-built stack is left behind.
"""

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from fargatelb import (
    InvalidArgument,
    LoadBalancedFargateServiceArgs,
    NatStrategy,
    PrivateNetworkArgs,
    UdpNlbServiceArgs,
)
from fargatelb._args import camel, from_mapping
from fargatelb.network import resolve_network_args, secret_endpoints
from fargatelb.udp import resolve_udp_args
from fargatelb.web import resolve_web_args

PROJECT = "fargate-lb"
SECTIONS = ("network", "web", "udp", "images")
PLATFORMS = {"linux/amd64": "X86_64", "linux/arm64": "ARM64"}

# The program wires these from PrivateNetwork's outputs; a stack file can't set them.
WIRED_BY_PROGRAM = (
    "vpc_id",
    "vpc_cidr",
    "public_subnet_ids",
    "private_subnet_ids",
    "endpoint_security_group_id",
    "s3_prefix_list_id",
    "cpu_architecture",
    "internet_egress",
)
# Images are built from app/<name> unless the stack names one; validation sees a placeholder.
_PLACEHOLDERS: dict[str, Any] = {
    "vpc_id": "vpc-from-network",
    "vpc_cidr": "10.0.0.0/16",
    "public_subnet_ids": [],
    "private_subnet_ids": [],
    "endpoint_security_group_id": "sg-from-network",
    "s3_prefix_list_id": "pl-from-network",
    "image": "built-by-pulumi-up",
    "health_check_image": "built-by-pulumi-up",
}
_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/")


class ConfigError(pulumi.RunError, ValueError):
    """A stack setting is missing or invalid. Pulumi reports a RunError without a traceback."""


@dataclass(frozen=True)
class ImagesConfig:
    platform: str
    """Docker platform images are built for, `linux/amd64` or `linux/arm64`."""

    @property
    def cpu_architecture(self) -> str:
        return PLATFORMS[self.platform]


@dataclass(frozen=True)
class StackConfig:
    region: str
    network: PrivateNetworkArgs
    images: ImagesConfig
    web: dict[str, Any] | None
    """Keyword arguments for LoadBalancedFargateServiceArgs, less what the program wires."""
    udp: dict[str, Any] | None
    """Keyword arguments for UdpNlbServiceArgs, less what the program wires."""


def _config_key(section: str, field: str) -> str:
    parts = []
    for segment in field.split("."):
        name, bracket, rest = segment.partition("[")
        parts.append((camel(name) if name.islower() else name) + bracket + rest)
    return f"{PROJECT}:{section}." + ".".join(parts)


def _relabel(section: str, err: InvalidArgument) -> ConfigError:
    # Name fields in the problem text as the stack file spells them, too.
    problem = re.sub(r"(?<!')\b[a-z]+(?:_[a-z]+)+\b(?!')", lambda m: camel(m.group(0)), err.problem)
    return ConfigError(f"{_config_key(section, err.field)}: {problem}")


def _section(raw: Mapping[str, Any], section: str) -> Mapping[str, Any] | None:
    value = raw.get(f"{PROJECT}:{section}")
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError(f"{PROJECT}:{section}: must be an object of settings, got {value!r}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(f"{PROJECT}:{section}: must be an object of settings, got {value!r}")
    return value


def _service_kwargs(section: str, raw: Mapping[str, Any], cls: type, resolve: Any) -> dict[str, Any]:
    try:
        args = from_mapping(cls, {**raw}, owner=cls.__name__, excluded=WIRED_BY_PROGRAM, build=False)
        fields = {f.name for f in dataclasses.fields(cls)}
        placeholders = {k: v for k, v in _PLACEHOLDERS.items() if k in fields}
        resolve(section, cls(**{**placeholders, **args}))
    except InvalidArgument as err:
        raise _relabel(section, err) from None
    return args


def parse(raw: Mapping[str, Any]) -> StackConfig:
    """Parse a stack's whole config (keys `namespace:key`, values as Pulumi stores them)."""
    unknown = sorted(k for k in raw if k.startswith(f"{PROJECT}:") and k.split(":", 1)[1] not in SECTIONS)
    if unknown:
        allowed = ", ".join(f"{PROJECT}:{s}" for s in SECTIONS)
        raise ConfigError(f"{unknown[0]}: is not a setting of this program; allowed: {allowed}")
    region = raw.get("aws:region")
    if not region:
        raise ConfigError(
            "aws:region: is required: the region to deploy to, e.g. `pulumi config set aws:region eu-west-1`"
        )

    try:
        network = from_mapping(PrivateNetworkArgs, _section(raw, "network") or {})
        network_settings = resolve_network_args(network)
    except InvalidArgument as err:
        raise _relabel("network", err) from None

    images_raw = dict(_section(raw, "images") or {})
    platform = images_raw.pop("platform", "linux/amd64")
    if images_raw:
        raise ConfigError(f"{PROJECT}:images.{next(iter(images_raw))}: is not a known setting; allowed: platform")
    if platform not in PLATFORMS:
        raise ConfigError(f"{PROJECT}:images.platform: must be one of {', '.join(PLATFORMS)}, got {platform!r}")

    web_raw, udp_raw = _section(raw, "web"), _section(raw, "udp")
    web = (
        _service_kwargs("web", web_raw, LoadBalancedFargateServiceArgs, resolve_web_args)
        if web_raw is not None
        else None
    )
    udp = _service_kwargs("udp", udp_raw, UdpNlbServiceArgs, resolve_udp_args) if udp_raw is not None else None

    if web is not None and network_settings.az_count < 2:
        raise ConfigError(
            f"{PROJECT}:network.azCount: must be at least 2 when {PROJECT}:web is set: an ALB needs subnets "
            f"in two availability zones, got {network_settings.az_count}"
        )
    nat = network_settings.nat_strategy is not NatStrategy.NONE
    for section, kwargs, fields in (("web", web, ("image",)), ("udp", udp, ("image", "health_check_image"))):
        for field in fields:
            image = (kwargs or {}).get(field)
            if image is not None:
                _check_image_reachable(section, field, image, region, nat)
    if not nat:
        network = _with_secret_endpoints(network, [web, udp])
    return StackConfig(region=region, network=network, images=ImagesConfig(platform), web=web, udp=udp)


def _with_secret_endpoints(network: PrivateNetworkArgs, services: list[dict[str, Any] | None]) -> PrivateNetworkArgs:
    """Without NAT, tasks read their `secrets` through the secretsmanager/ssm endpoints: the network
    gets the ones the services' secrets need (stated once, in the services' `secrets`)."""
    arns = [arn for kwargs in services for arn in ((kwargs or {}).get("secrets") or {}).values()]
    needed = [e for e in secret_endpoints(arns) if e not in (network.extra_interface_endpoints or [])]
    if not needed:
        return network
    return dataclasses.replace(network, extra_interface_endpoints=[*(network.extra_interface_endpoints or []), *needed])


def _check_image_reachable(section: str, field: str, image: str, region: str, nat: bool) -> None:
    """Tasks in private subnets without NAT reach only this region's ECR, through the endpoints."""
    if nat:
        return
    match = _ECR_IMAGE.match(image)
    if match and match["region"] == region:
        return
    where = f"ECR in {match['region']}" if match else "a registry outside ECR"
    raise ConfigError(
        f"{_config_key(section, field)}: {image!r} is in {where}, which tasks in private subnets with "
        f"{PROJECT}:network.natStrategy 'none' can't reach. Either remove {_config_key(section, field)} so "
        f"`pulumi up` builds the image from app/ and pushes it to ECR in {region}, or set "
        f"{PROJECT}:network.natStrategy to 'single' or 'per_az'."
    )


def load() -> StackConfig:
    """Parse the running stack's config."""
    # pulumi.Config reads one key at a time; listing the namespace is what catches a misspelt section.
    return parse(dict(runtime_config.CONFIG.get()))
