"""UdpNlbService: UDP through an NLB to Fargate, with a health check that tells the truth.

An NLB health-checks only over TCP, HTTP or HTTPS, so by default each task runs two essential
containers: the UDP service and a sidecar (shipped in `fargatelb/sidecar`, built by the component
unless an image is given) that answers the health check on a TCP port only while a real datagram
round trip to the UDP service succeeds, by a probe each service configures (`probe`). A server that
opens its own TCP health port runs alone (`health_check.mode: service`). Creates the NLB with its
security group (settable only at creation), the UDP target group whose health check goes to that
port, the UDP listener, and through `_service` the task, task security group, ECS service and CPU
target tracking. The UDP port and the health-check port are each stated once.
"""

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_aws import ec2, lb

from ._alb import check_cidrs, client_ingress
from ._args import InvalidArgument, check_choice, check_port, coerce_args, default, documented_args
from ._probe import PROBE_ENVIRONMENT, UdpProbeArgs, resolve_probe
from ._service import ContainerSpec, LoadBalancerHop, ServiceSpec, build_fargate_service
from .alarms import NLB_NAMESPACE, AlarmsArgs, Watched
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
from .refs import ClusterRef, NetworkRef, coerce_ref
from .scaling import check_schedule_names

# UdpProbeArgs and resolve_probe live in _probe; this module is where programs import them from.
__all__ = [
    "PROBE_ENVIRONMENT", "UdpHealthCheckArgs", "UdpNlbService", "UdpNlbServiceArgs", "UdpProbeArgs", "resolve_probe",
]  # fmt: skip

OWNER = "UdpNlbServiceArgs"
UDP_CONTAINER = "udp"
SIDECAR_CONTAINER = "healthcheck"
HEALTH_MODES = ("sidecar", "service")
RESERVED_ENVIRONMENT = ("UDP_PORT", "HEALTH_PORT")
"""Set on the UDP container by the component (`HEALTH_PORT` in service mode only)."""


@documented_args
@dataclass
class UdpHealthCheckArgs(HealthCheckArgs):
    """The NLB's health check: of the sidecar (default), or of the UDP server's own TCP port."""

    mode: Optional[str] = None
    """`sidecar`: the component runs the health-check sidecar, which serves `port` only while the UDP
    service answers `probe`. `service`: no sidecar; the UDP container itself serves `port` over TCP
    (told in `HEALTH_PORT`) and the NLB checks it there. Default `sidecar`."""


