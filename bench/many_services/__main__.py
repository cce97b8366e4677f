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
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids,
            endpoint_security_group_id=network.endpoint_security_group_id,
            s3_prefix_list_id=network.s3_prefix_list_id,
            image=IMAGE,
            container_port=8000 + i,
        ),
    )
