"""ServiceCluster: one ECS cluster for a stack's services, and the private DNS they find each other by.

Creates the ECS cluster with Container Insights (Security Hub ECS.12), and, when `namespace` is set,
a Cloud Map private DNS namespace in the VPC: a service registered there is `<name>.<namespace>`
to every task in the VPC, resolved by the VPC's own DNS (no endpoint, no NAT needed).
"""

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_aws import ecs

from ._args import coerce_args, documented_args
from .dns import check_dns_name
from .refs import ClusterRef, NetworkRef, coerce_ref

OWNER = "ServiceClusterArgs"


@documented_args
@dataclass
class ServiceClusterArgs:
    network: Optional[NetworkRef] = None
    """The VPC a `namespace` is resolvable in (PrivateNetwork's `ref`). Required with `namespace`."""
    namespace: Optional[str] = None
    """A private DNS name, e.g. `dev.internal`, for service discovery between services (`calls`).
    Default none."""
    tags: Optional[dict[str, str]] = None
    """Tags for every taggable child resource. Default none."""


class ServiceCluster(pulumi.ComponentResource):
    """An ECS cluster with Container Insights, and optionally a private DNS namespace for its services."""

    cluster_arn: pulumi.Output[str]
    """The cluster's ARN."""
    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    namespace_id: pulumi.Output[str]
    """The Cloud Map namespace's id (empty without a namespace)."""

    def __init__(self, name: str, args: ServiceClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("fargatelb:index:ServiceCluster", name, None, opts)
        args = coerce_args(ServiceClusterArgs, args)
        namespace = check_dns_name(OWNER, "namespace", args.namespace) if args.namespace is not None else None
        network = coerce_ref(OWNER, "network", NetworkRef, args.network, required=namespace is not None)
        tags = dict(args.tags or {})
        child = pulumi.ResourceOptions(parent=self)
        cluster = ecs.Cluster(
            f"{name}-cluster",
            settings=[{"name": "containerInsights", "value": "enabled"}],  # Security Hub ECS.12
            tags={**tags, "Name": f"{name}-cluster"},
            opts=child,
        )
        self.namespace_name = namespace
        self.namespace_id = pulumi.Output.from_input("")
        if namespace is not None and network is not None:
            from pulumi_aws import servicediscovery  # only stacks with calls pay for the import

            self.namespace_id = servicediscovery.PrivateDnsNamespace(
                f"{name}-namespace",
                name=namespace,
                vpc=network.vpc_id,
                description=f"{name}: services find each other by name",
                tags={**tags, "Name": f"{name}-namespace"},
                opts=child,
            ).id
        self.cluster_arn = cluster.arn
        self.cluster_name = cluster.name
        self.register_outputs(
            {"cluster_arn": self.cluster_arn, "cluster_name": self.cluster_name, "namespace_id": self.namespace_id}
        )

    @property
    def ref(self) -> ClusterRef:
        """The handle services take as `cluster=`."""
        return ClusterRef(
            cluster_arn=self.cluster_arn,
            cluster_name=self.cluster_name,
            namespace_id=self.namespace_id if self.namespace_name else None,
            namespace_name=self.namespace_name,
        )