@documented_args
@dataclass
class UdpNlbServiceArgs:
    network: NetworkRef
    """The VPC, subnets, endpoints' security group and S3 prefix list (PrivateNetwork's `ref`); its
    `vpc_cidr` is the default allowed clients of an internal NLB."""
    image: pulumi.Input[str]
    """The UDP service's image URI."""
    health_check_image: Optional[pulumi.Input[str]] = None
    """The health-check sidecar's image URI. Default: the component builds the sidecar this package
    ships (`fargatelb/sidecar`) into an ECR repository `<project>/<stack>/<name>-healthcheck` during
    `pulumi up` (Docker needed there), for `cpu_architecture`."""
    probe: Optional[UdpProbeArgs] = None
    """The sidecar's probe: the datagram it sends and the answer it counts as healthy. Default `PING
    {nonce}` answered by `PONG {nonce}…`. Set it for any server that doesn't speak that protocol."""
    cluster: Optional[ClusterRef] = None
    """The ECS cluster to run in (ServiceCluster's `ref`). Default: a new cluster with Container Insights."""
    udp_port: Optional[int] = None
    """The UDP port: listener, target group, port mapping and security groups. Default 1234."""
    health_check: Optional[UdpHealthCheckArgs] = None
    """The NLB's health check. Default: HTTP `/healthz` on port 8080, served by the sidecar; `TCP`
    also works; `mode: service` checks the UDP server's own TCP port instead."""
    internal: Optional[bool] = None
    """An internal NLB in the private subnets. Default true; false puts it in the public subnets."""
    allowed_cidrs: Optional[list[str]] = None
    """Client CIDRs admitted on the UDP port. Default the VPC's block when internal; required when internet-facing."""
    cross_zone_load_balancing: Optional[bool] = None
    """Spread traffic across zones evenly (inter-zone data is charged). Default true."""
    deletion_protection: Optional[bool] = None
    """The NLB's deletion protection (Security Hub ELB.6). Default false."""
    cpu: Optional[int] = None
    """Fargate CPU units for the task (both containers). Default 256."""
    memory: Optional[int] = None
    """Memory (MiB) for the task, a value Fargate allows for the CPU. Default 512."""
    container: Optional[ContainerArgs] = None
    """The UDP container's user and ECS health check. Default: `10001:10001`, no container health check."""
    sidecar: Optional[ContainerArgs] = None
    """The health-check sidecar's user and ECS health check. Default: `10001:10001`, none."""
    environment: Optional[dict[str, pulumi.Input[str]]] = None
    """Plain environment variables for the UDP container; a value may be an Output (another resource's
    address). Default none."""
    secrets: Optional[dict[str, pulumi.Input[str]]] = None
    """Environment variables read from Secrets Manager or SSM, by ARN; an ARN may be an Output (a secret
    made in the same program), checked when known. Default none."""
    secrets_kms_keys: Optional[list[str]] = None
    """ARNs of the customer-managed KMS keys `secrets` are encrypted with: the execution role may
    kms:Decrypt with them, through Secrets Manager or SSM only. Default none (AWS managed keys)."""
    scaling: Optional[ScalingArgs] = None
    """Autoscaling. Default 1–3 tasks holding 50% CPU."""
    deregistration_delay: Optional[int] = None
    """Seconds a deregistering target drains, 0–3600. Default 30."""
    health_check_grace_period: Optional[int] = None
    """Seconds ECS ignores failing health checks of a new task. Default 60."""
    log_retention_days: Optional[int] = None
    """Container log retention, a value CloudWatch accepts. Default 30."""
    encrypt_logs: Optional[bool] = None
    """Encrypt the log group with a new customer-managed KMS key. Default false."""
    cpu_architecture: Optional[str] = None
    """`X86_64` or `ARM64`, matching the image's platform. Default `X86_64`."""
    internet_egress: Optional[bool] = None
    """Let tasks open HTTPS (tcp/443) to the internet through the network's NAT gateways, e.g. to pull
    an image from a public registry or call an outside API. Needs a NAT strategy; the tasks otherwise
    reach only the VPC endpoints (and what `calls` grants). Default false."""
    alarms: Optional[AlarmsArgs] = None
    """Deployment alarms (CloudWatch) ECS watches during a deployment, rolling it back when one fires.
    Default on: unhealthy targets, no healthy target, fewer tasks running than desired."""
    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""
    image_repository_force_delete: Optional[bool] = None
    """Let `pulumi destroy` delete the built sidecar's ECR repository with its images. Default false:
    destroy stops at a repository that still holds images (meant for production; set it for
    throwaway stacks)."""
    image_repository_kms_key_arn: Optional[pulumi.Input[str]] = None
    """Encrypt the built sidecar's ECR repository with this customer-managed KMS key (Security Hub
    ECR.5). Default none: ECR's own AES-256 encryption."""
    image_repository_protect: Optional[bool] = None
    """Pulumi `protect` on the built sidecar's ECR repository. Default: `protect`."""
    protect: Optional[bool] = None
    """Pulumi `protect` on the service's stateful resources: its log group, the log group's KMS key
    and (unless `image_repository_protect` says otherwise) the built sidecar's ECR repository, so
    `pulumi destroy` stops at them. Default false."""


@dataclass(frozen=True)
class UdpSettings:
    udp_port: int
    health: HealthCheck
    internal: bool
    allowed_cidrs: tuple[str, ...] | None  # None: the VPC's block, known only at deploy time
    cross_zone: bool
    deletion_protection: bool
    task: TaskSettings
    container: Container
    sidecar: Container | None  # None: health_check.mode is "service"
    probe_environment: dict[str, str]


def _network(args: UdpNlbServiceArgs) -> NetworkRef:
    network = coerce_ref(OWNER, "network", NetworkRef, args.network)
    assert network is not None
    return network


