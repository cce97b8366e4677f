"""LoadBalancedFargateService: an ALB → a target group of type ip → a Fargate service in private subnets.

Two ways to stand behind an ALB:

- its own ALB (the one-service shorthand): the ALB, its security group and listeners are built here
  (`_alb.build_alb`), the serving listener forwarding to this service's target group;
- a shared `ApplicationLoadBalancer` (`load_balancer=alb.ref`): one listener rule on the shared
  listener, by `routing` (host and path patterns, a priority, or the default), forwarding to this
  service's own target group.

Either way, through `_service`, the task definition, task security group (admitting exactly this
service's ports from the ALB's group, which may send to it on exactly those), ECS service and
autoscaling. Every port comes from `container_port` (and the ALB's `listener_port`/`https_port`);
nothing repeats a number.
"""

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_aws import lb

from ._alb import ALB_FIELDS, AlbSettings, build_alb, lookup_zone, resolve_alb
from ._args import InvalidArgument, check_port, coerce_args, default, documented_args
from ._service import ContainerSpec, LoadBalancerHop, ServiceSpec, build_fargate_service
from .alarms import ALB_NAMESPACE, AlarmsArgs, Watched
from .fargate import (
    Container,
    ContainerArgs,
    HealthCheck,
    HealthCheckArgs,
    ScalingArgs,
    TaskSettings,
    check_component_name,
    check_image,
    check_reserved_environment,
    resolve_container,
    resolve_health_check,
    resolve_task,
)
from .refs import ClusterRef, LoadBalancerRef, NetworkRef, coerce_ref
from .routing import DEFAULT_PRIORITY, Route, route_problems
from .scaling import check_schedule_names

OWNER = "LoadBalancedFargateServiceArgs"
CONTAINER = "app"
RESERVED_ENVIRONMENT = ("PORT",)
"""Set by the component (the container port, stated once): a user's own value would be replaced."""


@documented_args
@dataclass
class DomainArgs:
    """A name for the service in a public Route 53 zone of this account, with its own certificate."""

    name: str
    """The service's fully qualified name, e.g. `app.example.com`: the certificate's name and an alias
    record to the ALB. At most 64 characters (ACM's limit for a certificate's first name)."""
    hosted_zone: str
    """The public Route 53 hosted zone the name is in, e.g. `example.com`; it must exist in this account
    (looked up before anything is created) and be the zone the domain is delegated to."""


@documented_args
@dataclass
class RoutingArgs:
    """Which requests a shared ALB sends to this service: its listener rule."""

    hosts: Optional[list[str]] = None
    """Host-header patterns (`api.example.com`, `*.example.com`), any of which matches. Default none."""
    paths: Optional[list[str]] = None
    """Path patterns (`/api/*`), any of which matches. Default none."""
    priority: Optional[int] = None
    """The rule's priority, 1-49999, unique on the ALB; lower numbers are evaluated first. Required
    unless `default`."""
    default: Optional[bool] = None
    """Serve whatever no other service's rule matches (one service per ALB; no hosts or paths then).
    Default false."""


