"""The fargate-lb program: one PrivateNetwork, one ServiceCluster, and the services the stack asks for.

Consumes the fargatelb package exactly as any other program would. Images are built from app/<name>
(and the UDP health-check sidecar by the component, from the package) and pushed to ECR by `pulumi up`,
unless the stack names an image URI.

    fargate-lb:web        one web service with its own ALB (the shorthand), or
    fargate-lb:services   web services on one shared ApplicationLoadBalancer (fargate-lb:alb), routed by
                          host and path, calling each other by name (ServiceCall);
    fargate-lb:udp        the UDP service behind its NLB.
"""

from typing import Any

import pulumi

from fargatelb import (
    ApplicationLoadBalancer,
    ApplicationLoadBalancerArgs,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    PrivateNetwork,
    ServiceCall,
    ServiceCallArgs,
    ServiceCluster,
    ServiceClusterArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
    offline,
)
from fargatelb.alarms import stack_dashboard
from fargatelb.calls import call_url, call_variable
from images import AppImages
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
apps = AppImages(config.images)  # fargate-lb:images: every ECR repository the stack builds
deployments: dict[str, dict[str, Any]] = {}
with relabelled("network"):
    network = PrivateNetwork("network", config.network)
# Services find the ones they call by name in a private DNS namespace of the VPC.
namespace = f"{pulumi.get_stack()}.{pulumi.get_project()}.internal" if config.calls else None
cluster = ServiceCluster("services", ServiceClusterArgs(network=network.ref, namespace=namespace))
common = dict(network=network.ref, cluster=cluster.ref, cpu_architecture=config.images.cpu_architecture)

pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("availabilityZones", network.availability_zones)

if config.web is not None:
    web_args = apps.with_image(config.web, "web")
    with relabelled("web"):  # e.g. a domain's hosted zone this account doesn't hold
        web = LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(**common, **web_args))
    pulumi.export("url", web.url)
    deployments["web"] = deployment(web, url=web.url)

if config.services:
    offline.report_config_section("edge", "alb")  # so the preview's fixes name fargate-lb:alb.<key>
    with relabelled("alb"):
        alb = ApplicationLoadBalancer("edge", ApplicationLoadBalancerArgs(network=network.ref, **(config.alb or {})))
    pulumi.export("url", alb.url)
    callees = {callee for _, callee in config.calls}
    ports = {s.name: s.container_port for s in config.services}
    services: dict[str, LoadBalancedFargateService] = {}
    for service in config.services:
        kwargs = apps.with_image(service.kwargs, service.build)
        urls = {call_variable(c): call_url(c, namespace or "", ports[c]) for c in service.calls}
        environment = {**(kwargs.pop("environment", None) or {}), **urls}
        offline.report_config_section(service.name, f"services.{service.name}")
        with relabelled(f"services.{service.name}"):
            services[service.name] = LoadBalancedFargateService(
                service.name,
                LoadBalancedFargateServiceArgs(
                    **common, **kwargs, environment=environment or None, load_balancer=alb.ref,
                    discoverable=service.name in callees,
                ),
            )  # fmt: skip
        deployments[service.name] = deployment(services[service.name], url=services[service.name].url)
    for caller, callee in config.calls:
        ServiceCall(
            f"{caller}-calls-{callee}",
            ServiceCallArgs(
                caller=caller,
                callee=callee,
                caller_security_group_id=services[caller].task_security_group_id,
                callee_security_group_id=services[callee].task_security_group_id,
                port=ports[callee],
            ),
        )

if config.udp is not None:
    udp_args = config.udp
    if "image" not in udp_args:
        # app/udp tells its task id only to sources it trusts: the sidecar (localhost) and the VPC.
        trusted = network.vpc_cidr.apply(lambda cidr: f"127.0.0.0/8,{cidr}")
        environment = {"TRUSTED_CIDRS": trusted, **(udp_args.get("environment") or {})}
        udp_args = {**apps.with_image(udp_args, "udp"), "environment": environment}
    health_mode = getattr(udp_args.get("health_check"), "mode", None)
    if "health_check_image" not in udp_args and health_mode != "service":
        udp_args |= apps.sidecar_repository()  # the component builds the sidecar: one of the stack's repositories
    with relabelled("udp"):
        udp = UdpNlbService("udp", UdpNlbServiceArgs(**common, **udp_args))
    pulumi.export("udpEndpoint", pulumi.Output.concat(udp.load_balancer_dns_name, ":", udp.udp_port.apply(str)))
    deployments["udp"] = deployment(udp)

# One dashboard for the stack: every service's deployment alarms.
alarmed: list[LoadBalancedFargateService | UdpNlbService] = [
    *([web] if config.web is not None else []),
    *(services.values() if config.services else []),
    *([udp] if config.udp is not None else []),
]
if alarmed:
    board = f"{pulumi.get_project()}-{pulumi.get_stack()}"
    stack_dashboard(board, config.region, [s.alarm_arns for s in alarmed])
    pulumi.export("dashboard", board)
pulumi.export("deployments", deployments)
