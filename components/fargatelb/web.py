"""LoadBalancedFargateService: internet-facing ALB → target group of type ip → Fargate in private subnets.

Creates the ALB and its security group, the target group, the HTTP listener (forwarding, or a 301
redirect when HTTPS is on) and the HTTPS listener with its certificate, optional access-log bucket,
and through `_service` the task definition, task security group, ECS service and CPU target
tracking. Every port comes from `container_port`, `listener_port` and `https_port`; nothing repeats
a number.

The certificate comes from exactly one source: `domain` (an ACM certificate for the name, validated
through DNS records in its Route 53 zone, plus an alias record to the ALB, so `url` is
`https://<name>`), `certificate_arn` (an ACM certificate of this account and region), or
`self_signed_certificate` (dev only). `https: true` states that the service must serve HTTPS and
refuses to build without a source; `https_port` without a source is refused, since nothing would
listen there.
"""

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_aws import ec2, lb, vpc

from ._args import InvalidArgument, check_int, check_port, coerce_args, default
from ._service import ContainerSpec, LoadBalancerHop, ServiceSpec, build_fargate_service
from .arns import parse_certificate_arn
from .fargate import (
    Container,
    ContainerArgs,
    HealthCheck,
    HealthCheckArgs,
    ScalingArgs,
    TaskSettings,
    check_component_name,
    check_image,
    resolve_container,
    resolve_health_check,
    resolve_task,
)

# TLS 1.3 with TLS 1.2 fallback: Security Hub ELB.17's recommended policy.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
OWNER = "LoadBalancedFargateServiceArgs"


@dataclass
class DomainArgs:
    """A name for the service in a public Route 53 zone of this account, with its own certificate."""

    name: str
    """The service's fully qualified name, e.g. `app.example.com`: the certificate's name and an alias
    record to the ALB. At most 64 characters (ACM's limit for a certificate's first name)."""
    hosted_zone: str
    """The public Route 53 hosted zone the name is in, e.g. `example.com`; it must exist in this account
    (looked up before anything is created) and be the zone the domain is delegated to."""


