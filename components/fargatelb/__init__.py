"""fargatelb: containers in private subnets behind AWS load balancers, wired right the first time.

Components (each also hosted for other languages by `components/__main__.py`):

- `PrivateNetwork`: VPC, subnets across zones, ECR/S3/Logs endpoints, no NAT needed.
- `ServiceCluster`: one ECS cluster for a stack's services, and the private DNS they call each other by.
- `ApplicationLoadBalancer`: one ALB shared by several services, routed by host and path.
- `LoadBalancedFargateService`: ALB (its own, or a shared one) → target group of type ip → Fargate in
  private subnets.
- `UdpNlbService`: NLB with a UDP listener → Fargate, health-checked through a truthful sidecar.
- `ServiceCall`: the security-group pair that lets one service call another on its port.

Components take each other's handles (`network=network.ref`, `cluster=`, `load_balancer=`), plain
dataclasses (`NetworkRef`, `ClusterRef`, `LoadBalancerRef`) a network made elsewhere can fill too.

The components load on first use: `fargatelb.verify` and `fargatelb.graph` (what the policy pack
needs) import in milliseconds, without pulumi-aws. `fargatelb.provider` is the provider that hosts
them for other languages; `fargatelb.mocks` runs a program offline and records what it registers.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._args import InvalidArgument

if TYPE_CHECKING:
    from .alarms import AlarmsArgs
    from .alb import ApplicationLoadBalancer, ApplicationLoadBalancerArgs
    from .calls import ServiceCall, ServiceCallArgs
    from .cluster import ServiceCluster, ServiceClusterArgs
    from .fargate import ContainerArgs, HealthCheckArgs, ScalingArgs, ScheduleArgs
    from .network import NatStrategy, PrivateNetwork, PrivateNetworkArgs
    from .refs import ClusterRef, LoadBalancerRef, NetworkRef
    from .udp import UdpHealthCheckArgs, UdpNlbService, UdpNlbServiceArgs, UdpProbeArgs
    from .web import DomainArgs, LoadBalancedFargateService, LoadBalancedFargateServiceArgs, RoutingArgs

PACKAGE_NAME = "fargatelb"
"""The Pulumi package name: type tokens are `fargatelb:index:<Component>`."""

_EXPORTS = {
    "AlarmsArgs": ".alarms",
    "ApplicationLoadBalancer": ".alb",
    "ApplicationLoadBalancerArgs": ".alb",
    "ServiceCall": ".calls",
    "ServiceCallArgs": ".calls",
    "ServiceCluster": ".cluster",
    "ServiceClusterArgs": ".cluster",
    "ClusterRef": ".refs",
    "LoadBalancerRef": ".refs",
    "NetworkRef": ".refs",
    "ScheduleArgs": ".fargate",
    "RoutingArgs": ".web",
    "ContainerArgs": ".fargate",
    "HealthCheckArgs": ".fargate",
    "ScalingArgs": ".fargate",
    "NatStrategy": ".network",
    "PrivateNetwork": ".network",
    "PrivateNetworkArgs": ".network",
    "UdpNlbService": ".udp",
    "UdpNlbServiceArgs": ".udp",
    "UdpHealthCheckArgs": ".udp",
    "UdpProbeArgs": ".udp",
    "DomainArgs": ".web",
    "LoadBalancedFargateService": ".web",
    "LoadBalancedFargateServiceArgs": ".web",
}


def __getattr__(name: str) -> Any:
    if name == "PROVIDER_COMPONENTS":
        # The components the multi-language provider hosts.
        names = (
            "PrivateNetwork", "ServiceCluster", "ApplicationLoadBalancer", "LoadBalancedFargateService",
            "UdpNlbService", "ServiceCall",
        )  # fmt: skip
        return tuple(__getattr__(n) for n in names)
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PACKAGE_NAME",
    "PROVIDER_COMPONENTS",
    "AlarmsArgs",
    "ApplicationLoadBalancer",
    "ApplicationLoadBalancerArgs",
    "ClusterRef",
    "ContainerArgs",
    "DomainArgs",
    "HealthCheckArgs",
    "InvalidArgument",
    "LoadBalancedFargateService",
    "LoadBalancedFargateServiceArgs",
    "LoadBalancerRef",
    "NatStrategy",
    "NetworkRef",
    "PrivateNetwork",
    "PrivateNetworkArgs",
    "RoutingArgs",
    "ScalingArgs",
    "ScheduleArgs",
    "ServiceCall",
    "ServiceCallArgs",
    "ServiceCluster",
    "ServiceClusterArgs",
    "UdpHealthCheckArgs",
    "UdpNlbService",
    "UdpNlbServiceArgs",
    "UdpProbeArgs",
]
