"""fargatelb: containers in private subnets behind AWS load balancers, wired right the first time.

Components (each also hosted for other languages by `components/__main__.py`):

- `PrivateNetwork`: VPC, subnets across zones, ECR/S3/Logs endpoints, no NAT needed.
- `LoadBalancedFargateService`: public ALB → target group of type ip → Fargate in private subnets.
- `UdpNlbService`: NLB with a UDP listener → Fargate, health-checked through a truthful sidecar.
"""

from ._args import InvalidArgument
from .fargate import HealthCheckArgs, ScalingArgs
from .network import NatStrategy, PrivateNetwork, PrivateNetworkArgs
from .udp import UdpNlbService, UdpNlbServiceArgs
from .web import LoadBalancedFargateService, LoadBalancedFargateServiceArgs

PACKAGE_NAME = "fargatelb"
"""The Pulumi package name: type tokens are `fargatelb:index:<Component>`."""

PROVIDER_COMPONENTS = (PrivateNetwork, LoadBalancedFargateService, UdpNlbService)
"""The components the multi-language provider hosts."""

__all__ = [
    "PACKAGE_NAME",
    "PROVIDER_COMPONENTS",
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