@dataclass
class LoadBalancedFargateServiceArgs:
    vpc_id: pulumi.Input[str]
    """The VPC (PrivateNetwork.vpc_id)."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Subnets for an internet-facing ALB (PrivateNetwork.public_subnet_ids)."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Subnets for the tasks, and for an internal ALB (PrivateNetwork.private_subnet_ids)."""
    endpoint_security_group_id: pulumi.Input[str]
    """The VPC endpoints' security group; the service grants itself HTTPS to it."""
    image: pulumi.Input[str]
    """Container image URI; in private subnets with no NAT, it must be in this account's ECR."""
    s3_prefix_list_id: pulumi.Input[str]
    """The S3 gateway endpoint's prefix list (PrivateNetwork.s3_prefix_list_id): tasks fetch image
    layers from S3 through it."""
    cluster_arn: Optional[pulumi.Input[str]] = None
    """An existing ECS cluster. Default: a new cluster with Container Insights."""
    container_port: Optional[int] = None
    """The port the container listens on; the target group, port mapping, service and both security
    groups all derive from it. Default 80."""
    cpu: Optional[int] = None
    """Fargate CPU units: 256, 512, 1024, 2048, 4096, 8192, 16384 or 32768. Default 256."""
    memory: Optional[int] = None
    """Memory (MiB), a value Fargate allows for the CPU. Default 512."""
    container: Optional[ContainerArgs] = None
    """The container's user and ECS health check. Default: uid 10001, no container health check."""
    environment: Optional[dict[str, str]] = None
    """Plain environment variables; credential-like names are refused (use `secrets`). Default none."""
    secrets: Optional[dict[str, str]] = None
    """Environment variables read from Secrets Manager or SSM, by ARN. Default none."""
    health_check: Optional[HealthCheckArgs] = None
    """Target-group health check. Default: HTTP `/` on the traffic port, 10 s interval, healthy after 2."""
    listener_port: Optional[int] = None
    """The ALB's HTTP port. Default 80."""
    https: Optional[bool] = None
    """Serve HTTPS (HTTP then redirects with a 301). `true` requires one certificate source: `domain`,
    `certificate_arn` or `self_signed_certificate`. Default: true exactly when a source is set."""
    https_port: Optional[int] = None
    """The ALB's HTTPS port; only with a certificate source. Default 443."""
    domain: Optional[DomainArgs] = None
    """Serve HTTPS at this name: a DNS-validated ACM certificate and an alias record in its zone.
    Default none."""
    certificate_arn: Optional[pulumi.Input[str]] = None
    """An ACM certificate of this account, in the stack's region, for HTTPS. Default none."""
    self_signed_certificate: Optional[bool] = None
    """Generate a self-signed certificate and import it into ACM, for dev stacks. Default false."""
    allowed_cidrs: Optional[list[str]] = None
    """Client CIDRs (IPv4 or IPv6) admitted to the listeners. Default `0.0.0.0/0`."""
    internal: Optional[bool] = None
    """An internal ALB, placed in the private subnets. Default false (internet-facing, public subnets)."""
    scaling: Optional[ScalingArgs] = None
    """Autoscaling. Default 1–3 tasks holding 50% CPU."""
    deregistration_delay: Optional[int] = None
    """Seconds a deregistering target drains, 0–3600. Default 30 (not the 300 s AWS default)."""
    health_check_grace_period: Optional[int] = None
    """Seconds ECS ignores failing health checks of a new task, 0–2147483647. Default 60."""
    deletion_protection: Optional[bool] = None
    """ALB deletion protection (Security Hub ELB.6). Default false."""
    access_logs: Optional[bool] = None
    """ALB access logs to a new private, versioned, SSE-S3 bucket (ELB.5). Default false."""
    access_log_expiry_days: Optional[int] = None
    """Days before access logs expire. Default 90."""
    log_retention_days: Optional[int] = None
    """Container log retention, a value CloudWatch accepts. Default 30."""
    encrypt_logs: Optional[bool] = None
    """Encrypt the container log group with a new customer-managed KMS key. Default false."""
    cpu_architecture: Optional[str] = None
    """`X86_64` or `ARM64`, matching the image's platform. Default `X86_64`."""
    internet_egress: Optional[bool] = None
    """Let tasks open HTTPS to the internet (through NAT), e.g. to pull from a public registry. Default false."""
    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""


@dataclass(frozen=True)
class Domain:
    name: str
    hosted_zone: str


@dataclass(frozen=True)
class WebSettings:
    container_port: int
    listener_port: int
    https_port: int
    https: bool
    certificate_source: str | None
    """`domain`, `certificate_arn`, `self_signed_certificate`, or None (HTTP only)."""
    domain: Domain | None
    container_ports: tuple[int, ...]
    """Every TCP port the container serves: container_port, then container.ports."""
    task: TaskSettings
    container: Container
    health: HealthCheck
    allowed_cidrs: tuple[str, ...]
    internal: bool
    deletion_protection: bool
    access_logs: bool
    access_log_expiry_days: int


def check_cidrs(owner: str, field: str, cidrs: list[str]) -> tuple[str, ...]:
    if not cidrs:
        raise InvalidArgument(owner, field, "must list at least one CIDR block")
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.ip_network(cidr)
        except ValueError:
            raise InvalidArgument(
                owner, f"{field}[{i}]", f"must be a CIDR block like 10.0.0.0/16, got {cidr!r}"
            ) from None
    return tuple(cidrs)


_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
CERTIFICATE_SOURCES = ("domain", "certificate_arn", "self_signed_certificate")


