"""ApplicationLoadBalancer: one ALB that many services share, each by its own listener rule.

Creates the ALB, its security group and listeners (`_alb.build_alb`) with a fixed 404 as the
serving listener's default: a request reaches a service only through that service's rule (host
and path patterns, a priority). Services attach with `LoadBalancedFargateServiceArgs.load_balancer =
alb.ref` and `routing`; each adds its own target group, rule and security-group pair, so the ALB's
security group sends to each service's tasks only on that service's port. One ALB instead of one per
service: about $16-20 a month saved per service before traffic.
"""

from dataclasses import dataclass
from typing import Optional

import pulumi

from ._alb import build_alb, lookup_zone, resolve_alb
from ._args import check_tags, coerce_args, documented_args
from .fargate import check_component_name
from .refs import LoadBalancerRef, NetworkRef, coerce_ref

OWNER = "ApplicationLoadBalancerArgs"


@documented_args
@dataclass
class AlbDomainArgs:
    """A name for the ALB in a public Route 53 zone of this account, with its own certificate."""

    name: str
    """The fully qualified name, e.g. `example.com` or `app.example.com`: the certificate's name and an
    alias record to the ALB. At most 64 characters."""
    hosted_zone: str
    """The public Route 53 hosted zone the name is in; it must exist in this account."""


@documented_args
@dataclass
class ApplicationLoadBalancerArgs:
    network: NetworkRef
    """The VPC and its subnets (PrivateNetwork's `ref`)."""
    listener_port: Optional[int] = None
    """The HTTP port. Default 80."""
    https: Optional[bool] = None
    """Serve HTTPS (HTTP then redirects with a 301). `true` requires one certificate source. Default: true
    exactly when a source is set."""
    https_port: Optional[int] = None
    """The HTTPS port; only with a certificate source. Default 443."""
    domain: Optional[AlbDomainArgs] = None
    """Serve HTTPS at this name: a DNS-validated ACM certificate and an alias record. Default none."""
    certificate_arn: Optional[pulumi.Input[str]] = None
    """An ACM certificate of this account, in the stack's region. Default none."""
    self_signed_certificate: Optional[bool] = None
    """Generate a self-signed certificate and import it into ACM, for dev stacks. Default false."""
    allowed_cidrs: Optional[list[str]] = None
    """Client CIDRs admitted to the listeners. Default `0.0.0.0/0` when internet-facing, the
    VPC's block when internal."""
    internal: Optional[bool] = None
    """An internal ALB in the private subnets. Default false (internet-facing, public subnets)."""
    deletion_protection: Optional[bool] = None
    """Deletion protection (Security Hub ELB.6). Default false."""
    access_logs: Optional[bool] = None
    """Access logs to a new private, versioned, SSE-S3 bucket (ELB.5). Default false."""
    access_log_expiry_days: Optional[int] = None
    """Days before access logs expire. Default 90."""
    protect: Optional[bool] = None
    """Pulumi `protect` on the access-log bucket, so `pulumi destroy` stops at it instead of deleting
    the logs. Default false."""
    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""


class ApplicationLoadBalancer(pulumi.ComponentResource):
    """An ALB shared by several services, routed by host and path; a fixed 404 for anything else."""

    url: pulumi.Output[str]
    """The ALB's base URL: `https://<domain>` with a domain, else its DNS name (https with TLS)."""
    dns_name: pulumi.Output[str]
    """The ALB's DNS name."""
    arn: pulumi.Output[str]
    """The ALB's ARN."""
    arn_suffix: pulumi.Output[str]
    """The ALB's ARN suffix, as CloudWatch metrics name it."""
    listener_arn: pulumi.Output[str]
    """The listener services attach their rules to (HTTPS with TLS, else HTTP)."""
    security_group_id: pulumi.Output[str]
    """The ALB's security group."""

    def __init__(
        self, name: str, args: ApplicationLoadBalancerArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__("fargatelb:index:ApplicationLoadBalancer", name, None, opts)
        args = coerce_args(ApplicationLoadBalancerArgs, args)
        check_component_name(OWNER, name, load_balancer="alb")
        network = coerce_ref(OWNER, "network", NetworkRef, args.network)
        assert network is not None
        settings = resolve_alb(OWNER, args)
        zone_id = lookup_zone(OWNER, settings, self)
        tags = check_tags(OWNER, "tags", args.tags)
        parts = build_alb(name, self, settings, network, tags, args.certificate_arn, forward_to=None, zone_id=zone_id)
        self.url = parts.url
        self.dns_name = parts.load_balancer.dns_name
        self.arn = parts.load_balancer.arn
        self.arn_suffix = parts.load_balancer.arn_suffix
        self.listener_arn = parts.serving_listener.arn
        self.security_group_id = parts.security_group.id
        self.register_outputs(
            {
                "url": self.url,
                "dns_name": self.dns_name,
                "arn": self.arn,
                "arn_suffix": self.arn_suffix,
                "listener_arn": self.listener_arn,
                "security_group_id": self.security_group_id,
            }
        )

    @property
    def ref(self) -> LoadBalancerRef:
        """The handle services take as `load_balancer=`."""
        return LoadBalancerRef(
            listener_arn=self.listener_arn, security_group_id=self.security_group_id, arn_suffix=self.arn_suffix,
            url=self.url,
        )  # fmt: skip
