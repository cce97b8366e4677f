"""Every stack setting, parsed and validated in one place before any resource is created.

The stack file (`Pulumi.<stack>.yaml`) holds one object per component under the project's
namespace, keyed like the component's Args in camelCase:

    fargate-lb:network: {azCount: 2, natStrategy: none}
    fargate-lb:web:     {containerPort: 8080, scaling: {minCount: 1, maxCount: 3}}
    fargate-lb:udp:     {udpPort: 1234, healthCheck: {port: 8080}}

Validation is the components' own (`resolve_*_args`), run here first, so a bad value fails with the
file and the config key that holds it (`Pulumi.dev.yaml: fargate-lb:web.scaling.minCount: ...`) and
no half-built stack is left behind. Every key must be in a namespace the program reads: the
project's, `aws` (the provider's own settings, as the installed pulumi-aws declares them) or
`pulumi`.

Offline or real: the program runs either under the Pulumi CLI (real: `load()` also asks AWS, through
invokes, whether a certificate is the caller's and a hosted zone exists) or under the offline
preview, whose runner marks the run with `fargatelb.offline.offline_run(...)`; nothing is guessed
from the environment. The difference that matters is a stack that declares `https: true` but
leaves the certificate to each deployer (the committed prod stack): a real run refuses it, naming
the keys and the `pulumi config set` commands; an offline run previews it with a labelled stand-in
certificate, reported through the marker's stand-in hook (the preview prints it under the
verdict) and kept in `StackConfig.stand_ins`.
"""

import dataclasses
import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
from fargatelb._args import camel, check_tags, from_mapping
from fargatelb.arns import parse_certificate_arn, parse_secret_arn
from fargatelb.cost import CostAssumptions
from fargatelb.network import resolve_network_args, secret_endpoints
from fargatelb.offline import OfflineRun, StandIn, current, offline_run  # noqa: F401 (re-exported)
from fargatelb.regions import region_problem, zone_count_of
from fargatelb.udp import resolve_udp_args
from fargatelb.web import resolve_web_args

PROJECT = "fargate-lb"
SECTIONS = ("network", "web", "udp", "images", "cost")
NAMESPACES = (PROJECT, "aws", "pulumi")
# The engine's own settings (Pulumi docs: Configuration; `pulumi:disable-default-providers`, PR #8829).
PULUMI_KEYS = ("tags", "autonaming", "disable-default-providers")
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
# The certificate an offline preview stands in for a deployer's own (the mocks' account).
STAND_IN_CERTIFICATE_ID = "00000000-0000-0000-0000-000000000000"


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
    source: str = "the stack's config"
    """The stack file the config came from, as errors name it."""
    stand_ins: tuple[StandIn, ...] = ()
    """Values an offline run supplied that a real preview needs from the deployer. Empty in a real run."""
    unresolved_environments: tuple[str, ...] = ()
    """ESC environments the stack imports that an offline run couldn't read: values they set are
    checked only by a real preview."""
    cost: CostAssumptions = dataclasses.field(default_factory=CostAssumptions)
    """`fargate-lb:cost`: the traffic the monthly estimate assumes (the offline preview prices with it)."""


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


@contextmanager
def relabelled(section: str) -> Iterator[None]:
    """Report a component's argument error as the config key that set it, without a traceback."""
    try:
        yield
    except InvalidArgument as err:
        run = current()
        raise ConfigError(f"{run.source if run else _stack_file()}: {_relabel(section, err)}") from None


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


# --- namespaces -----------------------------------------------------------------------------------


