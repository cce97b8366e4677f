"""A billing service in a VPC another team owns: the network is described, not created.

`NetworkRef` is a plain dataclass of what a service needs from a network (the fields of
`PrivateNetwork.ref`). Here they come from config; a stack reference to the network team's stack
(`pulumi.StackReference(...).get_output("vpcId")`) works the same, as every field is an Input.

The offline verdict proves what this stack owns (listener → target group → task, the security
groups on both sides) and reports what it can't see (the endpoints and routes of a network it
didn't create) as unknown, for a real `pulumi preview` to settle.
"""

import pulumi

from fargatelb import (
    HealthCheckArgs,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    NetworkRef,
)

config = pulumi.Config()
given = config.require_object("network")
network = NetworkRef(
    vpc_id=given["vpcId"],
    vpc_cidr=given.get("vpcCidr"),  # optional: internal load balancers then need allowed_cidrs
    private_subnet_ids=given["privateSubnetIds"],
    public_subnet_ids=given["publicSubnetIds"],
    endpoint_security_group_id=given["endpointSecurityGroupId"],
    s3_prefix_list_id=given["s3PrefixListId"],
)

billing = LoadBalancedFargateService(
    "billing",
    LoadBalancedFargateServiceArgs(
        network=network,
        image=config.require("image"),
        container_port=8080,
        health_check=HealthCheckArgs(path="/healthz"),
        internal=True,  # reached from inside the VPC only: the ALB admits the VPC's block by default
    ),
)
pulumi.export("url", billing.url)
