"""ServiceCall: one service may call another, on the callee's port, and on nothing else.

Creates the two security-group rules that must agree: the caller's tasks may send TCP to the
callee's tasks on `port`, and the callee's tasks admit it from the caller's group. The callee is
found by name: a discoverable service (`LoadBalancedFargateServiceArgs.discoverable`) is
`<callee>.<namespace>` in the cluster's Cloud Map namespace, which `call_url` spells.
"""

from dataclasses import dataclass
from typing import Optional

import pulumi
from pulumi_aws import vpc

from ._args import check_port, coerce_args, documented_args
from .fargate import check_component_name

OWNER = "ServiceCallArgs"


@documented_args
@dataclass
class ServiceCallArgs:
    caller: str
    """The calling service's name (for names and descriptions)."""
    callee: str
    """The called service's name: its name in the cluster's namespace."""
    caller_security_group_id: pulumi.Input[str]
    """The caller's task security group (its `task_security_group_id`)."""
    callee_security_group_id: pulumi.Input[str]
    """The callee's task security group (its `task_security_group_id`)."""
    port: int
    """The callee's container port."""
    tags: Optional[dict[str, str]] = None
    """Tags for both rules. Default none."""


def call_url(callee: str, namespace: str, port: int) -> str:
    """How a caller reaches a discoverable callee: `http://<callee>.<namespace>:<port>`."""
    return f"http://{callee}.{namespace}:{port}"


def call_variable(callee: str) -> str:
    """The environment variable that carries a callee's URL to its callers: `API_URL` for `api`."""
    return callee.upper().replace("-", "_") + "_URL"


class ServiceCall(pulumi.ComponentResource):
    """The security-group pair that lets one service's tasks call another's on its port."""

    def __init__(self, name: str, args: ServiceCallArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        args = coerce_args(ServiceCallArgs, args)
        check_component_name(OWNER, args.caller)
        check_component_name(OWNER, args.callee)
        port = check_port(OWNER, "port", args.port)
        super().__init__(
            "fargatelb:index:ServiceCall", name, {"caller": args.caller, "callee": args.callee, "port": port}, opts
        )
        tags = {**(args.tags or {}), "Name": name}
        child = pulumi.ResourceOptions(parent=self)
        vpc.SecurityGroupEgressRule(
            f"{name}-out",
            security_group_id=args.caller_security_group_id,
            referenced_security_group_id=args.callee_security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{args.caller} calls {args.callee} on tcp/{port}",
            tags=tags,
            opts=child,
        )
        vpc.SecurityGroupIngressRule(
            f"{name}-in",
            security_group_id=args.callee_security_group_id,
            referenced_security_group_id=args.caller_security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"{args.caller} calls {args.callee} on tcp/{port}",
            tags=tags,
            opts=child,
        )
        self.register_outputs({})