@documented_args
@dataclass
class LoadBalancedFargateServiceArgs:
    network: NetworkRef
    """The VPC, subnets, endpoints' security group and S3 prefix list (PrivateNetwork's `ref`)."""
    image: pulumi.Input[str]
    """Container image URI; in private subnets with no NAT, it must be in this account's ECR."""
    cluster: Optional[ClusterRef] = None
    """The ECS cluster to run in (ServiceCluster's `ref`). Default: a new cluster with Container Insights."""
    load_balancer: Optional[LoadBalancerRef] = None
    """A shared ALB to attach to (ApplicationLoadBalancer's `ref`), with `routing`. Default: the service's
    own ALB, configured by the ALB fields below."""
    routing: Optional[RoutingArgs] = None
    """The listener rule on a shared ALB. Only with `load_balancer`."""
    discoverable: Optional[bool] = None
    """Register the tasks in the cluster's Cloud Map namespace, as `<name>.<namespace>`, for other
    services to call. Needs a cluster with a namespace. Default false."""
    container_port: Optional[int] = None
    """The port the container listens on; the target group, port mapping, service and both security
    groups all derive from it. Default 80."""
    cpu: Optional[int] = None
    """Fargate CPU units: 256, 512, 1024, 2048, 4096, 8192, 16384 or 32768. Default 256."""
    memory: Optional[int] = None
    """Memory (MiB), a value Fargate allows for the CPU. Default 512."""
    container: Optional[ContainerArgs] = None
    """The container's user, extra ports and ECS health check. Default: uid:gid 10001:10001, no
    container health check."""
    environment: Optional[dict[str, pulumi.Input[str]]] = None
    """Plain environment variables; a value may be an Output (another resource's address). Credential-like
    names are refused (use `secrets`), and so is `PORT`, which the component sets to `container_port`.
    Default none."""
    secrets: Optional[dict[str, pulumi.Input[str]]] = None
    """Environment variables read from Secrets Manager or SSM, by ARN; an ARN may be an Output (a secret
    made in the same program), checked when known. Default none."""
    secrets_kms_keys: Optional[list[str]] = None
    """ARNs of the customer-managed KMS keys `secrets` are encrypted with: the execution role may
    kms:Decrypt with them, through Secrets Manager or SSM only. Default none (AWS managed keys)."""
    health_check: Optional[HealthCheckArgs] = None
    """Target-group health check. Default: HTTP `/` on the traffic port, 10 s interval, healthy after 2."""
    listener_port: Optional[int] = None
    """Own ALB only: the HTTP port. Default 80."""
    https: Optional[bool] = None
    """Own ALB only: serve HTTPS (HTTP then redirects with a 301). `true` requires one certificate
    source: `domain`, `certificate_arn` or `self_signed_certificate`. Default: true exactly when a
    source is set."""
    https_port: Optional[int] = None
    """Own ALB only: the HTTPS port; only with a certificate source. Default 443."""
    domain: Optional[DomainArgs] = None
    """Own ALB only: serve HTTPS at this name: a DNS-validated ACM certificate and an alias record in its
    zone. Default none."""
    certificate_arn: Optional[pulumi.Input[str]] = None
    """Own ALB only: an ACM certificate of this account, in the stack's region. Default none."""
    self_signed_certificate: Optional[bool] = None
    """Own ALB only: generate a self-signed certificate and import it into ACM, for dev. Default false."""
    allowed_cidrs: Optional[list[str]] = None
    """Own ALB only: client CIDRs (IPv4 or IPv6) admitted to the listeners. Default `0.0.0.0/0` when
    internet-facing, the VPC's block when internal."""
    internal: Optional[bool] = None
    """Own ALB only: an internal ALB, in the private subnets. Default false (internet-facing)."""
    deletion_protection: Optional[bool] = None
    """Own ALB only: deletion protection (Security Hub ELB.6). Default false."""
    access_logs: Optional[bool] = None
    """Own ALB only: access logs to a new private, versioned, SSE-S3 bucket (ELB.5). Default false."""
    access_log_expiry_days: Optional[int] = None
    """Own ALB only: days before access logs expire. Default 90."""
    scaling: Optional[ScalingArgs] = None
    """Autoscaling. Default 1–3 tasks holding 50% CPU."""
    deregistration_delay: Optional[int] = None
    """Seconds a deregistering target drains, 0–3600. Default 30 (not the 300 s AWS default)."""
    health_check_grace_period: Optional[int] = None
    """Seconds ECS ignores failing health checks of a new task, 0–2147483647. Default 60."""
    log_retention_days: Optional[int] = None
    """Container log retention, a value CloudWatch accepts. Default 30."""
    encrypt_logs: Optional[bool] = None
    """Encrypt the container log group with a new customer-managed KMS key. Default false."""
    cpu_architecture: Optional[str] = None
    """`X86_64` or `ARM64`, matching the image's platform. Default `X86_64`."""
    internet_egress: Optional[bool] = None
    """Let tasks open HTTPS (tcp/443) to the internet through the network's NAT gateways, e.g. to pull
    an image from a public registry or call an outside API. Needs a NAT strategy; the tasks otherwise
    reach only the VPC endpoints (and what `calls` grants). Default false."""
    alarms: Optional[AlarmsArgs] = None
    """Deployment alarms (CloudWatch) ECS watches during a deployment, rolling it back when one fires.
    Default on: target 5xx rate over 5%, unhealthy targets, fewer tasks running than desired."""
    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""
    protect: Optional[bool] = None
    """Pulumi `protect` on the service's stateful resources: its log group, the log group's KMS key
    and (own ALB) the access-log bucket, so `pulumi destroy` stops at them. Default false."""


@dataclass(frozen=True)
class WebSettings:
    container_port: int
    container_ports: tuple[int, ...]
    """Every TCP port the container serves: container_port, then container.ports."""
    alb: AlbSettings | None
    """The service's own ALB; None on a shared one."""
    route: Route | None
    """The listener rule on a shared ALB; None with its own."""
    task: TaskSettings
    container: Container
    health: HealthCheck


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


