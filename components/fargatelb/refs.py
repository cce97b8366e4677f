"""Handles that pass one component's outputs to another in a single argument.

A service needs six things from its network and two from its cluster; a service on a shared ALB
needs three from the ALB. Each handle is a plain dataclass of Inputs, so the multi-language schema
can express it and a network, cluster or load balancer made elsewhere (another stack, another tool)
can be described by hand. The components' own `.ref` properties build them:

    network = PrivateNetwork("network", PrivateNetworkArgs())
    LoadBalancedFargateService("web", LoadBalancedFargateServiceArgs(network=network.ref, image=...))

In Python, passing the component itself (`network=network`) works too: `coerce_ref` takes either.
"""

from dataclasses import dataclass
from typing import Any, Optional, TypeVar

import pulumi

from ._args import InvalidArgument, documented_args


@documented_args
@dataclass
class NetworkRef:
    """The parts of a VPC a Fargate service in private subnets uses."""

    vpc_id: pulumi.Input[str]
    """The VPC's id."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Subnets for the tasks (and internal load balancers), one per zone."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Subnets for internet-facing load balancers, one per zone."""
    endpoint_security_group_id: pulumi.Input[str]
    """The interface endpoints' security group: a service grants itself HTTPS to it."""
    s3_prefix_list_id: pulumi.Input[str]
    """The S3 gateway endpoint's prefix list: tasks fetch ECR image layers through it."""
    vpc_cidr: Optional[pulumi.Input[str]] = None
    """The VPC's IPv4 block: the clients internal load balancers admit by default. Default none (then
    internal load balancers need `allowed_cidrs`)."""


@documented_args
@dataclass
class ClusterRef:
    """An ECS cluster services run in, and the Cloud Map namespace they are found by (for `calls`)."""

    cluster_arn: pulumi.Input[str]
    """The cluster's ARN."""
    cluster_name: pulumi.Input[str]
    """The cluster's name (autoscaling names the service by it)."""
    namespace_id: Optional[pulumi.Input[str]] = None
    """The Cloud Map private DNS namespace services register in. Default none (no service discovery)."""
    namespace_name: Optional[str] = None
    """That namespace's DNS name, e.g. `dev.internal`: services are reachable at `<name>.<namespace>`.
    Default none."""


@documented_args
@dataclass
class LoadBalancerRef:
    """A shared ALB a service attaches to with a listener rule."""

    listener_arn: pulumi.Input[str]
    """The listener services' rules go on (HTTPS when the ALB serves it, else HTTP)."""
    security_group_id: pulumi.Input[str]
    """The ALB's security group: each service's tasks admit their port from it."""
    arn_suffix: Optional[pulumi.Input[str]] = None
    """The ALB's ARN suffix (`app/<name>/<id>`), for request-count scaling. Default none."""
    url: Optional[pulumi.Input[str]] = None
    """The ALB's base URL (`https://host[:port]`). Default none."""


R = TypeVar("R", NetworkRef, ClusterRef, LoadBalancerRef)


def coerce_ref(owner: str, field: str, kind: type[R], value: Any, *, required: bool = True) -> R | None:
    """`value` as a `kind`: the handle itself, a component with a `.ref` of that kind, or a mapping
    of its fields (snake_case or camelCase, as the multi-language provider sends it)."""
    if value is None:
        if required:
            raise InvalidArgument(owner, field, f"is required: pass a {kind.__name__} (a component's `.ref`)")
        return None
    if isinstance(value, kind):
        return value
    ref = getattr(value, "ref", None)
    if isinstance(ref, kind):
        return ref
    if isinstance(value, dict):
        from ._args import from_mapping

        camel = any(any(c.isupper() for c in k) for k in value)
        return from_mapping(kind, value, owner=owner, prefix=field, camel_keys=camel)  # type: ignore[no-any-return]
    raise InvalidArgument(
        owner, field, f"must be a {kind.__name__} or a component with one, got {type(value).__name__}"
    )