@functools.cache
def aws_provider_keys() -> frozenset[str]:
    """The AWS provider's config keys (`region`, `profile`, `defaultTags`, ...), read from the installed
    pulumi-aws: its `pulumi_aws.config` module declares one property per key. Loading it costs ~3 ms
    once pulumi_aws is imported (the program imports it anyway); no value is read."""
    import importlib

    module = importlib.import_module("pulumi_aws.config")
    exportable = module._ExportableConfig  # the lazy module loads without reading any config value
    return frozenset(camel(name) for name, attr in vars(exportable).items() if isinstance(attr, property))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _check_namespaces(raw: Mapping[str, Any]) -> None:
    for key in sorted(raw):
        namespace, colon, name = key.partition(":")
        if not colon:
            namespace, name = PROJECT, key
        if namespace == PROJECT:
            if name not in SECTIONS:
                allowed = ", ".join(f"{PROJECT}:{s}" for s in SECTIONS)
                close = difflib.get_close_matches(name, SECTIONS, n=1, cutoff=0.6)
                hint = f"; did you mean {PROJECT}:{close[0]}?" if close else ""
                raise ConfigError(f"{key}: is not a setting of this program (allowed: {allowed}){hint}")
        elif namespace == "aws":
            known = aws_provider_keys()
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f"; did you mean aws:{close[0]}?" if close else ""
                raise ConfigError(
                    f"{key}: is not a setting of the AWS provider{hint} (pulumi-aws declares {len(known)}: "
                    f"{', '.join(sorted(known))})"
                )
        elif namespace == "pulumi":
            if name not in PULUMI_KEYS:
                raise ConfigError(
                    f"{key}: is not a Pulumi setting this program knows (allowed: "
                    f"{', '.join('pulumi:' + k for k in PULUMI_KEYS)})"
                )
        else:
            looks_ours = _squash(namespace) in (_squash(PROJECT), "fargate", "fargatelbs") or (
                difflib.SequenceMatcher(None, _squash(namespace), _squash(PROJECT)).ratio() >= 0.75
            )
            if looks_ours:
                raise ConfigError(
                    f"{key}: namespace {namespace!r} is not this project's; did you mean {PROJECT}:{name}? "
                    f"(a key in another namespace is never read, so the whole setting would be ignored)"
                )
            close = difflib.get_close_matches(namespace.lower(), NAMESPACES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}:{name}?" if close else ""
            raise ConfigError(
                f"{key}: namespace {namespace!r} is not one this program reads (allowed: "
                f"{', '.join(NAMESPACES)}; a key with no namespace is {PROJECT}'s){hint}"
            )


def _object(raw: Mapping[str, Any], key: str) -> Any:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_engine_settings(raw: Mapping[str, Any]) -> None:
    if "pulumi:tags" in raw:
        tags = _object(raw, "pulumi:tags")
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise ConfigError(f"pulumi:tags: must be an object of stack tag names to strings, got {tags!r}")
    if "pulumi:disable-default-providers" in raw:
        disabled = _object(raw, "pulumi:disable-default-providers")
        if isinstance(disabled, str):
            disabled = [disabled]
        if not isinstance(disabled, list) or {"aws", "*"} & set(map(str, disabled)):
            raise ConfigError(
                f"pulumi:disable-default-providers: {disabled!r} disables the aws provider the components create "
                "every resource with; remove aws (and *) from it"
            )
    if "aws:defaultTags" in raw:
        default_tags = _object(raw, "aws:defaultTags")
        if not isinstance(default_tags, dict) or set(default_tags) - {"tags"}:
            raise ConfigError(f"aws:defaultTags: must be an object {{tags: {{name: value}}}}, got {default_tags!r}")
        try:
            check_tags("aws", "defaultTags.tags", default_tags.get("tags"))
        except InvalidArgument as err:
            raise ConfigError(f"aws:{err.field}: {err.problem}") from None


# --- the whole config -------------------------------------------------------------------------------


def _certificate_commands(source: str, region: str) -> tuple[str, ...]:
    web = f"{PROJECT}:web"
    match = re.fullmatch(r"(?:.*/)?Pulumi\.(.+)\.ya?ml", source)
    set_ = f"pulumi config set --stack {match[1]}" if match else "pulumi config set"
    return (
        f"{set_} --path '{web}.domain.name' app.example.com && {set_} --path '{web}.domain.hostedZone' example.com",
        f"{set_} --path '{web}.certificateArn' arn:aws:acm:{region}:<your account>:certificate/<id>",
    )


def _https_without_certificate(source: str, region: str) -> ConfigError:
    commands = _certificate_commands(source, region)
    return ConfigError(
        f"{source}: {PROJECT}:web.https: is true, but the stack names no certificate "
        f"({PROJECT}:web.domain or {PROJECT}:web.certificateArn): each deployer supplies their own. Either serve "
        f"the service at a name in a public Route 53 zone of your account (the stack requests and validates the "
        f"certificate and adds the alias record):\n    {commands[0]}\nor use an ACM certificate of your account "
        f"in {region}:\n    {commands[1]}\n(or put the values in a Pulumi ESC environment the stack imports)"
    )


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


