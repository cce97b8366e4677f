"""fargatelb: containers in private subnets behind AWS load balancers, wired right the first time.

Components (each also hosted for other languages by `components/__main__.py`):

- `PrivateNetwork`: VPC, subnets across zones, ECR/S3/Logs endpoints, no NAT needed.
- `LoadBalancedFargateService`: public ALB → target group of type ip → Fargate in private subnets.
- `UdpNlbService`: NLB with a UDP listener → Fargate, health-checked through a truthful sidecar.

The components load on first use: `fargatelb.verify` and `fargatelb.graph` (what the policy pack
needs) import in milliseconds, without pulumi-aws.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._args import InvalidArgument

if TYPE_CHECKING:
    from .fargate import ContainerArgs, HealthCheckArgs, ScalingArgs
    from .network import NatStrategy, PrivateNetwork, PrivateNetworkArgs
    from .udp import UdpNlbService, UdpNlbServiceArgs
    from .web import DomainArgs, LoadBalancedFargateService, LoadBalancedFargateServiceArgs

PACKAGE_NAME = "fargatelb"
"""The Pulumi package name: type tokens are `fargatelb:index:<Component>`."""

_EXPORTS = {
    "ContainerArgs": ".fargate",
    "HealthCheckArgs": ".fargate",
    "ScalingArgs": ".fargate",
    "NatStrategy": ".network",
    "PrivateNetwork": ".network",
    "PrivateNetworkArgs": ".network",
    "UdpNlbService": ".udp",
    "UdpNlbServiceArgs": ".udp",
    "DomainArgs": ".web",
    "LoadBalancedFargateService": ".web",
    "LoadBalancedFargateServiceArgs": ".web",
}


def __getattr__(name: str) -> Any:
    if name == "PROVIDER_COMPONENTS":
        # The components the multi-language provider hosts.
        return tuple(__getattr__(n) for n in ("PrivateNetwork", "LoadBalancedFargateService", "UdpNlbService"))
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PACKAGE_NAME",
    "PROVIDER_COMPONENTS",
    "ContainerArgs",
    "DomainArgs",
    "HealthCheckArgs",
    "InvalidArgument",
    "LoadBalancedFargateService",
    "LoadBalancedFargateServiceArgs",
    "NatStrategy",
    "PrivateNetwork",
    "PrivateNetworkArgs",
    "ScalingArgs",
    "UdpNlbService",
    "UdpNlbServiceArgs",
]
