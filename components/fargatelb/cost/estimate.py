"""`estimate`: every resource of a graph priced, known to be free, or listed as not priced.

No resource is silently dropped: after the rules have run, each custom resource they didn't account
for is either of a type AWS doesn't charge for (`FREE_TYPES`, with why) or becomes an item at $0
whose note says no price is known.
"""

from __future__ import annotations

from ..graph import Graph
from .assumptions import CONFIG_SECTION, CostAssumptions
from .context import Context
from .model import Assumption, CostEstimate
from .prices import PriceTable, load_prices
from .rules_compute import price_dns, price_fargate, price_keys, price_logs, price_monitoring, price_storage
from .rules_network import price_endpoints, price_load_balancers, price_nat
from .tradeoff import nat_tradeoff

RULES = (
    price_endpoints,
    price_nat,
    price_load_balancers,
    price_fargate,
    price_logs,
    price_keys,
    price_storage,
    price_dns,
    price_monitoring,
)

# Resource types with no charge of their own (what they cost shows up on another resource, if anywhere).
FREE_TYPES = {
    "aws:ec2/vpc:Vpc": "VPCs are free",
    "aws:ec2/subnet:Subnet": "subnets are free",
    "aws:ec2/routeTable:RouteTable": "route tables are free",
    "aws:ec2/route:Route": "routes are free",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "route table associations are free",
    "aws:ec2/internetGateway:InternetGateway": "internet gateways are free (data transfer out is not estimated)",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
    "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "security group rules are free",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security group rules are free",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security group rules are free",
    "aws:ec2/flowLog:FlowLog": "priced as log delivery on its log group",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/policy:Policy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:ecs/cluster:Cluster": "ECS clusters are free (Container Insights is off)",
    "aws:ecs/taskDefinition:TaskDefinition": "priced as its service's Fargate tasks",
    "aws:lb/targetGroup:TargetGroup": "priced in its load balancer's capacity units",
    "aws:alb/targetGroup:TargetGroup": "priced in its load balancer's capacity units",
    "aws:lb/listener:Listener": "priced in its load balancer's capacity units",
    "aws:alb/listener:Listener": "priced in its load balancer's capacity units",
    "aws:lb/listenerRule:ListenerRule": "the first 10 rules of a listener are free",
    "aws:alb/listenerRule:ListenerRule": "the first 10 rules of a listener are free",
    "aws:appautoscaling/target:Target": "Application Auto Scaling is free",
    "aws:appautoscaling/policy:Policy": "target tracking is free (the alarms it creates itself are not estimated)",
    "aws:appautoscaling/scheduledAction:ScheduledAction": "Application Auto Scaling's scheduled actions are free",
    "aws:acm/certificate:Certificate": "public and imported ACM certificates are free",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket settings are free",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket settings are free",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket settings are free",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket settings are free",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "bucket settings "
    "are free (SSE-S3)",
    "aws:s3/bucketVersioning:BucketVersioning": "bucket settings are free",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "lifecycle policies are free",
    "awsx:ecr:Image": "built and pushed by `pulumi up`; its storage is priced on its repository",
    "docker-build:index:Image": "built and pushed by `pulumi up`; its storage is priced on its repository",
    "tls:index/privateKey:PrivateKey": "made locally by the TLS provider, no AWS resource",
    "tls:index/selfSignedCert:SelfSignedCert": "made locally by the TLS provider, no AWS resource",
}

SCOPE = (
    "On-Demand list prices of the first usage tier; no free tier, Savings Plans or taxes.",
    "Not estimated: data transfer out to the internet and between zones, CloudWatch metrics (alarms and "
    "dashboards are), Container Insights, "
    "API requests (KMS, S3, ECR), Logs Insights queries.",
    "Services run all month at their minimum task count (monthlyUsd) or their maximum (monthlyUsdAtMax); "
    "deployments briefly run up to twice the tasks, not counted.",
)


def estimate(
    graph: Graph,
    *,
    region: str,
    assumptions: CostAssumptions | None = None,
    prices: PriceTable | None = None,
    section: str = CONFIG_SECTION,
) -> CostEstimate:
    """The monthly cost of what `graph` creates in `region`, item by item, with the NAT trade-off.
    `section` is the config section the assumptions are stated under (`<project>:cost`)."""
    ctx = Context(graph, prices or load_prices(), region, assumptions or CostAssumptions())
    for rule in RULES:
        rule(ctx)
    for node in graph.nodes:
        if node.urn in ctx.handled or not node.custom or node.type.startswith("pulumi:"):
            continue
        if node.type in FREE_TYPES:
            ctx.handled.add(node.urn)
            continue
        ctx.unknown([node], f"{node.type.rsplit(':', 1)[-1]} {node.name}", note=f"type {node.type} is not priced")
    stated = [*ctx.assumptions.stated(section=section), *(Assumption(None, None, s) for s in SCOPE)]
    if region not in ctx.table.regions:
        stated.append(Assumption(None, region, f"{region} is not in the price table: nothing is priced"))
    return CostEstimate(
        region=region,
        prices_as_of=ctx.table.prices_as_of,
        assumptions=tuple(stated),
        items=tuple(ctx.items),
        tradeoff=nat_tradeoff(ctx),
    )