def check_dns_name(owner: str, field: str, value: object, *, max_length: int = 253) -> str:
    """A fully qualified DNS name (no wildcard, no trailing dot needed), lower-cased."""
    if not isinstance(value, str):
        raise InvalidArgument(owner, field, f"must be a DNS name like app.example.com, got {value!r}")
    fqdn = value.strip().rstrip(".").lower()
    labels = fqdn.split(".")
    if (
        len(labels) < 2
        or len(fqdn) > max_length
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidArgument(
            owner,
            field,
            f"must be a fully qualified DNS name like app.example.com (letters, digits and hyphens, "
            f"at most {max_length} characters, no wildcard), got {value!r}",
        )
    return fqdn


def resolve_domain(owner: str, args: DomainArgs) -> Domain:
    name = check_dns_name(owner, "domain.name", args.name, max_length=64)
    zone = check_dns_name(owner, "domain.hosted_zone", args.hosted_zone)
    if name != zone and not name.endswith("." + zone):
        raise InvalidArgument(
            owner, "domain.name", f"({name}) must be inside domain.hosted_zone ({zone}), e.g. app.{zone}"
        )
    return Domain(name, zone)


def _certificate_source(args: LoadBalancedFargateServiceArgs) -> tuple[str | None, Domain | None]:
    given = {
        "domain": args.domain is not None,
        "certificate_arn": args.certificate_arn is not None,
        "self_signed_certificate": bool(args.self_signed_certificate),
    }
    sources = [s for s in CERTIFICATE_SOURCES if given[s]]
    if len(sources) > 1:
        raise InvalidArgument(OWNER, sources[1], f"can't be combined with {sources[0]}; choose one certificate source")
    source = sources[0] if sources else None
    if args.https is True and source is None:
        raise InvalidArgument(
            OWNER, "https", "is true, so the service needs a certificate: set domain, certificate_arn or "
            "self_signed_certificate"
        )  # fmt: skip
    if args.https is False and source is not None:
        raise InvalidArgument(OWNER, "https", f"is false, but {source} is set: remove one")
    if source is None and args.https_port is not None:
        raise InvalidArgument(
            OWNER,
            "https_port",
            f"({args.https_port}) is set, but the service has no certificate, so nothing would listen there: set "
            "https: true with domain, certificate_arn or self_signed_certificate, or remove https_port",
        )
    if isinstance(args.certificate_arn, str):
        parse_certificate_arn(OWNER, "certificate_arn", args.certificate_arn)
    domain = resolve_domain(OWNER, args.domain) if args.domain is not None else None
    return source, domain


def resolve_served_health_check(container_port: int, container: Container, health: HealthCheck) -> tuple[int, ...]:
    """The ports the container serves; the health check must probe one of them.

    The component maps exactly these ports: mapping the health-check port just because the check
    asks for it would prove a path to a port the app never listens on, and every target would stay
    unhealthy. A container that serves another port says so in `container.ports`.
    """
    served = (container_port, *(p for p in container.ports if p != container_port))
    if health.port not in served:
        others = f" and container.ports {list(container.ports)}" if container.ports else ""
        raise InvalidArgument(
            OWNER,
            "health_check.port",
            f"({health.port}) is not a port the container serves: it listens on container_port ({container_port})"
            f"{others}. Probe container_port (remove health_check.port), or, if the image really listens on "
            f"{health.port} too, list it in container.ports",
        )
    return served


def resolve_web_args(name: str, args: LoadBalancedFargateServiceArgs) -> WebSettings:
    """Validate, then default. Pure: the stack-config layer calls it too."""
    check_component_name(OWNER, name)
    check_image(OWNER, "image", args.image)
    container_port = check_port(OWNER, "container_port", default(args.container_port, 80))
    listener_port = check_port(OWNER, "listener_port", default(args.listener_port, 80))
    https_port = check_port(OWNER, "https_port", default(args.https_port, 443))
    source, domain = _certificate_source(args)
    https = source is not None
    if https and https_port == listener_port:
        raise InvalidArgument(OWNER, "https_port", f"({https_port}) must differ from listener_port ({listener_port})")
    container = resolve_container(OWNER, "container", args.container)
    health = resolve_health_check(
        OWNER, args.health_check, default_path="/", default_port=container_port, protocols=("HTTP",)
    )
    return WebSettings(
        container_port=container_port,
        listener_port=listener_port,
        https_port=https_port,
        https=https,
        certificate_source=source,
        domain=domain,
        container_ports=resolve_served_health_check(container_port, container, health),
        task=resolve_task(OWNER, args),
        container=container,
        health=health,
        allowed_cidrs=check_cidrs(OWNER, "allowed_cidrs", default(args.allowed_cidrs, ["0.0.0.0/0"])),
        internal=bool(args.internal),
        deletion_protection=bool(args.deletion_protection),
        access_logs=bool(args.access_logs),
        access_log_expiry_days=check_int(
            OWNER, "access_log_expiry_days", default(args.access_log_expiry_days, 90), 1, 3650
        ),
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


class LoadBalancedFargateService(pulumi.ComponentResource):
    """An ALB in front of a Fargate service in private subnets, with HTTPS, safe deploys and CPU
    target-tracking autoscaling."""

    url: pulumi.Output[str]
    """The service's URL: `https://<domain.name>` with a domain, else the ALB's DNS name (https when a
    certificate is set)."""
    load_balancer_dns_name: pulumi.Output[str]
    """The ALB's DNS name, for a CNAME or alias record."""
    load_balancer_arn: pulumi.Output[str]
    """The ALB's ARN."""
    target_group_arn: pulumi.Output[str]
    """The target group's ARN."""
    service_name: pulumi.Output[str]
    """The ECS service's name."""
    cluster_name: pulumi.Output[str]
    """The ECS cluster's name."""
    task_security_group_id: pulumi.Output[str]
    """The tasks' security group."""
    task_definition_arn: pulumi.Output[str]
    """The task definition revision (ARN) the ECS service is told to run."""
    load_balancer_security_group_id: pulumi.Output[str]
    """The ALB's security group."""
    log_group_name: pulumi.Output[str]
    """The containers' CloudWatch log group."""

    def __init__(
        self, name: str, args: LoadBalancedFargateServiceArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__("fargatelb:index:LoadBalancedFargateService", name, None, opts)
        args = coerce_args(LoadBalancedFargateServiceArgs, args)
        s = resolve_web_args(name, args)
        child = pulumi.ResourceOptions(parent=self)
        zone_id: str | None = None
        if s.domain is not None:
            from . import _domain  # only stacks with a domain pay for the Route 53 import

            # Before any child resource: a zone the account doesn't hold fails a real preview here.
            zone_id = _domain.hosted_zone_id(OWNER, s.domain.hosted_zone, self)

        def tags(role: str) -> dict[str, str]:
            return {**s.task.tags, "Name": f"{name}-{role}"}

        alb_sg = ec2.SecurityGroup(
            f"{name}-alb-sg",
            vpc_id=args.vpc_id,
            description=f"{name} ALB: listener ports from allowed clients, out only to the tasks",
            tags=tags("alb-sg"),
            opts=child,
        )
        listener_ports = [("tcp", s.listener_port)] + ([("tcp", s.https_port)] if s.https else [])
        client_ingress(name, alb_sg, s.allowed_cidrs, listener_ports, s.task.tags, child)

        access_logs: lb.LoadBalancerAccessLogsArgs | None = None
        wait_for_bucket: list[pulumi.Resource] = []
        if s.access_logs:
            from ._access_logs import access_log_bucket  # only stacks that ask pay for the S3 import

            bucket, policy = access_log_bucket(name, s.access_log_expiry_days, s.task.tags, self)
            access_logs = lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket, prefix=name, enabled=True)
            wait_for_bucket = [policy]  # the ALB checks it may write there when it is created

        alb = lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=s.internal,
            subnets=args.private_subnet_ids if s.internal else args.public_subnet_ids,
            security_groups=[alb_sg.id],
            drop_invalid_header_fields=True,  # Security Hub ELB.4
            desync_mitigation_mode="defensive",  # Security Hub ELB.12 (defensive or strictest)
            enable_deletion_protection=s.deletion_protection,
            access_logs=access_logs,
            tags=tags("alb"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=wait_for_bucket),
        )
        target_group = lb.TargetGroup(
            f"{name}-tg",
            target_type="ip",  # awsvpc tasks register by IP; `instance` can't register them
            protocol="HTTP",
            port=s.container_port,
            vpc_id=args.vpc_id,
            deregistration_delay=s.task.deregistration_delay,
            health_check=lb.TargetGroupHealthCheckArgs(**s.health.target_group_args(s.container_port)),
            tags=tags("tg"),
            opts=child,
        )
        forward = [lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)]
        listeners = []
        if s.https:
            certificate_arn = args.certificate_arn
            if s.domain is not None and zone_id is not None:
                certificate_arn = _domain.validated_certificate(name, s.domain.name, zone_id, s.task.tags, self)
                _domain.alias_record(name, s.domain.name, zone_id, alb.dns_name, alb.zone_id, self)
            elif certificate_arn is None:
                from ._tls import self_signed_certificate  # dev stacks only

                certificate_arn = self_signed_certificate(name, alb.dns_name, s.task.tags, self)
            listeners.append(
                lb.Listener(
                    f"{name}-https",
                    load_balancer_arn=alb.arn,
                    port=s.https_port,
                    protocol="HTTPS",
                    ssl_policy=TLS_POLICY,
                    certificate_arn=certificate_arn,
                    default_actions=forward,
                    tags=tags("https"),
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
            http_action = forward
        listeners.append(
            lb.Listener(
                f"{name}-http",
                load_balancer_arn=alb.arn,
                port=s.listener_port,
                protocol="HTTP",
                default_actions=http_action,
                tags=tags("http"),
                opts=child,
            )
        )

        hops = [LoadBalancerHop("tcp", s.container_port, "traffic")]
        if s.health.port != s.container_port:
            hops.append(LoadBalancerHop("tcp", s.health.port, "health checks"))
        parts = build_fargate_service(
            name,
            self,
            ServiceSpec(
                vpc_id=args.vpc_id,
                subnet_ids=args.private_subnet_ids,
                endpoint_security_group_id=args.endpoint_security_group_id,
                s3_prefix_list_id=args.s3_prefix_list_id,
                cluster_arn=args.cluster_arn,
                containers=[
                    ContainerSpec(
                        name="app",
                        image=args.image,
                        port_mappings=[(port, "tcp") for port in s.container_ports],
                        environment={**s.task.environment, "PORT": str(s.container_port)},
                        secrets=s.task.secrets,
                        user=s.container.user,
                        health_command=s.container.health_check_command,
                    )
                ],
                task=s.task,
            ),
            lb_security_group=alb_sg,
            hops=hops,
            target_group_arn=target_group.arn,
            lb_container=("app", s.container_port),
            wait_for=listeners,
        )

        scheme = "https" if s.https else "http"
        public_port = s.https_port if s.https else s.listener_port
        default_port = 443 if s.https else 80
        suffix = "" if public_port == default_port else f":{public_port}"
        host = s.domain.name if s.domain is not None else alb.dns_name
        self.url = pulumi.Output.concat(f"{scheme}://", host, suffix)
        self.load_balancer_dns_name = alb.dns_name
        self.load_balancer_arn = alb.arn
        self.target_group_arn = target_group.arn
        self.service_name = parts.service.name
        self.cluster_name = parts.cluster_name
        self.task_security_group_id = parts.task_security_group.id
        self.task_definition_arn = parts.task_definition.arn
        self.load_balancer_security_group_id = alb_sg.id
        self.log_group_name = parts.log_group.name
        self.register_outputs(
            {
                "url": self.url,
                "load_balancer_dns_name": self.load_balancer_dns_name,
                "load_balancer_arn": self.load_balancer_arn,
                "target_group_arn": self.target_group_arn,
                "service_name": self.service_name,
                "cluster_name": self.cluster_name,
                "task_security_group_id": self.task_security_group_id,
                "task_definition_arn": self.task_definition_arn,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "log_group_name": self.log_group_name,
            }
        )