def resolve_udp_args(name: str, args: UdpNlbServiceArgs) -> UdpSettings:
    """Validate, then default. Pure: the stack-config layer calls it too."""
    check_component_name(OWNER, name, load_balancer="nlb")
    udp_port = check_port(OWNER, "udp_port", default(args.udp_port, 1234))
    health = resolve_health_check(
        OWNER, args.health_check, default_path="/healthz", default_port=8080, protocols=("HTTP", "TCP")
    )
    requested_mode = getattr(args.health_check, "mode", None)  # plain HealthCheckArgs has none
    mode = check_choice(OWNER, "health_check.mode", default(requested_mode, "sidecar"), HEALTH_MODES)
    if health.port == udp_port:
        # The NLB checks over TCP or HTTP: a port that is also the UDP port would still need a TCP
        # listener there, which neither the sidecar nor (as far as the NLB knows) the server has.
        raise InvalidArgument(
            OWNER,
            "health_check.port",
            f"({health.port}) must differ from udp_port: the NLB checks over {health.protocol}, served by "
            + ("the health-check sidecar on its own TCP port" if mode == "sidecar" else "the server's own TCP port"),
        )
    internal = bool(default(args.internal, True))
    if args.allowed_cidrs is not None:
        cidrs: tuple[str, ...] | None = check_cidrs(OWNER, "allowed_cidrs", args.allowed_cidrs)
    elif not internal:
        raise InvalidArgument(
            OWNER, "allowed_cidrs", "is required when internal is false: name the clients an internet-facing NLB admits"
        )
    elif _network(args).vpc_cidr is None:
        raise InvalidArgument(
            OWNER, "allowed_cidrs", "or network.vpc_cidr is required: an internal NLB admits the VPC by default"
        )
    else:
        cidrs = None
    check_image(OWNER, "image", args.image)
    container = resolve_container(OWNER, "container", args.container)
    if mode == "service":
        for field in ("health_check_image", "probe", "sidecar"):
            if getattr(args, field) is not None:
                raise InvalidArgument(
                    OWNER, field, "isn't used when health_check.mode is 'service' (no sidecar runs); remove it"
                )
        sidecar, probe_env = None, {}
    else:
        if args.health_check_image is not None:
            check_image(OWNER, "health_check_image", args.health_check_image)
        sidecar = resolve_container(OWNER, "sidecar", args.sidecar)
        probe_env = resolve_probe(args.probe)
    for field, settings in (("container", container), ("sidecar", sidecar)):
        if settings is not None and settings.ports:
            # The UDP container maps udp_port (and in service mode the health port), the sidecar the
            # health-check port; nothing else is reached.
            raise InvalidArgument(
                OWNER,
                f"{field}.ports",
                "isn't used by UdpNlbService: the UDP container serves udp_port and the sidecar serves "
                "health_check.port (the UDP container does, in service mode); remove it",
            )
    task = resolve_task(OWNER, args, alb=False)
    check_schedule_names(OWNER, name, task.scaling)
    check_reserved_environment(OWNER, task.environment, RESERVED_ENVIRONMENT, "udp_port and health_check.port")
    return UdpSettings(
        udp_port=udp_port,
        health=health,
        internal=internal,
        allowed_cidrs=cidrs,
        cross_zone=bool(default(args.cross_zone_load_balancing, True)),
        deletion_protection=bool(args.deletion_protection),
        task=task,
        container=container,
        sidecar=sidecar,
        probe_environment=probe_env,
    )


