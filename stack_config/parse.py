"""The whole config, parsed in one pass: namespaces, region, network, images, the services, then
what spans them (zones for an ALB, images and secrets reachable without NAT, the secrets'
endpoints), before any resource is created."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import config as runtime_config

from fargatelb import InvalidArgument, NatStrategy, PrivateNetworkArgs
from fargatelb._args import from_mapping
from fargatelb.cost import CostAssumptions
from fargatelb.network import resolve_network_args
from fargatelb.regions import region_problem, zone_count_of

from . import mode, production
from .keys import PROJECT, ConfigError, relabel, section, stack_file
from .mode import OfflineRun, StandIn
from .namespaces import check_engine_settings, check_namespaces
from .production import Profile
from .reach import check_reachable, with_secret_endpoints
from .services import ServiceConfig, parse_alb, parse_services, parse_udp, parse_web
from .tls import check_certificate_region, check_with_aws, with_certificate

PLATFORMS = {"linux/amd64": "X86_64", "linux/arm64": "ARM64"}


@dataclass(frozen=True)
class ImagesConfig:
    """`fargate-lb:images`: how the images `pulumi up` builds are built and kept."""

    platform: str
    """Docker platform images are built for, `linux/amd64` or `linux/arm64`."""
    force_delete: bool = True
    """`forceDelete`: `pulumi destroy` deletes the ECR repositories with their images. Default true
    (throwaway stacks); production sets false."""
    protect: bool = False
    """`protect`: Pulumi `protect` on the repositories and their key. Default false."""
    encrypt_repositories: bool = False
    """`encryptRepositories`: one customer-managed KMS key for every repository the stack builds
    (Security Hub ECR.5). Default false: ECR's AES-256."""

    @property
    def cpu_architecture(self) -> str:
        return PLATFORMS[self.platform]


@dataclass(frozen=True)
class StackConfig:
    region: str
    network: PrivateNetworkArgs
    images: ImagesConfig
    web: dict[str, Any] | None
    """The one-service shorthand: keyword arguments for LoadBalancedFargateServiceArgs (its own ALB),
    less what the program wires."""
    udp: dict[str, Any] | None
    """Keyword arguments for UdpNlbServiceArgs, less what the program wires."""
    alb: dict[str, Any] | None = None
    """The shared ALB's keyword arguments (ApplicationLoadBalancerArgs less network), with `services`."""
    services: tuple[ServiceConfig, ...] = ()
    """The services on the shared ALB."""
    source: str = "the stack's config"
    """The stack file the config came from, as errors name it."""
    stand_ins: tuple[StandIn, ...] = ()
    """Values an offline run supplied that a real preview needs from the deployer. Empty in a real run."""
    unresolved_environments: tuple[str, ...] = ()
    """ESC environments the stack imports that an offline run couldn't read: values they set are
    checked only by a real preview."""
    cost: CostAssumptions = dataclasses.field(default_factory=CostAssumptions)
    """`fargate-lb:cost`: the traffic the monthly estimate assumes (the offline preview prices with it)."""
    production: Profile | None = None
    """The production profile the stack declares (its overrides and their reasons); None if it doesn't."""

    @property
    def calls(self) -> tuple[tuple[str, str], ...]:
        """(caller, callee) for every `calls` edge."""
        return tuple((s.name, callee) for s in self.services for callee in s.calls)


def parse(
    raw: Mapping[str, Any], *, source: str = "the stack's config", offline: OfflineRun | None = None
) -> StackConfig:
    """Parse a stack's whole config (keys `namespace:key`, values as Pulumi stores them).

    `source` names the stack file in every error. With `offline`, a certificate the stack leaves to
    the deployer is stood in for (and listed); without it, that is an error naming the keys.
    """
    try:
        return _parse(raw, source, offline)
    except ConfigError as err:
        message = str(err)
        raise ConfigError(message if message.startswith(source) else f"{source}: {message}") from None


def _region(raw: Mapping[str, Any], environments: tuple[str, ...]) -> str:
    region = raw.get("aws:region")
    if not region:
        also = (
            f" (the values of ESC environment {', '.join(environments)} are not read offline: set aws:region in "
            "the file itself)"
            if environments
            else ""
        )
        raise ConfigError(
            "aws:region: is required: the region to deploy to, e.g. `pulumi config set aws:region eu-west-1`" + also
        )
    problem = region_problem(region)
    if problem:
        raise ConfigError(f"aws:region: {problem}")
    return str(region)


_IMAGE_FLAGS = {"forceDelete": True, "protect": False, "encryptRepositories": False}


def _images(raw: Mapping[str, Any]) -> ImagesConfig:
    images_raw = dict(section(raw, "images") or {})
    platform = images_raw.pop("platform", "linux/amd64")
    flags = {key: images_raw.pop(key, fallback) for key, fallback in _IMAGE_FLAGS.items()}
    if images_raw:
        allowed = ", ".join(["platform", *_IMAGE_FLAGS])
        raise ConfigError(f"{PROJECT}:images.{next(iter(images_raw))}: is not a known setting; allowed: {allowed}")
    if platform not in PLATFORMS:
        raise ConfigError(f"{PROJECT}:images.platform: must be one of {', '.join(PLATFORMS)}, got {platform!r}")
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise ConfigError(f"{PROJECT}:images.{key}: must be true or false, got {value!r}")
    return ImagesConfig(platform, flags["forceDelete"], flags["protect"], flags["encryptRepositories"])


