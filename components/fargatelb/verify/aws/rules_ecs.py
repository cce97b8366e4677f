"""ECS rules cfn-lint's schemas don't carry: names, container health checks, Fargate's stop timeout,
awsvpc port mappings, the awslogs options Fargate requires, and the task size Fargate requires."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...graph import Node
from ..model import Severity
from ..tokens import CLUSTER, SERVICE, TASK_DEFINITION
from ..values import as_int, parse_containers
from .bridge import AUTONAME_SUFFIX
from .registry import Problem, rule, shown

_ECS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def _fargate(node: Node) -> bool:
    return "FARGATE" in (node.get("requiresCompatibilities") or ())


def _containers(node: Node) -> list[dict[str, Any]]:
    parsed = parse_containers(node)
    return parsed if isinstance(parsed, list) else []


@rule(
    "ecs-name",
    "ECS cluster, service, task family and container names are 1-255 letters, digits, hyphens or underscores",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    CLUSTER,
    SERVICE,
    TASK_DEFINITION,
)
def ecs_names(node: Node) -> Iterator[Problem]:
    if node.type == TASK_DEFINITION:
        named = [("family", node.get("family"))]
        named += [(f"containerDefinitions[{i}].name", c.get("name")) for i, c in enumerate(_containers(node))]
    else:
        name = node.get("name")
        if name is None and not node.property_dependencies.get("name"):
            name = node.name + AUTONAME_SUFFIX
        named = [("name", name)]
    for path, name in named:
        if isinstance(name, str) and not _ECS_NAME.match(name):
            yield Problem(
                f"{path} {shown(name)} must be 1-255 letters, digits, hyphens or underscores",
                path,
                name,
                "name" if path == "name" else None,
            )


@rule(
    "container-health-check",
    "A container health check: interval 5-300 s, timeout 2-60 s, retries 1-10, start period 0-300 s",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html",
    TASK_DEFINITION,
)
def container_health_check(node: Node) -> Iterator[Problem]:
    bounds = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
    for i, container in enumerate(_containers(node)):
        check = container.get("healthCheck")
        if not isinstance(check, dict):
            continue
        command = check.get("command")
        if not isinstance(command, list) or not command or command[0] not in ("CMD", "CMD-SHELL"):
            path = f"containerDefinitions[{i}].healthCheck.command"
            yield Problem(f"{path} must start with 'CMD' or 'CMD-SHELL', got {shown(command)}", path, command)
        for key, (low, high) in bounds.items():
            value = as_int(check.get(key))
            if value is not None and not low <= value <= high:
                path = f"containerDefinitions[{i}].healthCheck.{key}"
                yield Problem(f"{path} {value} must be from {low} to {high}", path, value)


@rule(
    "fargate-stop-timeout",
    "On Fargate a container's stopTimeout is at most 120 seconds",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html",
    TASK_DEFINITION,
)
def stop_timeout(node: Node) -> Iterator[Problem]:
    if not _fargate(node):
        return
    for i, container in enumerate(_containers(node)):
        value = as_int(container.get("stopTimeout"))
        if value is not None and not 0 <= value <= 120:
            path = f"containerDefinitions[{i}].stopTimeout"
            yield Problem(f"{path} {value} must be from 0 to 120 seconds on Fargate", path, value)


@rule(
    "awsvpc-port-mapping",
    "With awsvpc networking a port mapping's hostPort is omitted or equals its containerPort",
    "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html",
    TASK_DEFINITION,
)
def awsvpc_port_mapping(node: Node) -> Iterator[Problem]:
    if node.get("networkMode") != "awsvpc":
        return
    for i, container in enumerate(_containers(node)):
        for j, mapping in enumerate(container.get("portMappings") or []):
            if not isinstance(mapping, dict):
                continue
            host, port = as_int(mapping.get("hostPort")), as_int(mapping.get("containerPort"))
            if host is not None and port is not None and host != port:
                path = f"containerDefinitions[{i}].portMappings[{j}].hostPort"
                yield Problem(f"{path} {host} must equal containerPort {port} with awsvpc networking", path, host)


@rule(
    "fargate-awslogs-options",
    "On Fargate the awslogs driver needs awslogs-group, awslogs-region and awslogs-stream-prefix",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html",
    TASK_DEFINITION,
)
def awslogs_options(node: Node) -> Iterator[Problem]:
    if not _fargate(node):
        return
    for i, container in enumerate(_containers(node)):
        config = container.get("logConfiguration") or {}
        if config.get("logDriver") != "awslogs":
            continue
        options = config.get("options") or {}
        for key in ("awslogs-group", "awslogs-region", "awslogs-stream-prefix"):
            if not options.get(key):
                path = f"containerDefinitions[{i}].logConfiguration.options"
                yield Problem(f"{path} has no {key!r}, which the awslogs driver needs on Fargate", path, options)


@rule(
    "fargate-size-required",
    "A Fargate task definition sets cpu and memory",
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
    TASK_DEFINITION,
)
def fargate_size_required(node: Node) -> Iterator[Problem]:
    if not _fargate(node):
        return
    for key in ("cpu", "memory"):
        if node.get(key) is None:
            unknown = bool(node.property_dependencies.get(key))
            yield Problem(
                f"task definition {node.name}'s {key} is "
                + ("known only at deploy" if unknown else "not set: Fargate requires it"),
                key,
                None,
                key,
                Severity.UNKNOWN if unknown else Severity.ERROR,
            )