def _parse(raw: Mapping[str, Any], source: str, offline: OfflineRun | None) -> StackConfig:
    _check_namespaces(raw)
    region = raw.get("aws:region")
    environments = offline.environments if offline else ()
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
    _check_engine_settings(raw)

    try:
        network = from_mapping(PrivateNetworkArgs, _section(raw, "network") or {})
        network_settings = resolve_network_args(network)
    except InvalidArgument as err:
        raise _relabel("network", err) from None
    zones = zone_count_of(region)
    if network_settings.az_count > zones:
        raise ConfigError(
            f"{PROJECT}:network.azCount: {region} offers {zones} availability zones to a new account, so azCount "
            f"must be from 1 to {zones}, got {network_settings.az_count}"
        )

    try:
        cost = CostAssumptions.from_mapping(_section(raw, "cost") or {}, section=f"{PROJECT}:cost")
    except ValueError as err:
        raise ConfigError(str(err)) from None

    images_raw = dict(_section(raw, "images") or {})
    platform = images_raw.pop("platform", "linux/amd64")
    if images_raw:
        raise ConfigError(f"{PROJECT}:images.{next(iter(images_raw))}: is not a known setting; allowed: platform")
    if platform not in PLATFORMS:
        raise ConfigError(f"{PROJECT}:images.platform: must be one of {', '.join(PLATFORMS)}, got {platform!r}")

    stand_ins: list[StandIn] = []
    web_raw, udp_raw = _section(raw, "web"), _section(raw, "udp")
    for section, section_raw in (("web", web_raw), ("udp", udp_raw)):
        for key in ("image", "healthCheckImage"):
            if section_raw is not None and section_raw.get(key) == "":
                raise ConfigError(
                    f"{PROJECT}:{section}.{key}: is empty; name an image URI, or remove the key so `pulumi up` "
                    f"builds it from app/ and pushes it to ECR in {region}"
                )
    if web_raw is not None and web_raw.get("https") is True:
        sources = [
            k for k in ("domain", "certificateArn", "selfSignedCertificate") if web_raw.get(k) not in (None, False)
        ]
        if not sources:
            if offline is None:
                raise _https_without_certificate(source, region)
            from fargatelb.mocks import ACCOUNT_ID

            arn = f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{STAND_IN_CERTIFICATE_ID}"
            web_raw = {**web_raw, "certificateArn": arn}
            stand_ins.append(
                offline.stand_in(
                    key=f"{PROJECT}:web.certificateArn",
                    value=arn,
                    reason=f"{source} sets {PROJECT}:web.https: true and leaves the certificate to each deployer"
                    + (f" (or to ESC environment {', '.join(environments)})" if environments else ""),
                    commands=_certificate_commands(source, region),
                )
            )
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
    for section, kwargs in (("web", web), ("udp", udp)):
        for name, arn in ((kwargs or {}).get("secrets") or {}).items():
            _check_secret_reachable(section, name, arn, region, nat)
    certificate = (web or {}).get("certificate_arn")
    if isinstance(certificate, str):
        arn_region = parse_certificate_arn("", "", certificate).region
        if arn_region != region:
            raise ConfigError(
                f"{PROJECT}:web.certificateArn: is in {arn_region}, but the stack deploys to {region}: an ALB can "
                f"only use an ACM certificate of its own region; request or import one in {region}"
            )
    if not nat:
        network = _with_secret_endpoints(network, [web, udp])
    return StackConfig(
        region=region,
        network=network,
        images=ImagesConfig(platform),
        cost=cost,
        web=web,
        udp=udp,
        source=source,
        stand_ins=tuple(stand_ins),
        unresolved_environments=environments,
    )


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


def _check_secret_reachable(section: str, name: str, arn: str, region: str, nat: bool) -> None:
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


# --- the running program ----------------------------------------------------------------------------


def _stack_file() -> str:
    return f"Pulumi.{pulumi.get_stack()}.yaml"


def load() -> StackConfig:
    """Parse the running stack's config; in a real run, also check with AWS what only AWS knows."""
    # pulumi.Config reads one key at a time; listing the whole config is what catches a misspelt key.
    mode = current()
    source = mode.source if mode else _stack_file()
    config = parse(dict(runtime_config.CONFIG.get()), source=source, offline=mode)
    if mode is None:
        check_with_aws(config)
    return config


def check_with_aws(config: StackConfig) -> None:
    """The checks a real `pulumi preview` makes through invokes, before any resource is created:
    a certificate ARN must be the caller's account's, and a domain's hosted zone must exist."""
    web = config.web or {}
    certificate = web.get("certificate_arn")
    if isinstance(certificate, str):
        import pulumi_aws as aws

        account = aws.get_caller_identity().account_id
        owner = parse_certificate_arn("", "", certificate).account
        if owner != account:
            raise ConfigError(
                f"{config.source}: {PROJECT}:web.certificateArn: belongs to account {owner}, but these credentials "
                f"are account {account}'s: an ALB can only use an ACM certificate of its own account. Set one of "
                f"yours: pulumi config set --path '{PROJECT}:web.certificateArn' "
                f"arn:aws:acm:{config.region}:{account}:certificate/<id>"
            )
    domain = web.get("domain")
    if domain is not None:
        from fargatelb._domain import hosted_zone_id
        from fargatelb.web import resolve_domain

        try:
            hosted_zone_id("", resolve_domain("", domain).hosted_zone, None)
        except InvalidArgument as err:
            raise ConfigError(f"{config.source}: {PROJECT}:web.domain.hostedZone: {err.problem}") from None