class UdpNlbService(pulumi.ComponentResource):
    """A UDP service on Fargate behind an NLB, kept in rotation only while it really answers."""

    load_balancer_dns_name: pulumi.Output[str]
    """The NLB's DNS name."""
    udp_port: pulumi.Output[int]
    """The UDP port clients send to."""
    load_balancer_arn: pulumi.Output[str]
    """The NLB's ARN."""
    target_group_arn: pulumi.Output[str]
    """The UDP target group's ARN."""
    service_name: pulumi.Output[str]
    """The ECS service's name."""
    task_definition_arn: pulumi.Output[str]
    """The task definition revision (ARN) the ECS service is told to run."""
    cluster_name: pulumi.Output[str]
    """The ECS cluster's name."""
    task_security_group_id: pulumi.Output[str]
    """The tasks' security group."""
    load_balancer_security_group_id: pulumi.Output[str]
    """The NLB's security group."""
    alarm_names: pulumi.Output[list[str]]
    """The deployment alarms' names (ECS rolls a deployment back when one fires)."""
    alarm_arns: pulumi.Output[list[str]]
    """The deployment alarms' ARNs, for a dashboard."""

    def __init__(self, name: str, args: UdpNlbServiceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("fargatelb:index:UdpNlbService", name, None, opts)
        args = coerce_args(UdpNlbServiceArgs, args)
        s = resolve_udp_args(name, args)
        network = _network(args)
        cluster = coerce_ref(OWNER, "cluster", ClusterRef, args.cluster, required=False)
        child = pulumi.ResourceOptions(parent=self)

        def tags(role: str) -> dict[str, str]:
            return {**s.task.tags, "Name": f"{name}-{role}"}

        nlb_sg = ec2.SecurityGroup(
            f"{name}-nlb-sg",
            vpc_id=network.vpc_id,
            description=f"{name} NLB: UDP {s.udp_port} from allowed clients, out only to the tasks",
            tags=tags("nlb-sg"),
            opts=child,
        )
        clients: tuple[pulumi.Input[str], ...] = s.allowed_cidrs or (network.vpc_cidr,)  # type: ignore[assignment]
        client_ingress(name, nlb_sg, clients, [("udp", s.udp_port)], s.task.tags, child)

        nlb = lb.LoadBalancer(
            f"{name}-nlb",
            load_balancer_type="network",
            internal=s.internal,
            subnets=network.private_subnet_ids if s.internal else network.public_subnet_ids,
            # Only settable when the NLB is created: adding one later replaces the NLB.
            security_groups=[nlb_sg.id],
            enable_cross_zone_load_balancing=s.cross_zone,
            enable_deletion_protection=s.deletion_protection,
            tags=tags("nlb"),
            opts=child,
        )
        target_group = lb.TargetGroup(
            f"{name}-tg",
            target_type="ip",
            protocol="UDP",
            port=s.udp_port,
            vpc_id=network.vpc_id,
            deregistration_delay=s.task.deregistration_delay,
            # UDP can't be health-checked: probe the sidecar, which answers for the UDP service.
            health_check=lb.TargetGroupHealthCheckArgs(**s.health.target_group_args(s.udp_port)),
            tags=tags("tg"),
            opts=child,
        )
        listener = lb.Listener(
            f"{name}-udp",
            load_balancer_arn=nlb.arn,
            port=s.udp_port,
            protocol="UDP",
            default_actions=[lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)],
            tags=tags("udp"),
            opts=child,
        )

        udp_container = ContainerSpec(
            name=UDP_CONTAINER,
            image=args.image,
            port_mappings=[(s.udp_port, "udp")],
            environment={**s.task.environment, "UDP_PORT": str(s.udp_port)},
            secrets=s.task.secrets,
            user=s.container.user,
            health_command=s.container.health_check_command,
        )
        if s.sidecar is None:
            # Service mode: the server answers the NLB's TCP/HTTP check on its own port.
            udp_container.port_mappings.append((s.health.port, "tcp"))
            udp_container.environment["HEALTH_PORT"] = str(s.health.port)
            containers = [udp_container]
        else:
            containers = [udp_container, self._sidecar(name, args, s)]
        parts = build_fargate_service(
            name,
            self,
            ServiceSpec(owner=OWNER, network=network, cluster=cluster, containers=containers, task=s.task),
            lb_security_group_id=nlb_sg.id,
            hops=[
                LoadBalancerHop("udp", s.udp_port, "UDP traffic"),
                LoadBalancerHop("tcp", s.health.port, "health checks"),
            ],
            target_group=target_group,
            load_balancer_arn_suffix=None,
            lb_container=(UDP_CONTAINER, s.udp_port),
            wait_for=[listener],
            watched=Watched(NLB_NAMESPACE, target_group.arn_suffix, nlb.arn_suffix),
        )

        self.load_balancer_dns_name = nlb.dns_name
        self.udp_port = pulumi.Output.from_input(s.udp_port)
        self.load_balancer_arn = nlb.arn
        self.target_group_arn = target_group.arn
        self.service_name = parts.service.name
        self.task_definition_arn = parts.task_definition.arn
        self.cluster_name = parts.cluster_name
        self.task_security_group_id = parts.task_security_group.id
        self.load_balancer_security_group_id = nlb_sg.id
        self.alarm_names = pulumi.Output.all(*[a.name for a in parts.alarms])
        self.alarm_arns = pulumi.Output.all(*[a.arn for a in parts.alarms])
        self.register_outputs(
            {
                "load_balancer_dns_name": self.load_balancer_dns_name,
                "udp_port": self.udp_port,
                "load_balancer_arn": self.load_balancer_arn,
                "target_group_arn": self.target_group_arn,
                "service_name": self.service_name,
                "task_definition_arn": self.task_definition_arn,
                "cluster_name": self.cluster_name,
                "task_security_group_id": self.task_security_group_id,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "alarm_names": self.alarm_names,
                "alarm_arns": self.alarm_arns,
            }
        )

    def _sidecar(self, name: str, args: UdpNlbServiceArgs, s: UdpSettings) -> ContainerSpec:
        """The health-check sidecar: the given image, or the one this package ships, built for the task."""
        assert s.sidecar is not None
        image, user, command = args.health_check_image, s.sidecar.user, s.sidecar.health_check_command
        if image is None:
            from .build import PLATFORMS, build_image
            from .sidecar import CONTEXT

            built = build_image(
                f"{name}-healthcheck",
                CONTEXT,
                platform=PLATFORMS[s.task.cpu_architecture],
                force_delete=bool(args.image_repository_force_delete),
                kms_key_arn=args.image_repository_kms_key_arn,
                protect=bool(default(args.image_repository_protect, s.task.protect)),
                parent=self,
            )
            image = built.uri
            own = built.container_settings(args.sidecar)  # the caller's `sidecar` settings win
            user, command = own.user or user, own.health_check_command
        return ContainerSpec(
            name=SIDECAR_CONTAINER,
            image=image,
            port_mappings=[(s.health.port, "tcp")],
            environment={
                "HEALTH_PORT": str(s.health.port),
                "HEALTH_MODE": s.health.protocol.lower(),
                # Containers of one awsvpc task share a network namespace: localhost is the UDP service.
                "UDP_TARGET_HOST": "127.0.0.1",
                "UDP_TARGET_PORT": str(s.udp_port),
                **s.probe_environment,
            },
            depends_on=[UDP_CONTAINER],
            user=user,
            health_command=command,
        )