def resolve_route(name: str, routing: RoutingArgs | None) -> Route:
    r = routing or RoutingArgs()
    default_route = bool(r.default)
    if default_route and (r.hosts or r.paths):
        raise InvalidArgument(OWNER, "routing.default", "serves what no rule matches: it takes no hosts or paths")
    if default_route and r.priority is not None:
        raise InvalidArgument(
            OWNER, "routing.priority", f"isn't used with routing.default (the default rule is last, {DEFAULT_PRIORITY})"
        )
    if not default_route and r.priority is None:
        raise InvalidArgument(OWNER, "routing.priority", "is required (1-49999, unique on the ALB) unless default")
    route = Route(
        service=name,
        priority=DEFAULT_PRIORITY if default_route else int(r.priority or 0),
        hosts=tuple(r.hosts or ()),
        paths=tuple(r.paths or ()),
        key="routing",
    )
    problems = route_problems(route, default=default_route)
    if problems:
        field = "routing.priority" if "priority" in problems[0] else "routing"
        raise InvalidArgument(OWNER, field, "; ".join(problems))
    return route


def resolve_web_args(name: str, args: LoadBalancedFargateServiceArgs) -> WebSettings:
    """Validate, then default. Pure: the stack-config layer calls it too."""
    check_component_name(OWNER, name, load_balancer=None if args.load_balancer is not None else "alb")
    check_image(OWNER, "image", args.image)
    container_port = check_port(OWNER, "container_port", default(args.container_port, 80))
    shared = args.load_balancer is not None
    if shared:
        given = [f for f in ALB_FIELDS if getattr(args, f) is not None]
        if given:
            raise InvalidArgument(
                OWNER, given[0], "configures the service's own ALB; on a shared load_balancer, set it on the ALB"
            )
    elif args.routing is not None:
        raise InvalidArgument(OWNER, "routing", "routes on a shared ALB: set load_balancer too, or remove routing")
    container = resolve_container(OWNER, "container", args.container)
    health = resolve_health_check(
        OWNER, args.health_check, default_path="/", default_port=container_port, protocols=("HTTP",)
    )
    task = resolve_task(OWNER, args)
    check_schedule_names(OWNER, name, task.scaling)
    check_reserved_environment(OWNER, task.environment, RESERVED_ENVIRONMENT, "container_port")
    return WebSettings(
        container_port=container_port,
        container_ports=resolve_served_health_check(container_port, container, health),
        alb=None if shared else resolve_alb(OWNER, args),
        route=resolve_route(name, args.routing) if shared else None,
        task=task,
        container=container,
        health=health,
    )