def _cost(raw: Mapping[str, Any]) -> CostAssumptions:
    try:
        return CostAssumptions.from_mapping(section(raw, "cost") or {}, section=f"{PROJECT}:cost")
    except ValueError as err:
        raise ConfigError(str(err)) from None


def _check_empty_images(raw: Mapping[str, Any], region: str) -> None:
    for name in ("web", "udp"):
        section_raw = section(raw, name) or {}
        for key in ("image", "healthCheckImage"):
            if section_raw.get(key) == "":
                raise ConfigError(
                    f"{PROJECT}:{name}.{key}: is empty; name an image URI, or remove the key so `pulumi up` "
                    f"builds it from app/ and pushes it to ECR in {region}"
                )


def _parse(raw: Mapping[str, Any], source: str, offline: OfflineRun | None) -> StackConfig:
    check_namespaces(raw)
    environments = offline.environments if offline else ()
    region = _region(raw, environments)
    check_engine_settings(raw)
    try:
        network = from_mapping(PrivateNetworkArgs, section(raw, "network") or {})
        network_settings = resolve_network_args(network)
    except InvalidArgument as err:
        raise relabel("network", err) from None
    zones = zone_count_of(region)
    if network_settings.az_count > zones:
        raise ConfigError(
            f"{PROJECT}:network.azCount: {region} offers {zones} availability zones to a new account, so azCount "
            f"must be from 1 to {zones}, got {network_settings.az_count}"
        )
    cost = _cost(raw)
    images = _images(raw)
    _check_empty_images(raw, region)

    stand_ins: list[StandIn] = []
    web_raw, alb_raw, services_raw = section(raw, "web"), section(raw, "alb"), section(raw, "services")
    if web_raw is not None and (services_raw is not None or alb_raw is not None):
        raise ConfigError(
            f"{PROJECT}:web: is the one-service shorthand (a service with its own ALB); this stack also sets "
            f"{PROJECT}:{'services' if services_raw is not None else 'alb'}. Move the web service into "
            f"{PROJECT}:services (with routing) or drop the shared ALB"
        )
    if alb_raw is not None and services_raw is None:
        raise ConfigError(f"{PROJECT}:alb: configures the ALB that {PROJECT}:services share; no services are set")
    web = alb = None
    if web_raw is not None:
        web = parse_web(with_certificate("web", web_raw, source, region, offline, stand_ins))
        check_certificate_region("web", web, region)
    services: tuple[ServiceConfig, ...] = ()
    if services_raw is not None:
        alb = parse_alb(with_certificate("alb", alb_raw or {}, source, region, offline, stand_ins))
        check_certificate_region("alb", alb, region)
        services = parse_services(services_raw)
    udp_raw = section(raw, "udp")
    udp = parse_udp(udp_raw) if udp_raw is not None else None
    if udp is not None and any(s.name == "udp" for s in services):
        # Both would be `<project>-<stack>-udp`: one task definition family, one set of alarm names.
        raise ConfigError(
            f"{PROJECT}:services.udp: shares its name with {PROJECT}:udp, the UDP service: rename the web service"
        )

    if (web is not None or services) and network_settings.az_count < 2:
        which = "web" if web is not None else "services"
        raise ConfigError(
            f"{PROJECT}:network.azCount: must be at least 2 when {PROJECT}:{which} is set: an ALB needs subnets "
            f"in two availability zones, got {network_settings.az_count}"
        )
    nat = network_settings.nat_strategy is not NatStrategy.NONE
    named = [("web", web), ("udp", udp), *((f"services.{s.name}", s.kwargs) for s in services)]
    present = [(name, kwargs) for name, kwargs in named if kwargs is not None]
    check_reachable(present, region, nat)
    # A service reads its secrets through NAT only if it may reach the internet; every other one needs
    # the secretsmanager/ssm endpoints.
    network = with_secret_endpoints(
        network, [kwargs for _, kwargs in present if not (nat and kwargs.get("internet_egress"))]
    )
    config = StackConfig(
        region=region,
        network=network,
        images=images,
        cost=cost,
        web=web,
        udp=udp,
        alb=alb,
        services=services,
        source=source,
        stand_ins=tuple(stand_ins),
        unresolved_environments=environments,
    )
    return dataclasses.replace(config, production=production.check(raw, config, source))


def load() -> StackConfig:
    """Parse the running stack's config; in a real run, also check with AWS what only AWS knows."""
    # pulumi.Config reads one key at a time; listing the whole config is what catches a misspelt key.
    offline = mode.current()
    source = offline.source if offline else stack_file()
    config = parse(dict(runtime_config.CONFIG.get()), source=source, offline=offline)
    if offline is None:
        for name, kwargs in (("web", config.web), ("alb", config.alb)):
            if kwargs is not None:
                check_with_aws(name, kwargs, config.source, config.region)
    return config
