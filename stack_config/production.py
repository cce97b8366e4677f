"""The production profile, checked on the stack file before any resource exists.

A stack declares itself production with the stack tag `fargatelb:profile: production`, in the file
as `pulumi:tags` (which the CLI applies as the stack's tags, and the policy pack reads on every real
preview). Then every setting that would break a production control (`fargatelb.production`) is
refused, naming its config key, the control and the value production needs; all of them at once.
A control is waived only by an override tag carrying the reason, which the preview prints:

    pulumi:tags:
      fargatelb:profile: production
      fargatelb:override:ELB.5: "access logs go to the platform's collector (OPS-12)"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fargatelb import PrivateNetworkArgs
from fargatelb._alb import AlbSettings
from fargatelb.network import resolve_network_args
from fargatelb.production import CONTROLS, PROFILE_TAG, Declaration, DeclarationError, declaration, override_tag
from fargatelb.production.ingress import AUTHORIZED, world_family

from .keys import PROJECT, ConfigError, config_key, json_value
from .services import ServiceConfig, alb_settings, udp_settings, web_settings

TAGS = "pulumi:tags"


@dataclass(frozen=True)
class Profile:
    """A production stack's declaration, and what its overrides let through."""

    overrides: Mapping[str, str]
    """Control id → reason."""
    waived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Control id → the config keys whose settings its override lets through (empty: not needed)."""


@dataclass
class _Findings:
    """(config key, what it is, what production needs) per control, in the order found."""

    found: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    order: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(control, key, problem, needed) in the order found: the stack file's order of sections."""

    def add(self, control: str, key: str, problem: str, needed: str = "true") -> None:
        self.found.setdefault(control, []).append((key, problem, needed))
        self.order.append((control, key, problem, needed))


def _declaration(raw: Mapping[str, Any]) -> Declaration:
    tags = json_value(raw, TAGS) or {}
    try:
        return declaration(tags)
    except DeclarationError as err:
        raise ConfigError(f"{TAGS}.{err.tag}: {err.problem}") from None


def _state(given: Any, name: str, value: bool, what: str = "") -> str:
    """`is false (the default), for the log group` for a boolean setting (`given`: the keys set)."""
    default = "" if name in given else " (the default)"
    return f"is {str(value).lower()}{default}" + (f", for {what}" if what else "")


def _alb(f: _Findings, section: str, kwargs: Mapping[str, Any], s: AlbSettings, *, own: bool) -> None:
    key = lambda name: config_key(section, name)  # noqa: E731
    if not s.https:
        problem = "is not true: no certificate source, so the ALB serves plain HTTP"
        f.add("ELB.1", key("https"), problem, "`https: true` with domain or certificateArn (HTTP then only redirects)")
    if s.certificate_source == "self_signed_certificate":
        f.add("FLB.CERT", key("selfSignedCertificate"), "is true", "domain or certificateArn instead")
    if not s.deletion_protection:
        f.add("ELB.6", key("deletionProtection"), _state(kwargs, "deletion_protection", False))
    if not s.access_logs:
        f.add("ELB.5", key("accessLogs"), _state(kwargs, "access_logs", False))
    elif not s.protect and not own:  # a service's own ALB: the service's `protect` (see _task)
        f.add("FLB.PROTECT", key("protect"), _state(kwargs, "protect", False, "the access-log bucket"))
    family = world_family(s.allowed_cidrs)
    if family is not None:
        for port_key, (protocol, port) in zip(("listenerPort", "httpsPort"), s.listener_ports, strict=False):
            if (protocol, port) not in AUTHORIZED:
                problem = f"is {port}, open to the whole IPv{family} space by allowedCidrs {list(s.allowed_cidrs)}"
                f.add("EC2.18", key(port_key), problem, "80 or 443 (or allowedCidrs naming the clients' networks)")


def _task(
    f: _Findings, section: str, kwargs: Mapping[str, Any], encrypt: bool, protect: bool, bucket: bool = False
) -> None:
    if not encrypt:
        f.add("FLB.LOGKMS", config_key(section, "encryptLogs"), _state(kwargs, "encrypt_logs", False))
    if not protect:
        held = ["the log group"] + (["its KMS key"] if encrypt else []) + (["the access-log bucket"] if bucket else [])
        problem = _state(kwargs, "protect", False, ", ".join(held))
        f.add("FLB.PROTECT", config_key(section, "protect"), problem)
        if encrypt:
            f.add("KMS.3", config_key(section, "protect"), problem)