class LoadBalancedFargateService(pulumi.ComponentResource):
    """A Fargate service in private subnets behind an ALB (its own, or a shared one by host and path),
    with HTTPS, safe deploys and target-tracking autoscaling."""

    url: pulumi.Output[str]
    """The service's URL: its own ALB's (`https://<domain.name>` with a domain), or, on a shared ALB, its
    first host or path there."""
    load_balancer_dns_name: pulumi.Output[str]
    """The own ALB's DNS name (empty on a shared ALB: see the ALB's outputs)."""
    load_balancer_arn: pulumi.Output[str]
    """The own ALB's ARN (empty on a shared ALB)."""
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
    """The ALB's security group (the shared ALB's, on one)."""
    log_group_name: pulumi.Output[str]
    """The containers' CloudWatch log group."""
    alarm_names: pulumi.Output[list[str]]
    """The deployment alarms' names (ECS rolls a deployment back when one fires)."""
    alarm_arns: pulumi.Output[list[str]]
    """The deployment alarms' ARNs, for a dashboard."""

    def __init__(
        self, name: str, args: LoadBalancedFargateServiceArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__("fargatelb:index:LoadBalancedFargateService", name, None, opts)
        args = coerce_args(LoadBalancedFargateServiceArgs, args)
        network = coerce_ref(OWNER, "network", NetworkRef, args.network)
        cluster = coerce_ref(OWNER, "cluster", ClusterRef, args.cluster, required=False)
        shared = coerce_ref(OWNER, "load_balancer", LoadBalancerRef, args.load_balancer, required=False)
        assert network is not None
        s = resolve_web_args(name, args)
        if args.discoverable and (cluster is None or cluster.namespace_id is None):
            raise InvalidArgument(
                OWNER, "discoverable", "needs a cluster with a namespace (ServiceClusterArgs.namespace)"
            )
        child = pulumi.ResourceOptions(parent=self)
        zone_id = lookup_zone(OWNER, s.alb, self) if s.alb is not None else None

        target_group = lb.TargetGroup(
            f"{name}-tg",
            target_type="ip",  # awsvpc tasks register by IP; `instance` can't register them
            protocol="HTTP",
            port=s.container_port,
            vpc_id=network.vpc_id,
            deregistration_delay=s.task.deregistration_delay,
            health_check=lb.TargetGroupHealthCheckArgs(**s.health.target_group_args(s.container_port)),
            tags={**s.task.tags, "Name": f"{name}-tg"},
            opts=child,
        )
        if shared is not None and s.route is not None:
            attached: list[pulumi.Resource] = [
                self._rule(name, s.route, shared.listener_arn, target_group, s.task.tags)
            ]
            lb_sg_id, arn_suffix = shared.security_group_id, shared.arn_suffix
            self.url = self._routed_url(shared, s.route)
            self.load_balancer_dns_name = self.load_balancer_arn = pulumi.Output.from_input("")
        else:
            assert s.alb is not None
            alb = build_alb(
                name, self, s.alb, network, s.task.tags, args.certificate_arn, forward_to=target_group.arn,
                zone_id=zone_id,
            )  # fmt: skip
            attached = list(alb.listeners)
            lb_sg_id, arn_suffix = alb.security_group.id, alb.load_balancer.arn_suffix
            self.url = alb.url
            self.load_balancer_dns_name = alb.load_balancer.dns_name
            self.load_balancer_arn = alb.load_balancer.arn

        hops = [LoadBalancerHop("tcp", s.container_port, "traffic")]
        if s.health.port != s.container_port:
            hops.append(LoadBalancerHop("tcp", s.health.port, "health checks"))
        parts = build_fargate_service(
            name,
            self,
            ServiceSpec(
                owner=OWNER,
                network=network,
                cluster=cluster,
                discoverable=bool(args.discoverable),
                containers=[
                    ContainerSpec(
                        name=CONTAINER,
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
            lb_security_group_id=lb_sg_id,
            hops=hops,
            target_group=target_group,
            load_balancer_arn_suffix=arn_suffix,
            watched=Watched(ALB_NAMESPACE, target_group.arn_suffix, self._alb_suffix(arn_suffix, s)),
            lb_container=(CONTAINER, s.container_port),
            wait_for=attached,
        )
        self.target_group_arn = target_group.arn
        self.service_name = parts.service.name
        self.cluster_name = parts.cluster_name
        self.task_security_group_id = parts.task_security_group.id
        self.task_definition_arn = parts.task_definition.arn
        self.load_balancer_security_group_id = pulumi.Output.from_input(lb_sg_id)
        self.log_group_name = parts.log_group.name
        self.alarm_names = pulumi.Output.all(*[a.name for a in parts.alarms])
        self.alarm_arns = pulumi.Output.all(*[a.arn for a in parts.alarms])
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
                "alarm_names": self.alarm_names,
                "alarm_arns": self.alarm_arns,
            }
        )

    @staticmethod
    def _alb_suffix(arn_suffix: pulumi.Input[str] | None, s: WebSettings) -> pulumi.Input[str]:
        """The ALB's ARN suffix: the `LoadBalancer` dimension of the deployment alarms."""
        if arn_suffix is None:
            if s.task.alarms.enabled:
                raise InvalidArgument(
                    OWNER, "load_balancer", "needs arn_suffix: the deployment alarms watch the ALB's target group by it"
                )
            return ""
        return arn_suffix

    def _rule(
        self, name: str, route: Route, listener_arn: pulumi.Input[str], target_group: lb.TargetGroup,
        tags: dict[str, str],
    ) -> lb.ListenerRule:  # fmt: skip
        """This service's rule on the shared listener: its hosts and paths, at its priority."""
        conditions: list[lb.ListenerRuleConditionArgs] = []
        if route.hosts:
            conditions.append(
                lb.ListenerRuleConditionArgs(
                    host_header=lb.ListenerRuleConditionHostHeaderArgs(values=list(route.hosts))
                )
            )
        if route.paths:
            conditions.append(
                lb.ListenerRuleConditionArgs(
                    path_pattern=lb.ListenerRuleConditionPathPatternArgs(values=list(route.paths))
                )
            )
        if not conditions:  # the default service: whatever no other rule matched
            conditions.append(
                lb.ListenerRuleConditionArgs(path_pattern=lb.ListenerRuleConditionPathPatternArgs(values=["*"]))
            )
        return lb.ListenerRule(
            f"{name}-rule",
            listener_arn=listener_arn,
            priority=route.priority,
            conditions=conditions,
            actions=[lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)],
            tags={**tags, "Name": f"{name}-rule"},
            # A priority is unique on its listener: a replacement created before the old rule is
            # deleted fails with PriorityInUse. (A rename is a create and a delete too: see README.)
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )

    @staticmethod
    def _routed_url(shared: LoadBalancerRef, route: Route) -> pulumi.Output[str]:
        base = pulumi.Output.from_input(shared.url or "")
        host = next((h for h in route.hosts if "*" not in h and "?" not in h), None)
        path = next((p.split("*")[0].split("?")[0] for p in route.paths), "")
        if host is None:
            return pulumi.Output.concat(base, path)

        def at_host(url: str) -> str:
            scheme, _, rest = (url or "http://").partition("://")
            port = f":{rest.split(':')[1]}" if ":" in rest else ""  # the ALB's port, if not the scheme's
            return f"{scheme}://{host}{port}{path}"

        return base.apply(at_host)
