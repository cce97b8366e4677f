"""The services a stack runs, as their components' keyword arguments, each validated by the component's
own `resolve_*_args` first (so a bad value names its config key before any resource exists):

- `fargate-lb:web`: the one-service shorthand, a web service with its own ALB;
- `fargate-lb:services` with `fargate-lb:alb`: many web services on one shared ALB, each routed by
  `routing` (hosts, paths, priority, or the default) and calling others by name with `calls`;
- `fargate-lb:udp`: the UDP service behind its NLB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fargatelb import (
    ApplicationLoadBalancerArgs,
    ClusterRef,
    InvalidArgument,
    LoadBalancedFargateServiceArgs,
    LoadBalancerRef,
    NetworkRef,
    UdpNlbServiceArgs,
)
from fargatelb._alb import ALB_FIELDS, AlbSettings, resolve_alb
from fargatelb._args import from_mapping
from fargatelb.calls import call_variable
from fargatelb.fargate import check_component_name
from fargatelb.routing import Route, listener_problems
from fargatelb.udp import UdpSettings, resolve_udp_args
from fargatelb.web import WebSettings, resolve_web_args

from .keys import PROJECT, ConfigError, config_key, relabel

# The program wires these from other components; a stack file can't set them.
WIRED_BY_PROGRAM = (
    "network", "cluster", "load_balancer", "discoverable", "cpu_architecture",
    "image_repository_force_delete", "image_repository_kms_key_arn", "image_repository_protect",  # fargate-lb:images
)  # fmt: skip
# What validation sees where the program wires a value (or `pulumi up` builds an image).
_NETWORK = NetworkRef("vpc-from-network", [], [], "sg-from-network", "pl-from-network", "10.0.0.0/16")
_PLACEHOLDERS: dict[str, Any] = {"network": _NETWORK, "image": "built-by-pulumi-up"}
_SHARED = LoadBalancerRef("listener-from-alb", "sg-from-alb", "app/alb/0", "http://alb")
_CLUSTER = ClusterRef("cluster-from-program", "cluster", "ns-from-program", "stack.internal")
APPS = Path(__file__).resolve().parent.parent / "app"


@dataclass(frozen=True)
class ServiceConfig:
    """One web service on the shared ALB."""

    name: str
    kwargs: dict[str, Any]
    """Keyword arguments for LoadBalancedFargateServiceArgs, less what the program wires."""
    calls: tuple[str, ...] = ()
    """The services it calls, by name."""
    container_port: int = 80
    build: str = ""
    """The app under app/ `pulumi up` builds the image from, when the service names no `image`."""


def service_kwargs(
    section: str, raw: Mapping[str, Any], cls: type, resolve: Any, *, excluded: tuple[str, ...] = (), **wired: Any
) -> dict[str, Any]:
    """The section's keyword arguments for `cls`, validated by `resolve` with placeholders for what
    the program wires."""
    try:
        args = from_mapping(cls, {**raw}, owner=cls.__name__, excluded=(*WIRED_BY_PROGRAM, *excluded), build=False)
        fields = {f.name for f in dataclasses.fields(cls)}
        placeholders = {k: v for k, v in _PLACEHOLDERS.items() if k in fields}
        resolve(section.rsplit(".", 1)[-1], cls(**{**placeholders, **wired, **args}))
    except InvalidArgument as err:
        raise relabel(section, err) from None
    return args


def parse_web(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`fargate-lb:web`: one service with its own ALB; `routing` belongs to `fargate-lb:services`."""
    return service_kwargs("web", raw, LoadBalancedFargateServiceArgs, resolve_web_args, excluded=("routing",))


def parse_udp(raw: Mapping[str, Any]) -> dict[str, Any]:
    return service_kwargs("udp", raw, UdpNlbServiceArgs, resolve_udp_args)