def _network(f: _Findings, network: PrivateNetworkArgs) -> None:
    s = resolve_network_args(network)
    given = {k for k, v in vars(network).items() if v is not None}
    key = lambda name: f"{PROJECT}:network.{name}"  # noqa: E731
    if not s.flow_logs:
        f.add("EC2.6", key("flowLogs"), _state(given, "flow_logs", False))
        return
    if not s.encrypt_flow_logs:
        f.add("FLB.LOGKMS", key("encryptFlowLogs"), _state(given, "encrypt_flow_logs", False))
    if not s.protect:
        held = "the flow-log group and its key" if s.encrypt_flow_logs else "the flow-log group"
        problem = _state(given, "protect", False, held)
        f.add("FLB.PROTECT", key("protect"), problem)
        if s.encrypt_flow_logs:
            f.add("KMS.3", key("protect"), problem)


def _images(f: _Findings, images: Any, raw: Mapping[str, Any]) -> None:
    given = json_value(raw, f"{PROJECT}:images") or {}
    key = lambda name: f"{PROJECT}:images.{name}"  # noqa: E731
    if not images.encrypt_repositories:
        f.add("ECR.5", key("encryptRepositories"), _state(given, "encryptRepositories", False))
    if images.force_delete:
        f.add("FLB.FORCEDELETE", key("forceDelete"), _state(given, "forceDelete", True), "false")
    if not images.protect:
        held = "the repositories and their key" if images.encrypt_repositories else "the repositories"
        problem = _state(given, "protect", False, held)
        f.add("FLB.PROTECT", key("protect"), problem)
        if images.encrypt_repositories:
            f.add("KMS.3", key("protect"), problem)


def check(raw: Mapping[str, Any], config: Any, source: str) -> Profile | None:
    """The stack's profile: None unless production; a ConfigError naming every setting production refuses."""
    declared = _declaration(raw)
    if not declared.production:
        return None
    f = _Findings()
    _network(f, config.network)
    builds = False
    if config.web is not None:
        web = web_settings("web", config.web, shared=False)
        assert web.alb is not None
        _alb(f, "web", config.web, web.alb, own=True)
        _task(f, "web", config.web, web.task.encrypt_logs, web.task.protect, bucket=web.alb.access_logs)
        builds |= "image" not in config.web
    if config.alb is not None:
        _alb(f, "alb", config.alb, alb_settings(config.alb), own=False)
    service: ServiceConfig
    for service in config.services:
        s = web_settings(service.name, service.kwargs, shared=True)
        _task(f, f"services.{service.name}", service.kwargs, s.task.encrypt_logs, s.task.protect)
        builds |= "image" not in service.kwargs
    if config.udp is not None:
        udp = udp_settings(config.udp)
        if not udp.deletion_protection:
            f.add("ELB.6", f"{PROJECT}:udp.deletionProtection", _state(config.udp, "deletion_protection", False))
        family = world_family(udp.allowed_cidrs or ())
        if family is not None:
            cidrs, port = list(udp.allowed_cidrs or ()), udp.udp_port
            problem = f"{cidrs} cover the whole IPv{family} space: udp/{port} is open to the world"
            f.add(
                "EC2.18",
                f"{PROJECT}:udp.allowedCidrs",
                problem,
                "the clients' networks (only TCP 80 and 443 may be open to the world)",
            )
        _task(f, "udp", config.udp, udp.task.encrypt_logs, udp.task.protect)
        builds |= "image" not in config.udp or (udp.sidecar is not None and "health_check_image" not in config.udp)
    if builds:
        _images(f, config.images, raw)
    return _verdict(f, declared, source)


def _verdict(f: _Findings, declared: Declaration, source: str) -> Profile:
    refused: dict[str, list[str]] = {}  # config key → the controls it breaks
    said: dict[str, tuple[str, str]] = {}  # config key → (what it is, what production needs)
    for control, key, problem, needed in f.order:
        if declared.waived(control) is None:
            if control not in refused.setdefault(key, []):
                refused[key].append(control)
            said.setdefault(key, (problem, needed))
    if refused:
        lines = []
        for key, controls in refused.items():
            problem, needed = said[key]
            named = " and ".join(str(CONTROLS[c]) for c in controls)
            overrides = ", ".join(f'"{override_tag(c)}": "<why>"' for c in controls)
            lines.append(
                f"{source}: {key}: {problem}; a production stack ({TAGS}.{PROFILE_TAG}) needs {needed}, for {named}. "
                f"Or override the control with its reason in {TAGS}: {{{overrides}}}"
            )
        raise ConfigError("\n".join(lines))
    waived = {c: tuple(dict.fromkeys(k for k, _, _ in f.found.get(c, ()))) for c in declared.overrides}
    return Profile(overrides=dict(declared.overrides), waived=waived)
