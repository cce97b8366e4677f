"""Mutations: one thing broken that only packets show, applied to a copy of the recording.

Each takes the stack's recording and returns a mutated copy: a changed task definition, target
group, or an image whose build context is a changed copy of `app/<name>` in a scratch directory.
The static wiring check still passes every one of them (`static_check`), since a port mapping,
a security group and a target group all still agree; the emulation fails each, naming the hop and
what the packets did there. Services are found by role (the one behind the ALB, the one behind
the NLB), never by name.

    recording, what = apply("app-on-loopback", synthesize_stack("dev"), scratch_dir)
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fargatelb import verify
from fargatelb.mocks import Recording, Registration

from . import model


def _served(recording: Recording, lb_type: str) -> tuple[model.Service, model.Attachment, model.TargetGroup]:
    """The first service behind a load balancer of `lb_type`, its attachment and target group."""
    stack = model.read(recording)
    for lb in stack.load_balancers:
        if lb.type != lb_type:
            continue
        groups = {li.default_action.target_group for li in lb.listeners}
        for service in stack.services:
            for attachment in service.attachments:
                if attachment.target_group in groups:
                    return service, attachment, stack.target_groups[attachment.target_group]
    raise LookupError(f"the stack has no service behind an {lb_type} load balancer")


def _task_definition(recording: Recording, service: model.Service) -> Registration:
    graph = recording.graph()
    node = graph.refs(graph.by_urn[service.urn], "taskDefinition", model.TASK_DEFINITION)[0]
    return recording.by_urn(node.urn)


def _edit_container(
    recording: Recording, service: model.Service, name: str, edit: Callable[[dict[str, Any]], str]
) -> str:
    td = _task_definition(recording, service)
    definitions = json.loads(td.inputs["containerDefinitions"])
    container = next(c for c in definitions if c["name"] == name)
    what = edit(container)
    td.inputs["containerDefinitions"] = json.dumps(definitions)
    return what


def _set_env(container: dict[str, Any], key: str, value: str) -> None:
    env = [e for e in container.get("environment", []) if e["name"] != key]
    container["environment"] = [*env, {"name": key, "value": value}]


def _env_holding(container: dict[str, Any], value: int) -> str:
    for entry in container.get("environment", []):
        if entry.get("value") == str(value):
            return str(entry["name"])
    raise LookupError(f"container {container['name']} has no environment variable set to {value}")


def app_on_loopback(recording: Recording, scratch: Path) -> str:
    service, attachment, _ = _served(recording, "application")

    def edit(c: dict[str, Any]) -> str:
        _set_env(c, "BIND_HOST", "127.0.0.1")
        return f"{service.name}/{c['name']} gets BIND_HOST=127.0.0.1: it listens on loopback only"

    return _edit_container(recording, service, attachment.container, edit)


def app_port_differs(recording: Recording, scratch: Path) -> str:
    service, attachment, _ = _served(recording, "application")

    def edit(c: dict[str, Any]) -> str:
        key = _env_holding(c, attachment.port)
        _set_env(c, key, str(attachment.port + 1))
        where = f"{service.name}/{c['name']}"
        return f"{where} gets {key}={attachment.port + 1}; its port mapping still says {attachment.port}"

    return _edit_container(recording, service, attachment.container, edit)


def udp_port_differs(recording: Recording, scratch: Path) -> str:
    """The UDP server listens on another port than the one it is mapped, registered and probed on.
    (A sidecar probing the wrong port is the static check's: its contract is read from the task.)"""
    service, attachment, _ = _served(recording, "network")

    def edit(c: dict[str, Any]) -> str:
        key = _env_holding(c, attachment.port)
        _set_env(c, key, str(attachment.port + 1))
        return f"{service.name}/{c['name']} gets {key}={attachment.port + 1}: the server listens on the wrong UDP port"

    return _edit_container(recording, service, attachment.container, edit)


def health_path_404(recording: Recording, scratch: Path) -> str:
    _, _, tg = _served(recording, "application")
    registration = recording.by_urn(tg.urn)
    registration.inputs["healthCheck"] = {**registration.inputs["healthCheck"], "path": "/health"}
    return f"target group {tg.name} health-checks /health, which the app doesn't serve (it serves {tg.health.path})"


def _point_build_at(recording: Recording, container: model.Container, context: Path) -> None:
    """Make the build of `container`'s image read `context` instead (docker-build or awsx)."""
    for registration in recording.of_type(model.DOCKER_BUILD_IMAGE):
        if (registration.inputs.get("context") or {}).get("location") == str(container.context):
            registration.inputs["context"] = {**registration.inputs["context"], "location": str(context)}
            registration.inputs["dockerfile"] = {"location": str(context / "Dockerfile")}
            return
    for registration in recording.of_type(model.ECR_IMAGE):
        if registration.inputs.get("context") == str(container.context):
            registration.inputs["context"] = str(context)
            return
    raise LookupError(f"no image build reads {container.context}")


def _rewrite_cmd(recording: Recording, scratch: Path, rewrite: Callable[[list[str]], list[str]]) -> tuple[str, str]:
    """Copy the ALB service's app into `scratch` with its final CMD rewritten; point the image there."""
    service, attachment, _ = _served(recording, "application")
    container = next(c for c in service.containers if c.name == attachment.container)
    assert container.context is not None
    copy_dir = scratch / container.context.name
    shutil.copytree(container.context, copy_dir)
    dockerfile = copy_dir / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    index = max(i for i, line in enumerate(lines) if line.startswith("CMD "))
    old = json.loads(lines[index][4:])
    lines[index] = "CMD " + json.dumps(rewrite(old))
    dockerfile.write_text("\n".join(lines) + "\n")
    _point_build_at(recording, container, copy_dir)
    return f"{service.name}/{container.name}", lines[index]


def cmd_exits(recording: Recording, scratch: Path) -> str:
    where, line = _rewrite_cmd(recording, scratch, lambda old: ["/bin/sh", "-c", "echo configured; exit 0"])
    return f"{where}'s Dockerfile ends with `{line}`: the container exits instead of serving"


def writes_outside_volumes(recording: Recording, scratch: Path) -> str:
    def rewrite(old: list[str]) -> list[str]:
        return ["/bin/sh", "-c", "echo $$ > /app/app.pid && exec " + " ".join(old)]

    where, line = _rewrite_cmd(recording, scratch, rewrite)
    return f"{where} writes a pid file to /app before starting (`{line}`), outside its volumes on a read-only root"


MUTATIONS: dict[str, Callable[[Recording, Path], str]] = {
    "app-on-loopback": app_on_loopback,
    "app-port-differs": app_port_differs,
    "udp-port-differs": udp_port_differs,
    "health-path-404": health_path_404,
    "cmd-exits": cmd_exits,
    "writes-outside-volumes": writes_outside_volumes,
}


def apply(name: str, recording: Recording, scratch: Path) -> tuple[Recording, str]:
    """A mutated copy of `recording`, and what was changed."""
    scratch.chmod(0o755)  # the apps run unprivileged and read their (copied) files from here
    mutated = copy.deepcopy(recording)
    return mutated, MUTATIONS[name](mutated, scratch)


def static_check(recording: Recording) -> verify.Report:
    """The offline preview's wiring check over the same (mutated) resources."""
    return verify.check(recording.graph())


def focus(name: str, recording: Recording) -> str:
    """URN of the service the mutation breaks."""
    lb_type = "network" if name == "udp-port-differs" else "application"
    return _served(recording, lb_type)[0].urn
