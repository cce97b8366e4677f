"""N LoadBalancedFargateServices on one PrivateNetwork: the offline preview benchmark's large case.

    python -m fargatelb.preview bench/many_services --stack twenty

A program of its own (its own Pulumi.yaml), previewed by the package's runner exactly as an outside
team's program would be; `many-services:count` sets N.
"""

import pulumi

from fargatelb import LoadBalancedFargateService, LoadBalancedFargateServiceArgs, PrivateNetwork, PrivateNetworkArgs

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"

network = PrivateNetwork("network", PrivateNetworkArgs(az_count=3))
for i in range(pulumi.Config().require_int("count")):
    LoadBalancedFargateService(
        f"web{i:02d}",
        LoadBalancedFargateServiceArgs(
            network=network.ref,
            image=IMAGE,
            container_port=8000 + i,
        ),
    )
