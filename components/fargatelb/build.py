"""Build a Docker context into its own ECR repository during `pulumi up`, tagged by its content.

Used by programs for their apps and by `UdpNlbService` for the health-check sidecar this package
ships. Each image gets an ECR repository with immutable tags, named `<project>/<stack>/<image>` so
the program can look it up before it exists, and a tag `image_tags.content_tag(...)`: a hash of
what `docker build` is given, identical in every checkout of a commit. Then:

- the tag is already in the repository (nothing in the context changed since a push, a rollback to
  an earlier commit, a re-run after a failed deploy): no build, no push; the task definition names
  the image that tag already points to, by digest;
- the tag is new: `docker-build` builds the context for the stack's platform and pushes it under
  that tag, once. The image resource is retained on delete, because the provider's delete removes
  the pushed manifest from ECR: it disappears from the stack on the next `pulumi up`, and the image
  stays, for rollbacks.

Why not `awsx.ecr.Image`: with no tag it tags every build `sha1(context path + stack)` (an absolute
context differs between a laptop and CI; a second, changed build is refused by an immutable
repository); with a tag, its child image resource is named by the tag, so each new tag deletes the
previous image from ECR, the one the ECS circuit breaker would roll back to; and a rebuild of an
existing tag (a rollback to an earlier commit) is refused by ECR.

Needs Docker where `pulumi up` runs. Offline synthesis records the build without running it. A
context's `healthcheck.json` becomes the container's ECS health check (ECS ignores the Dockerfile
HEALTHCHECK) and its Dockerfile `USER` the container's `uid:gid`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from ._account import asked_once
from .fargate import ContainerArgs
from .image_tags import content_tag

_ECR_SEGMENT = re.compile(r"[^a-z0-9]+")
PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}
"""The Docker platform for each ECS `cpu_architecture`."""


@dataclass(frozen=True)
class BuiltImage:
    uri: pulumi.Output[str]
    """`<repository url>@<digest>`: the task definition pins the exact image."""
    tag: str
    health_check_command: Optional[list[str]]
    """From the context's `healthcheck.json`, if it has one."""
    user: str
    """The Dockerfile's final `USER`."""

    def container_settings(self, given: ContainerArgs | None) -> ContainerArgs:
        """`given` with the image's own user and ECS health check where it sets none: ECS ignores the
        Dockerfile's HEALTHCHECK, and would otherwise run the container as the component's default user."""
        settings = given or ContainerArgs()
        if settings.health_check_command is None and self.health_check_command:
            settings = dataclasses.replace(settings, health_check_command=self.health_check_command)
        if settings.user is None:
            settings = dataclasses.replace(settings, user=self.user)
        return settings


def repository_name(project: str, stack: str, image: str) -> str:
    """`<project>/<stack>/<image>`, each part lowercased to what ECR accepts
    (`[a-z0-9]+(?:[._-][a-z0-9]+)*` per path segment)."""
    parts = [_ECR_SEGMENT.sub("-", part.lower()).strip("-") for part in (project, stack, image)]
    if not all(parts):
        raise pulumi.RunError(f"can't name an ECR repository after {(project, stack, image)!r}")
    return "/".join(parts)


def dockerfile_user(dockerfile: Path) -> str:
    """The `USER` the image's final stage runs as: the container's `uid:gid` in ECS, which otherwise
    overrides it with the component's default."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    user = None
    for line in text.splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            user = None  # a new stage starts as root
        elif keyword.upper() == "USER":
            user = rest.strip()
    if user is None:
        raise pulumi.RunError(f"{dockerfile} has no USER in its final stage: the image would run as root")
    return user


def pushed_digest(repository: str, tag: str, parent: pulumi.Resource | None = None) -> str | None:
    """The digest `tag` points to in `repository`, if the repository exists and has it."""
    existing = asked_once(parent, "ECR repositories", lambda o: frozenset(aws.ecr.get_repositories(opts=o).names))
    if repository not in existing:
        return None
    opts = pulumi.InvokeOptions(parent=parent)
    for image in aws.ecr.get_images(repository_name=repository, opts=opts).image_ids:
        if image.image_tag == tag:
            return image.image_digest
    return None


def context_location(context: Path) -> str:
    """The context as `docker-build` is given it: relative to the working directory (the project,
    where Pulumi runs the program and its providers) when inside it, so the recorded input is the same
    in every checkout; absolute otherwise (a package installed elsewhere: the tag still doesn't depend on it)."""
    context = context.resolve()
    try:
        return context.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return context.as_posix()


def build_image(
    name: str,
    context: Path,
    *,
    platform: str,
    force_delete: bool,
    kms_key_arn: pulumi.Input[str] | None = None,
    protect: bool = False,
    parent: pulumi.Resource | None = None,
) -> BuiltImage:
    """The `<name>-repo` ECR repository and, if the content tag isn't pushed yet, the `<name>-image` build.

    `force_delete`: `pulumi destroy` deletes the repository with its images. `kms_key_arn`: encrypt it
    with that customer-managed key (Security Hub ECR.5); None: ECR's AES-256. `protect`: Pulumi
    `protect` on the repository.
    """
    dockerfile = context / "Dockerfile"
    if not dockerfile.is_file():
        raise pulumi.RunError(f"{dockerfile} is missing: can't build the {name} image")
    tag = content_tag(context, platform=platform)
    repo_name = repository_name(pulumi.get_project(), pulumi.get_stack(), name)
    repository = aws.ecr.Repository(
        f"{name}-repo",
        name=repo_name,
        image_scanning_configuration={"scan_on_push": True},
        image_tag_mutability="IMMUTABLE",
        force_delete=force_delete,
        # Set only when given: an unset one is ECR's default, and a change replaces the repository.
        encryption_configurations=(
            [{"encryption_type": "KMS", "kms_key": kms_key_arn}] if kms_key_arn is not None else None
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    digest: pulumi.Input[str] | None = pushed_digest(repo_name, tag, parent)
    if digest is None:
        registry = repository.repository_url.apply(lambda url: url.split("/", 1)[0])
        token = aws.ecr.get_authorization_token_output(
            registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=parent)
        )
        location = context_location(context)
        image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(location=location),
            dockerfile=docker_build.DockerfileArgs(location=f"{location}/Dockerfile"),
            platforms=[docker_build.Platform(platform)],
            tags=[pulumi.Output.concat(repository.repository_url, ":", tag)],
            push=True,
            registries=[docker_build.RegistryArgs(address=registry, username=token.user_name, password=token.password)],
            # Deleting this resource deletes the pushed manifest from ECR: keep the image.
            opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
        )
        digest = image.digest
    health_file = context / "healthcheck.json"
    health = json.loads(health_file.read_text())["command"] if health_file.is_file() else None
    return BuiltImage(
        uri=pulumi.Output.concat(repository.repository_url, "@", digest),
        tag=tag,
        health_check_command=list(health) if health else None,
        user=dockerfile_user(dockerfile),
    )