def parse_alb(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`fargate-lb:alb`: the shared ALB's own settings."""
    try:
        args = from_mapping(ApplicationLoadBalancerArgs, {**raw}, excluded=("network",), build=False)
        resolve_alb("ApplicationLoadBalancerArgs", ApplicationLoadBalancerArgs(network=_NETWORK, **args))
    except InvalidArgument as err:
        raise relabel("alb", err) from None
    return args


def parse_services(raw: Mapping[str, Any]) -> tuple[ServiceConfig, ...]:
    """`fargate-lb:services`: name → a service's settings, `routing` and `calls`; then the routing of
    them all together (priorities, shadowed rules, the default) and their calls."""
    if not raw:
        raise ConfigError(f"{PROJECT}:services: is empty: name at least one service, or remove the section")
    services, routes = [], []
    for name, settings in raw.items():
        section = f"services.{name}"
        try:
            check_component_name("LoadBalancedFargateServiceArgs", name)
        except InvalidArgument as err:
            problem = err.problem.removeprefix("must be")
            raise ConfigError(f"{PROJECT}:{section}: is not a usable service name: a name must be{problem}") from None
        if not isinstance(settings, Mapping):
            raise ConfigError(f"{PROJECT}:{section}: must be an object of the service's settings, got {settings!r}")
        settings = dict(settings)
        calls = settings.pop("calls", None) or []
        if "build" in settings and "image" in settings:
            raise ConfigError(
                f"{config_key(section, 'build')}: and {config_key(section, 'image')} exclude each other: "
                "name an image, or the app under app/ that pulumi up builds"
            )
        build = settings.pop("build", name)
        # Exactly an app's directory name: `web/` or `./web` would be a second build of app/web under
        # another resource name, into the same ECR repository name (RepositoryAlreadyExistsException).
        apps = sorted(p.name for p in APPS.iterdir() if (p / "Dockerfile").is_file())
        if "image" not in settings and build not in apps:
            raise ConfigError(
                f"{config_key(section, 'build')}: there is no app named {build!r} to build {name}'s image from: "
                f"name an image, or build: one of {', '.join(apps)} (an app/ directory's name)"
            )
        if not isinstance(calls, list) or not all(isinstance(c, str) for c in calls):
            raise ConfigError(f"{config_key(section, 'calls')}: must be a list of service names, got {calls!r}")
        if "routing" not in settings:
            raise ConfigError(
                f"{config_key(section, 'routing')}: is required on a shared ALB: hosts and/or paths with a priority, "
                "or default: true for the one service that takes what no rule matches"
            )
        kwargs = service_kwargs(
            section, settings, LoadBalancedFargateServiceArgs, resolve_web_args, excluded=ALB_FIELDS,
            load_balancer=_SHARED, cluster=_CLUSTER,
        )  # fmt: skip
        resolved = resolve_web_args(
            name, LoadBalancedFargateServiceArgs(**{**_PLACEHOLDERS, **kwargs, "load_balancer": _SHARED})
        )
        assert resolved.route is not None
        routes.append(dataclasses.replace(resolved.route, key=config_key(section, "routing")))
        services.append(ServiceConfig(name, kwargs, tuple(calls), resolved.container_port, build))
    _check_routes(routes)
    _check_calls(services)
    return tuple(services)


def _check_routes(routes: list[Route]) -> None:
    defaults = [r for r in routes if not r.hosts and not r.paths]
    if len(defaults) > 1:
        raise ConfigError(
            f"{defaults[1].key}.default: only one service takes what no rule matches; "
            f"{', '.join(r.service for r in defaults)} all do"
        )
    problems = listener_problems(routes)
    if problems:
        raise ConfigError("; ".join(p.message for p in problems))


def _check_calls(services: list[ServiceConfig]) -> None:
    names = [s.name for s in services]
    for service in services:
        key = config_key(f"services.{service.name}", "calls")
        for callee in service.calls:
            if callee == service.name:
                raise ConfigError(f"{key}: {callee!r} calls itself; a service reaches its own tasks without this")
            if callee not in names:
                raise ConfigError(f"{key}: {callee!r} is not a service of this stack (services: {', '.join(names)})")
        if len(set(service.calls)) != len(service.calls):
            raise ConfigError(f"{key}: names a service twice: {list(service.calls)}")
        for callee in service.calls:
            variable = call_variable(callee)
            if variable in (service.kwargs.get("environment") or {}):
                raise ConfigError(
                    f"{config_key(f'services.{service.name}', 'environment')}.{variable}: is set by the stack to "
                    f"{callee}'s URL because {service.name} calls it; remove it (or rename yours)"
                )


def web_settings(name: str, kwargs: dict[str, Any], *, shared: bool) -> WebSettings:
    """The validated, defaulted settings of a web service's kwargs (already checked by parse_*)."""
    wired = {"load_balancer": _SHARED} if shared else {}
    return resolve_web_args(name, LoadBalancedFargateServiceArgs(**{**_PLACEHOLDERS, **kwargs, **wired}))


def udp_settings(kwargs: dict[str, Any]) -> UdpSettings:
    return resolve_udp_args("udp", UdpNlbServiceArgs(**{**_PLACEHOLDERS, **kwargs}))


def alb_settings(kwargs: dict[str, Any]) -> AlbSettings:
    return resolve_alb("ApplicationLoadBalancerArgs", ApplicationLoadBalancerArgs(network=_NETWORK, **kwargs))
