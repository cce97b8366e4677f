"""PrivateNetwork: a VPC whose private subnets run containers without a NAT gateway.

Creates the VPC (DNS support and hostnames on), its default security group emptied, public subnets
routed to an internet gateway, private subnets with one route table per zone, optional NAT gateways,
the interface endpoints `ecr.api`, `ecr.dkr` and `logs` (plus any requested) with private DNS, an
S3 gateway endpoint that only reads ECR's layer bucket, the endpoint security group, and optional
VPC flow logs to CloudWatch.
"""

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws
from pulumi_aws import cloudwatch, ec2, iam, vpc

from . import endpoint_services
from ._account import region_and_account
from ._args import (
    InvalidArgument,
    check_choice,
    check_int,
    check_retention,
    check_tags,
    coerce_args,
    default,
    documented_args,
)
from .cidr import MAX_ZONES, plan_subnets
from .offline import is_offline
from .policies import ENDPOINT_POLICY_SERVICES, account_endpoint_policy, flow_logs_trust
from .refs import NetworkRef

# Interface endpoints every Fargate task in a private subnet needs: the registry API, the image
# layers' manifest service, and CloudWatch Logs for the awslogs driver. S3 is a gateway endpoint.
REQUIRED_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs")
_ENDPOINT_NAME = r"^[a-z0-9][a-z0-9.-]*$"
HTTPS = 443


