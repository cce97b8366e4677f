"""The ALB half, written once: settings, and the resources a load balancer in front of services needs.

Creates, under the calling component: the ALB's security group with client ingress on the listener
ports only, the ALB (invalid headers dropped, defensive desync mitigation), its access-log bucket on
request, the HTTP listener (a 301 to HTTPS when TLS is on) and the HTTPS listener with its
certificate (a domain's DNS-validated one, a given ARN, or a self-signed one for dev). The listener
that serves requests forwards to one target group (a one-service ALB) or answers a fixed 404 until a
service's rule matches (a shared ALB). Both `LoadBalancedFargateService` (its own ALB) and
`ApplicationLoadBalancer` (shared) build it here.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_aws import ec2, lb, vpc

from ._args import InvalidArgument, check_int, check_port, default
from .arns import parse_certificate_arn
from .dns import check_dns_name
from .refs import NetworkRef, coerce_ref

# TLS 1.3 with TLS 1.2 fallback: Security Hub ELB.17's recommended policy.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
CERTIFICATE_SOURCES = ("domain", "certificate_arn", "self_signed_certificate")
ALB_FIELDS = (
    "listener_port", "https", "https_port", "domain", "certificate_arn", "self_signed_certificate",
    "allowed_cidrs", "internal", "deletion_protection", "access_logs", "access_log_expiry_days",
)  # fmt: skip
"""The Args fields that configure an ALB (a shared ALB's, or a one-service ALB's own)."""


class DomainLike(Protocol):
    name: str
    hosted_zone: str


class AlbArgs(Protocol):
    """The ALB fields both `ApplicationLoadBalancerArgs` and `LoadBalancedFargateServiceArgs` declare
    (each its own, since the schema analyzer reads a field's docstring only from its own class)."""

    listener_port: int | None
    https: bool | None
    https_port: int | None
    domain: Any
    certificate_arn: pulumi.Input[str] | None
    self_signed_certificate: bool | None
    allowed_cidrs: list[str] | None
    internal: bool | None
    deletion_protection: bool | None
    access_logs: bool | None
    access_log_expiry_days: int | None
    protect: bool | None


@dataclass(frozen=True)
class Domain:
    name: str
    hosted_zone: str


@dataclass(frozen=True)
class AlbSettings:
    listener_port: int
    https_port: int
    https: bool
    certificate_source: str | None
    """`domain`, `certificate_arn`, `self_signed_certificate`, or None (HTTP only)."""
    domain: Domain | None
    allowed_cidrs: tuple[str, ...] | None
    """None: an internal ALB's default, the VPC's block (known only at deploy time)."""
    internal: bool
    deletion_protection: bool
    access_logs: bool
    access_log_expiry_days: int
    protect: bool = False
    """Pulumi `protect` on the access-log bucket."""

    @property
    def listener_ports(self) -> list[tuple[str, int]]:
        return [("tcp", self.listener_port)] + ([("tcp", self.https_port)] if self.https else [])

    @property
    def public_port(self) -> int:
        return self.https_port if self.https else self.listener_port


def check_cidrs(owner: str, field: str, cidrs: list[str]) -> tuple[str, ...]:
    """Client CIDR blocks, each becoming one security-group rule per listener port. A block listed
    twice, however it is written (`10.0.0.0/16` and `10.0.0.0/016`, `2001:DB8::/32` and
    `2001:db8::/32`), would be two identical rules, which EC2 refuses with
    `InvalidPermission.Duplicate`; a bare address (`10.0.0.1`) is refused by the provider, which
    wants CIDR notation."""
    if not cidrs:
        raise InvalidArgument(owner, field, "must list at least one CIDR block")
    seen: dict[ipaddress.IPv4Network | ipaddress.IPv6Network, int] = {}
    for i, cidr in enumerate(cidrs):
        try:
            if not isinstance(cidr, str) or "/" not in cidr:
                raise ValueError(cidr)
            network = ipaddress.ip_network(cidr)
        except ValueError:
            raise InvalidArgument(
                owner, f"{field}[{i}]", f"must be a CIDR block like 10.0.0.0/16, got {cidr!r}"
            ) from None
        if network in seen:
            first = seen[network]
            same = "" if cidrs[first] == cidr else f", written {cidrs[first]!r} there"
            raise InvalidArgument(
                owner,
                f"{field}[{i}]",
                f"lists {network} again ({field}[{first}]{same}): each block becomes one security-group rule per "
                "listener port, and EC2 refuses a rule that already exists (InvalidPermission.Duplicate); list it once",
            )
        seen[network] = i
    return tuple(cidrs)


def resolve_domain(owner: str, args: DomainLike) -> Domain:
    name = check_dns_name(owner, "domain.name", args.name, max_length=64)
    zone = check_dns_name(owner, "domain.hosted_zone", args.hosted_zone)
    if name != zone and not name.endswith("." + zone):
        raise InvalidArgument(
            owner, "domain.name", f"({name}) must be inside domain.hosted_zone ({zone}), e.g. app.{zone}"
        )
    return Domain(name, zone)


def _certificate_source(owner: str, args: AlbArgs) -> tuple[str | None, Domain | None]:
    given = {
        "domain": args.domain is not None,
        "certificate_arn": args.certificate_arn is not None,
        "self_signed_certificate": bool(args.self_signed_certificate),
    }
    sources = [s for s in CERTIFICATE_SOURCES if given[s]]
    if len(sources) > 1:
        raise InvalidArgument(owner, sources[1], f"can't be combined with {sources[0]}; choose one certificate source")
    source = sources[0] if sources else None
    if args.https is True and source is None:
        raise InvalidArgument(
            owner, "https", "is true, so the ALB needs a certificate: set domain, certificate_arn or "
            "self_signed_certificate"
        )  # fmt: skip
    if args.https is False and source is not None:
        raise InvalidArgument(owner, "https", f"is false, but {source} is set: remove one")
    if source is None and args.https_port is not None:
        raise InvalidArgument(
            owner,
            "https_port",
            f"({args.https_port}) is set, but the ALB has no certificate, so nothing would listen there: set "
            "https: true with domain, certificate_arn or self_signed_certificate, or remove https_port",
        )
    if isinstance(args.certificate_arn, str):
        parse_certificate_arn(owner, "certificate_arn", args.certificate_arn)
    domain = resolve_domain(owner, args.domain) if args.domain is not None else None
    return source, domain


def resolve_alb(owner: str, args: AlbArgs) -> AlbSettings:
    """Validate, then default, an ALB's settings. Pure."""
    listener_port = check_port(owner, "listener_port", default(args.listener_port, 80))
    https_port = check_port(owner, "https_port", default(args.https_port, 443))
    source, domain = _certificate_source(owner, args)
    https = source is not None
    if https and https_port == listener_port:
        raise InvalidArgument(owner, "https_port", f"({https_port}) must differ from listener_port ({listener_port})")
    network = coerce_ref(owner, "network", NetworkRef, getattr(args, "network", None), required=False)
    if args.internal and args.allowed_cidrs is None and network is not None and network.vpc_cidr is None:
        raise InvalidArgument(
            owner, "allowed_cidrs", "or network.vpc_cidr is required: an internal ALB admits the VPC by default"
        )
    return AlbSettings(
        listener_port=listener_port,
        https_port=https_port,
        https=https,
        certificate_source=source,
        domain=domain,
        # Like the NLB: an internal ALB admits the VPC unless told otherwise; an internet-facing one, anyone.
        allowed_cidrs=(
            check_cidrs(owner, "allowed_cidrs", args.allowed_cidrs)
            if args.allowed_cidrs is not None
            else None
            if args.internal
            else ("0.0.0.0/0",)
        ),
        internal=bool(args.internal),
        deletion_protection=bool(args.deletion_protection),
        access_logs=bool(args.access_logs),
        access_log_expiry_days=check_int(
            owner, "access_log_expiry_days", default(args.access_log_expiry_days, 90), 1, 3650
        ),
        protect=bool(args.protect),
    )


def client_ingress(
    name: str, security_group: ec2.SecurityGroup, cidrs: Sequence[pulumi.Input[str]],
    ports: list[tuple[str, int]], tags: dict[str, str], child: pulumi.ResourceOptions,
) -> None:  # fmt: skip
    """Admit clients: one rule per (protocol, port) and CIDR, IPv4 or IPv6 (an Output is IPv4)."""
    for protocol, port in ports:
        for i, cidr in enumerate(cidrs):
            ipv6 = isinstance(cidr, str) and ":" in cidr
            family = {"cidr_ipv6": cidr} if ipv6 else {"cidr_ipv4": cidr}
            vpc.SecurityGroupIngressRule(
                f"{name}-lb-in-{protocol}-{port}-{i}",
                security_group_id=security_group.id,
                ip_protocol=protocol,
                from_port=port,
                to_port=port,
                description=f"clients from {cidr if isinstance(cidr, str) else 'the VPC'} on {protocol}/{port}",
                tags={**tags, "Name": f"{name}-lb-in-{port}-{i}"},
                opts=child,
                **family,
            )


@dataclass
class AlbParts:
    security_group: ec2.SecurityGroup
    load_balancer: lb.LoadBalancer
    listeners: list[lb.Listener]
    serving_listener: lb.Listener
    """The listener that serves requests (HTTPS when TLS is on): where services' rules go."""
    url: pulumi.Output[str]
    """`scheme://host[:port]`: the domain's name, or the ALB's DNS name."""


def lookup_zone(owner: str, s: AlbSettings, parent: pulumi.Resource) -> str | None:
    """The domain's hosted zone id. Call it before creating any child resource: in a real preview, a
    zone the account doesn't hold then fails the preview before anything exists, naming the key."""
    if s.domain is None:
        return None
    from . import _domain  # only stacks with a domain pay for the Route 53 import

    return _domain.hosted_zone_id(owner, s.domain.hosted_zone, parent)


def build_alb(
    name: str,
    parent: pulumi.Resource,
    s: AlbSettings,
    network: NetworkRef,
    tags: dict[str, str],
    certificate_arn: pulumi.Input[str] | None,
    forward_to: pulumi.Input[str] | None,
    zone_id: str | None,
) -> AlbParts:
    """The ALB, its security group and listeners. `forward_to`: the target group the serving listener
    forwards to by default; None: a fixed 404 until a service's listener rule matches. `zone_id`:
    the domain's hosted zone (`lookup_zone`), with a domain."""
    child = pulumi.ResourceOptions(parent=parent)

    def named(role: str) -> dict[str, str]:
        return {**tags, "Name": f"{name}-{role}"}

    alb_sg = ec2.SecurityGroup(
        f"{name}-alb-sg",
        vpc_id=network.vpc_id,
        description=f"{name} ALB: listener ports from allowed clients, out only to the tasks",
        tags=named("alb-sg"),
        opts=child,
    )
    assert s.allowed_cidrs is not None or network.vpc_cidr is not None, "resolve_alb refuses this"
    clients: Sequence[pulumi.Input[str]] = s.allowed_cidrs or (network.vpc_cidr,)  # type: ignore[assignment]
    client_ingress(name, alb_sg, clients, s.listener_ports, tags, child)

    access_logs: lb.LoadBalancerAccessLogsArgs | None = None
    wait_for_bucket: list[pulumi.Resource] = []
    if s.access_logs:
        from ._access_logs import access_log_bucket  # only stacks that ask pay for the S3 import

        bucket, policy = access_log_bucket(name, s.access_log_expiry_days, tags, parent, protect=s.protect)
        access_logs = lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket, prefix=name, enabled=True)
        wait_for_bucket = [policy]  # the ALB checks it may write there when it is created

    alb = lb.LoadBalancer(
        f"{name}-alb",
        load_balancer_type="application",
        internal=s.internal,
        subnets=network.private_subnet_ids if s.internal else network.public_subnet_ids,
        security_groups=[alb_sg.id],
        drop_invalid_header_fields=True,  # Security Hub ELB.4
        desync_mitigation_mode="defensive",  # Security Hub ELB.12 (defensive or strictest)
        enable_deletion_protection=s.deletion_protection,
        access_logs=access_logs,
        tags=named("alb"),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=wait_for_bucket),
    )
    if forward_to is not None:
        serve = [lb.ListenerDefaultActionArgs(type="forward", target_group_arn=forward_to)]
    else:
        serve = [
            lb.ListenerDefaultActionArgs(
                type="fixed-response",
                fixed_response=lb.ListenerDefaultActionFixedResponseArgs(
                    content_type="text/plain", message_body="no service here\n", status_code="404"
                ),
            )
        ]
    listeners: list[lb.Listener] = []
    if s.https:
        if s.domain is not None and zone_id is not None:
            from . import _domain

            certificate_arn = _domain.validated_certificate(name, s.domain.name, zone_id, tags, parent)
            _domain.alias_record(name, s.domain.name, zone_id, alb.dns_name, alb.zone_id, parent)
        elif certificate_arn is None:
            from ._tls import self_signed_certificate  # dev stacks only

            certificate_arn = self_signed_certificate(name, alb.dns_name, tags, parent)
        listeners.append(
            lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                port=s.https_port,
                protocol="HTTPS",
                ssl_policy=TLS_POLICY,
                certificate_arn=certificate_arn,
                default_actions=serve,
                tags=named("https"),
                opts=child,
            )
        )
        http_action = [
            lb.ListenerDefaultActionArgs(
                type="redirect",
                redirect=lb.ListenerDefaultActionRedirectArgs(
                    port=str(s.https_port), protocol="HTTPS", status_code="HTTP_301"
                ),
            )
        ]
    else:
        http_action = serve
    listeners.append(
        lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=s.listener_port,
            protocol="HTTP",
            default_actions=http_action,
            tags=named("http"),
            opts=child,
        )
    )
    scheme = "https" if s.https else "http"
    suffix = "" if s.public_port == (443 if s.https else 80) else f":{s.public_port}"
    host = s.domain.name if s.domain is not None else alb.dns_name
    return AlbParts(alb_sg, alb, listeners, listeners[0], pulumi.Output.concat(f"{scheme}://", host, suffix))
