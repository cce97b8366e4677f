"""Which component argument (and stack config key) is behind a value a finding is about.

A finding names the argument to change rather than the resource input the component derived from
it: the task SG ingress port comes from `container_port`, `fargate-lb:web.containerPort`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..graph import Graph, Node
from .model import Fix
from .tokens import ALB_COMPONENT, NETWORK_COMPONENT, STACK, UDP_COMPONENT, WEB_COMPONENT
from .values import camel_path, project_of

# Component arguments behind each concern, per component type.
_SERVICE_ARGUMENTS = {
    "client_cidrs": "allowed_cidrs",
    "health_check_port": "health_check.port",
    "health_check_protocol": "health_check.protocol",
    "health_check_path": "health_check.path",
    "health_check_interval": "health_check.interval",
    "health_check_timeout": "health_check.timeout",
    "health_check_matcher": "health_check.matcher",
    "healthy_threshold": "health_check.healthy_threshold",
    "unhealthy_threshold": "health_check.unhealthy_threshold",
    "image": "image",
    "cpu": "cpu",
    "memory": "memory",
    "scaling_min": "scaling.min_count",
    "scaling_max": "scaling.max_count",
    "cpu_target": "scaling.cpu_target",
    "memory_target": "scaling.memory_target",
    "scale_in_cooldown": "scaling.scale_in_cooldown",
    "scale_out_cooldown": "scaling.scale_out_cooldown",
    "name": "name",
    "endpoint_sg": "network",
    "s3_prefix_list": "network",
    "internet_egress": "internet_egress",
    "tags": "tags",
    "environment": "environment",
    "secrets": "secrets",
    "container_user": "container.user",
    "deregistration_delay": "deregistration_delay",
    "grace_period": "health_check_grace_period",
    "log_retention": "log_retention_days",
    "cpu_architecture": "cpu_architecture",
    "alarms": "alarms",
}
# Arguments a program wires from other components' outputs (or the component's own name), which no
# stack config key sets.
_NOT_CONFIG = {"name", "network", "cluster", "load_balancer", "cpu_architecture"}
_ARGUMENTS: dict[str, dict[str, str]] = {
    WEB_COMPONENT: {
        **_SERVICE_ARGUMENTS,
        "traffic_port": "container_port",
        "listener_port": "listener_port",
        "https_port": "https_port",
        "certificate": "certificate_arn",
        "access_log_expiry": "access_log_expiry_days",
    },
    UDP_COMPONENT: {
        **_SERVICE_ARGUMENTS,
        "traffic_port": "udp_port",
        "listener_port": "udp_port",
        "health_check_image": "health_check_image",
        "sidecar_user": "sidecar.user",
    },
    ALB_COMPONENT: {
        "client_cidrs": "allowed_cidrs",
        "listener_port": "listener_port",
        "https_port": "https_port",
        "certificate": "certificate_arn",
        "access_log_expiry": "access_log_expiry_days",
        "tags": "tags",
        "name": "name",
    },
    NETWORK_COMPONENT: {
        "nat_strategy": "nat_strategy",
        "cidr_block": "cidr_block",
        "az_count": "az_count",
        "interface_endpoints": "extra_interface_endpoints",
        "tags": "tags",
        "log_retention": "flow_log_retention_days",
        "name": "name",
    },
}


def fix_for(
    graph: Graph,
    node: Node | None,
    concern: str | None,
    resource_input: str,
    detail: str | None = None,
    config_sections: Mapping[str, str] | None = None,
) -> Fix | None:
    """The component argument behind `concern` for the component owning `node`; failing that,
    `resource_input` of `node` itself. `detail` is a key inside the argument, kept as written
    (a tag key: `tags.cost_center`)."""
    if node is None:
        return None
    component = graph.component_of(node)
    if component is None:
        return Fix(argument=resource_input, resource=node.name)
    argument = _ARGUMENTS.get(component.type, {}).get(concern or "")
    if argument is None:
        return Fix(resource_input, component.name, component.type, resource=node.name)
    parent = graph.by_urn.get(component.parent or "")
    top_level = parent is None or parent.type == STACK
    project = project_of(component.urn)
    config_key = None
    if top_level and project and argument not in _NOT_CONFIG:
        section = (config_sections or {}).get(component.name, component.name)
        config_key = f"{project}:{section}.{camel_path(argument)}"
    if detail:
        argument += f".{detail}"
        config_key = config_key and f"{config_key}.{detail}"
    return Fix(argument, component.name, component.type, config_key)