class NatStrategy(enum.StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"
    """No NAT gateway: tasks reach AWS only through the VPC endpoints (the default)."""
    SINGLE = "single"
    """One NAT gateway in the first zone: cheap, but one zone's outage cuts every zone's egress."""
    PER_AZ = "per_az"
    """One NAT gateway per zone: each zone's egress survives the loss of another."""


@documented_args
@dataclass
class PrivateNetworkArgs:
    cidr_block: Optional[str] = None
    """The VPC's IPv4 block, /16 to /22. Default `10.0.0.0/16`."""

    az_count: Optional[int] = None
    """How many availability zones to span (1–6), taken in order from the region's zones. Default 2."""

    nat_strategy: Optional[NatStrategy] = None
    """`none`, `single` or `per_az`. Default `none`: ECR, S3 and Logs are reached through endpoints."""

    extra_interface_endpoints: Optional[list[str]] = None
    """More interface endpoints by service name, e.g. `ssmmessages` (ECS Exec), `secretsmanager`,
    `ssm`. Default none; `ecr.api`, `ecr.dkr` and `logs` are always created. A real preview asks AWS
    that each is offered in the region and in every zone the network spans."""

    flow_logs: Optional[bool] = None
    """Send VPC flow logs (ALL traffic) to CloudWatch Logs (Security Hub EC2.6). Default false."""

    flow_log_retention_days: Optional[int] = None
    """Retention of the flow-log group, a value CloudWatch accepts (1, 3, 5, 7, 14, 30, ...). Default 90."""

    encrypt_flow_logs: Optional[bool] = None
    """Encrypt the flow-log group with a new customer-managed KMS key. Only with `flow_logs`. Default false."""

    protect: Optional[bool] = None
    """Pulumi `protect` on the flow-log group and its KMS key, so `pulumi destroy` stops at them.
    Default false."""

    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""


@dataclass(frozen=True)
class _Settings:
    cidr_block: str
    az_count: int
    nat_strategy: NatStrategy
    interface_endpoints: tuple[str, ...]
    flow_logs: bool
    flow_log_retention_days: int
    tags: dict[str, str]
    encrypt_flow_logs: bool = False
    protect: bool = False


def resolve_network_args(args: PrivateNetworkArgs) -> _Settings:
    """Validate, then apply defaults. Pure: the stack-config layer calls it too."""
    owner = "PrivateNetworkArgs"
    az_count = check_int(owner, "az_count", default(args.az_count, 2), 1, MAX_ZONES)
    cidr_block = args.cidr_block or "10.0.0.0/16"
    try:
        plan_subnets(cidr_block, az_count)
    except ValueError as exc:
        raise InvalidArgument(owner, "cidr_block", str(exc)) from None
    nat = default(args.nat_strategy, NatStrategy.NONE)
    nat = NatStrategy(check_choice(owner, "nat_strategy", nat, list(NatStrategy)))
    extra = list(args.extra_interface_endpoints or [])
    for i, svc in enumerate(extra):
        if not isinstance(svc, str) or not re.match(_ENDPOINT_NAME, svc):
            raise InvalidArgument(
                owner, f"extra_interface_endpoints[{i}]", f"must be a service name like 'ssmmessages', got {svc!r}"
            )
        if svc == "s3":
            raise InvalidArgument(
                owner, f"extra_interface_endpoints[{i}]", "'s3' is always created, as a gateway endpoint"
            )
    endpoints = tuple(dict.fromkeys([*REQUIRED_INTERFACE_ENDPOINTS, *extra]))
    retention = check_retention(
        owner,
        "flow_log_retention_days",
        default(args.flow_log_retention_days, 90),
    )
    if args.encrypt_flow_logs and not args.flow_logs:
        raise InvalidArgument(owner, "encrypt_flow_logs", "encrypts the flow-log group: set flow_logs: true too")
    return _Settings(
        cidr_block=cidr_block,
        az_count=az_count,
        nat_strategy=nat,
        interface_endpoints=endpoints,
        flow_logs=bool(args.flow_logs),
        flow_log_retention_days=retention,
        tags=check_tags(owner, "tags", args.tags),
        encrypt_flow_logs=bool(args.encrypt_flow_logs),
        protect=bool(args.protect),
    )


def check_endpoint_services(
    owner: str, endpoints: tuple[str, ...], extra: list[str], region: str, zones: list[str], opts: pulumi.InvokeOptions
) -> None:
    """Ask AWS that each interface endpoint service exists in `region` and is offered in every one of
    `zones` (a subnet in a zone the service isn't offered in fails the endpoint's creation). A real
    run only: offline, the verdict's `vpc-endpoint-service` rule judges the names against a short list."""
    for svc in endpoints:
        field = f"extra_interface_endpoints[{extra.index(svc)}]" if svc in extra else "az_count"
        full = endpoint_services.service_name(region, svc)
        try:
            service = ec2.get_vpc_endpoint_service(service_name=full, service_type="Interface", opts=opts)
        except Exception as err:
            if "no matching" not in str(err):  # not the provider's "no matching EC2 VPC Endpoint Service found"
                raise
            raise InvalidArgument(
                owner,
                field,
                f"AWS offers no interface endpoint service {full} ({err}); see {endpoint_services.SOURCE_URL}",
            ) from None
        missing = [zone for zone in zones if zone not in (service.availability_zones or [])]
        if missing:
            raise InvalidArgument(
                owner,
                field,
                f"{full} is offered in {', '.join(sorted(service.availability_zones or [])) or 'no zone'} but not in "
                f"{', '.join(missing)}, which the network spans: its endpoint can't have a subnet there",
            )


def secret_endpoints(secret_arns: list[str]) -> list[str]:
    """The interface endpoints tasks need to read these secrets without NAT: `secretsmanager` for
    Secrets Manager ARNs, `ssm` for Parameter Store parameters."""
    services = {"secretsmanager" if ":secretsmanager:" in arn else "ssm" for arn in secret_arns}
    return sorted(services)


def ecr_layer_bucket_policy(region: str) -> str:
    """S3 gateway endpoint policy: read ECR's image layers and nothing else in S3."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadEcrImageLayers",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"],
                }
            ],
        }
    )


def allow_endpoint_access(
    name: str,
    endpoint_security_group_id: pulumi.Input[str],
    source_security_group_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> vpc.SecurityGroupIngressRule:
    """Admit HTTPS from one workload's security group to the VPC endpoints, and nothing wider."""
    return vpc.SecurityGroupIngressRule(
        f"{name}-endpoints-in",
        security_group_id=endpoint_security_group_id,
        referenced_security_group_id=source_security_group_id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        description=f"HTTPS to the VPC endpoints from {name}",
        opts=pulumi.ResourceOptions(parent=parent),
    )


class PrivateNetwork(pulumi.ComponentResource):
    """A VPC with public and private subnets across zones, and the endpoints that let Fargate tasks
    in the private subnets pull from ECR and write logs without a NAT gateway."""

    vpc_id: pulumi.Output[str]
    """The VPC's id."""
    vpc_cidr: pulumi.Output[str]
    """The VPC's IPv4 block."""
    availability_zones: pulumi.Output[list[str]]
    """The zones spanned, in subnet order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnets, one per zone: for load balancers and NAT gateways."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnets, one per zone: for tasks."""
    private_route_table_ids: pulumi.Output[list[str]]
    """One route table per private subnet."""
    endpoint_security_group_id: pulumi.Output[str]
    """Security group of the interface endpoints; grant a workload HTTPS to it, never 0.0.0.0/0."""
    s3_prefix_list_id: pulumi.Output[str]
    """Prefix list of the S3 gateway endpoint, for task egress to ECR's layer bucket."""

    def __init__(self, name: str, args: PrivateNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("fargatelb:index:PrivateNetwork", name, None, opts)
        args = coerce_args(PrivateNetworkArgs, args)
        settings = resolve_network_args(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)

        def tags(role: str) -> dict[str, str]:
            return {**settings.tags, "Name": f"{name}-{role}"}

        region, account = region_and_account(self)
        zones = aws.get_availability_zones(
            state="available",
            # Local and Wavelength zones can't host a load balancer node.
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=invoke,
        ).names
        if len(zones) < settings.az_count:
            raise InvalidArgument(
                "PrivateNetworkArgs",
                "az_count",
                f"{region} has {len(zones)} availability zones, so az_count must be from 1 to {len(zones)}",
            )
        zones = list(zones[: settings.az_count])
        if not is_offline():
            extra = list(args.extra_interface_endpoints or [])
            check_endpoint_services("PrivateNetworkArgs", settings.interface_endpoints, extra, region, zones, invoke)

        network = ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.cidr_block,
            # Interface endpoints with private DNS need both.
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=tags("vpc"),
            opts=child,
        )
        # Adopting the default security group with no rules empties it (Security Hub EC2.2).
        ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=network.id, tags=tags("default-sg"), opts=child)

        igw = ec2.InternetGateway(f"{name}-igw", vpc_id=network.id, tags=tags("igw"), opts=child)
        public_rt = ec2.RouteTable(f"{name}-public-rt", vpc_id=network.id, tags=tags("public-rt"), opts=child)
        ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )

        public_subnets: list[ec2.Subnet] = []
        private_subnets: list[ec2.Subnet] = []
        private_rts: list[ec2.RouteTable] = []
        for plan, zone in zip(plan_subnets(settings.cidr_block, settings.az_count), zones, strict=True):
            i = plan.zone_index
            public = ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=network.id,
                cidr_block=plan.public_cidr,
                availability_zone=zone,
                # Load balancers get their own addresses; nothing else here should be reachable.
                map_public_ip_on_launch=False,
                tags=tags(f"public-{zone}"),
                opts=child,
            )
            ec2.RouteTableAssociation(
                f"{name}-public-{i}", subnet_id=public.id, route_table_id=public_rt.id, opts=child
            )
            private = ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=network.id,
                cidr_block=plan.private_cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=tags(f"private-{zone}"),
                opts=child,
            )
            rt = ec2.RouteTable(
                f"{name}-private-rt-{i}", vpc_id=network.id, tags=tags(f"private-rt-{zone}"), opts=child
            )
            ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=private.id, route_table_id=rt.id, opts=child)
            public_subnets.append(public)
            private_subnets.append(private)
            private_rts.append(rt)

        egress_routes = self._build_nat(name, settings, public_subnets, private_rts, tags, child)

        endpoint_sg = ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=network.id,
            description="VPC interface endpoints: HTTPS from granted workloads only",
            tags=tags("endpoints-sg"),
            opts=child,
        )
        endpoints = []
        for svc in settings.interface_endpoints:
            endpoint = ec2.VpcEndpoint(
                f"{name}-vpce-{svc.replace('.', '-')}",
                vpc_id=network.id,
                service_name=f"com.amazonaws.{region}.{svc}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in private_subnets],
                security_group_ids=[endpoint_sg.id],
                # Only this account's principals may use the endpoint (where the service takes a policy).
                policy=account_endpoint_policy(account) if svc in ENDPOINT_POLICY_SERVICES else None,
                tags=tags(f"vpce-{svc}"),
                opts=child,
            )
            endpoints.append(endpoint)
        s3 = ec2.VpcEndpoint(
            f"{name}-vpce-s3",
            vpc_id=network.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            policy=ecr_layer_bucket_policy(region),
            tags=tags("vpce-s3"),
            opts=child,
        )

        if settings.flow_logs:
            self._build_flow_logs(name, settings, network, account, region, tags, child)

        self._name = name
        self._endpoint_sg = endpoint_sg
        self.vpc_id = network.id
        self.vpc_cidr = network.cidr_block
        self.availability_zones = pulumi.Output.from_input(zones)
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.private_route_table_ids = pulumi.Output.all(*[rt.id for rt in private_rts])
        # Resolves only once the endpoints (and NAT routes) exist, so a service that grants itself
        # access to the endpoints waits for them, and its first tasks can pull their image.
        self.endpoint_security_group_id = pulumi.Output.all(
            endpoint_sg.id, *[e.id for e in [*endpoints, s3, *egress_routes]]
        ).apply(lambda ids: ids[0])
        self.s3_prefix_list_id = s3.prefix_list_id
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "availability_zones": self.availability_zones,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "private_route_table_ids": self.private_route_table_ids,
                "endpoint_security_group_id": self.endpoint_security_group_id,
                "s3_prefix_list_id": self.s3_prefix_list_id,
            }
        )

    @property
    def ref(self) -> NetworkRef:
        """The handle services take as `network=`."""
        return NetworkRef(
            vpc_id=self.vpc_id,
            private_subnet_ids=self.private_subnet_ids,
            public_subnet_ids=self.public_subnet_ids,
            endpoint_security_group_id=self.endpoint_security_group_id,
            s3_prefix_list_id=self.s3_prefix_list_id,
            vpc_cidr=self.vpc_cidr,
        )

    def grant_endpoint_access(
        self, name: str, source_security_group_id: pulumi.Input[str]
    ) -> vpc.SecurityGroupIngressRule:
        """Admit HTTPS to the endpoints from one more security group (for workloads built outside
        this package; the package's services grant themselves)."""
        return allow_endpoint_access(name, self._endpoint_sg.id, source_security_group_id, self)

    @staticmethod
    def _build_nat(
        name: str,
        settings: _Settings,
        public_subnets: list[ec2.Subnet],
        private_rts: list[ec2.RouteTable],
        tags: Callable[[str], dict[str, str]],
        child: pulumi.ResourceOptions,
    ) -> list[ec2.Route]:
        if settings.nat_strategy is NatStrategy.NONE:
            return []
        per_az = settings.nat_strategy is NatStrategy.PER_AZ
        nats = []
        for i, subnet in enumerate(public_subnets if per_az else public_subnets[:1]):
            eip = ec2.Eip(f"{name}-nat-eip-{i}", domain="vpc", tags=tags(f"nat-eip-{i}"), opts=child)
            nats.append(
                ec2.NatGateway(
                    f"{name}-nat-{i}", allocation_id=eip.id, subnet_id=subnet.id, tags=tags(f"nat-{i}"), opts=child
                )
            )
        return [
            ec2.Route(
                f"{name}-private-default-{i}",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[i if per_az else 0].id,
                opts=child,
            )
            for i, rt in enumerate(private_rts)
        ]

    @staticmethod
    def _build_flow_logs(
        name: str,
        settings: _Settings,
        network: ec2.Vpc,
        account: str,
        region: str,
        tags: Callable[[str], dict[str, str]],
        child: pulumi.ResourceOptions,
    ) -> None:
        stateful = pulumi.ResourceOptions(parent=child.parent, protect=settings.protect)
        key = group_name = None
        if settings.encrypt_flow_logs:
            from ._kms import log_group_key

            # The key's policy names the one log group it serves: that group's name is fixed first.
            group_name = f"/fargatelb/{pulumi.get_project()}/{pulumi.get_stack()}/{name}-flow-logs"
            key = log_group_key(f"{name}-flow", account, region, group_name, tags, stateful)
        group = cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            retention_in_days=settings.flow_log_retention_days,
            kms_key_id=key.arn if key is not None else None,
            tags=tags("flow-logs"),
            opts=stateful,
        )
        role = iam.Role(
            f"{name}-flow-logs-role",
            # Only VPC flow logs of this account and region may assume it (confused-deputy prevention).
            assume_role_policy=flow_logs_trust(account, region),
            tags=tags("flow-logs-role"),
            opts=child,
        )
        iam.RolePolicy(
            f"{name}-flow-logs-write",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=network.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            tags=tags("flow-log"),
            opts=child,
        )
