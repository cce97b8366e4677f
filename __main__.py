"""The fargate-lb program: one PrivateNetwork, and the services the stack's config asks for.

Consumes the fargatelb package exactly as any other program would. Images are built from app/<name>
and pushed to ECR by `pulumi up`, unless the stack names an image URI.
"""

from typing import Any

import pulumi

from fargatelb import (
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    NatStrategy,
    PrivateNetwork,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from images import with_app_image
from stack_config import load, relabelled


def deployment(c: LoadBalancedFargateService | UdpNlbService, **more: pulumi.Input[str]) -> dict[str, Any]:
    """What verify_deploy.py checks after `pulumi up`: the service, the revision it must run, its targets."""
    return {
        "cluster": c.cluster_name,
        "service": c.service_name,
        "taskDefinitionArn": c.task_definition_arn,
        "targetGroupArn": c.target_group_arn,
        **more,
    }


config = load()  # everything validated before the first resource
deployments: dict[str, dict[str, Any]] = {}
with relabelled("network"):
    network = PrivateNetwork("network", config.network)
nat = (config.network.nat_strategy or NatStrategy.NONE) != NatStrategy.NONE
wiring = dict(
    vpc_id=network.vpc_id,
    public_subnet_ids=network.public_subnet_ids,
    private_subnet_ids=network.private_subnet_ids,
    endpoint_security_group_id=network.endpoint_security_group_id,
    s3_prefix_list_id=network.s3_prefix_list_id,
    cpu_architecture=config.images.cpu_architecture,
)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("availabilityZones", network.availability_zones)

if config.web is not None:
    web_args = with_app_image(config.web, "web", config.images.platform)
    with relabelled("web"):  # e.g. a domain's hosted zone this account doesn't hold
        web = LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(**wiring, **web_args, internet_egress=nat),
        )
    pulumi.export("url", web.url)
    deployments["web"] = deployment(web, url=web.url)

if config.udp is not None:
    udp_args = with_app_image(config.udp, "udp", config.images.platform)
    udp_args = with_app_image(
        udp_args, "healthcheck", config.images.platform, image="health_check_image", container="sidecar"
    )
    with relabelled("udp"):
        udp = UdpNlbService(
            "udp",
            UdpNlbServiceArgs(
                **wiring,
                **udp_args,
                vpc_cidr=network.vpc_cidr,
                internet_egress=nat,
            ),
        )
    pulumi.export("udpEndpoint", pulumi.Output.concat(udp.load_balancer_dns_name, ":", udp.udp_port.apply(str)))
    deployments["udp"] = deployment(udp)

pulumi.export("deployments", deployments)
