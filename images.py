"""Build an app/<name> image into its own ECR repository during `pulumi up`, tagged by its content.

Each app gets an ECR repository with immutable tags, named `<project>/<stack>/<app>` so the
program can look it up before it exists, and an image tagged `image_tags.content_tag(...)`: a
hash of what `docker build` is given, identical in every checkout of a commit. Then:

- the tag is already in the repository (nothing in the app changed since a push, a rollback to
  an earlier commit, a re-run after a failed deploy): no build, no push; the task definition
  names the image that tag already points to, by digest;
- the tag is new: `docker-build` builds `app/<name>` (a context relative to the project, which
  is the working directory of the program and of every provider `pulumi up` starts) for the
  stack's platform and pushes it under that tag, once. The image resource is retained on
  delete, because the provider's delete removes the pushed manifest from ECR: it disappears
  from the stack on the next `pulumi up`, and the image stays, for rollbacks.

Why not `awsx.ecr.Image`: with no tag it tags every build `sha1(context path + stack)` (an
absolute context differs between a laptop and CI; a second, changed build is refused by an
immutable repository); with a tag, its child image resource is named by the tag, so each new tag
deletes the previous image from ECR, the one the ECS circuit breaker would roll back to; and a
rebuild of an existing tag (a rollback to an earlier commit) is refused by ECR.

Needs Docker where `pulumi up` runs. Offline synthesis records the build without running it.
The app's `healthcheck.json` becomes the container's ECS health check (ECS ignores the Dockerfile
HEALTHCHECK) and its Dockerfile `USER` the container's `uid:gid`.
"""

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from fargatelb import ContainerArgs
from image_tags import content_tag

ROOT = Path(__file__).resolve().parent
APPS = Path("app")  # build contexts are relative to the project, as Pulumi runs the program there
_ECR_SEGMENT = re.compile(r"[^a-z0-9]+")


@dataclasses.dataclass(frozen=True)
class AppImage:
    uri: pulumi.Output[str]
    tag: str
    health_check_command: list[str]
    user: str


def repository_name(project: str, stack: str, app: str) -> str:
    """`<project>/<stack>/<app>`, each part lowercased to what ECR accepts
    (`[a-z0-9]+(?:[._-][a-z0-9]+)*` per path segment)."""
    parts = [_ECR_SEGMENT.sub("-", part.lower()).strip("-") for part in (project, stack, app)]
    if not all(parts):
        raise pulumi.RunError(f"can't name an ECR repository after {(project, stack, app)!r}")
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


def pushed_digest(repository: str, tag: str) -> str | None:
    """The digest `tag` points to in `repository`, if the repository exists and has it."""
    if repository not in aws.ecr.get_repositories().names:
        return None
    for image in aws.ecr.get_images(repository_name=repository).image_ids:
        if image.image_tag == tag:
            return image.image_digest
    return None


def ecr_image(name: str, platform: str) -> AppImage:
    context = APPS / name
    if not (ROOT / context / "Dockerfile").is_file():
        raise pulumi.RunError(f"app/{name}/Dockerfile is missing: can't build the {name} image")
    tag = content_tag(ROOT / context, platform=platform)
    repo_name = repository_name(pulumi.get_project(), pulumi.get_stack(), name)
    repository = aws.ecr.Repository(
        f"{name}-repo",
        name=repo_name,
        image_scanning_configuration={"scan_on_push": True},
        image_tag_mutability="IMMUTABLE",
        force_delete=pulumi.get_stack() != "prod",
    )
    digest: pulumi.Input[str] | None = pushed_digest(repo_name, tag)
    if digest is None:
        registry = repository.repository_url.apply(lambda url: url.split("/", 1)[0])
        token = aws.ecr.get_authorization_token_output(registry_id=repository.registry_id)
        image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(location=context.as_posix()),
            dockerfile=docker_build.DockerfileArgs(location=(context / "Dockerfile").as_posix()),
            platforms=[docker_build.Platform(platform)],
            tags=[pulumi.Output.concat(repository.repository_url, ":", tag)],
            push=True,
            registries=[docker_build.RegistryArgs(address=registry, username=token.user_name, password=token.password)],
            # Deleting this resource deletes the pushed manifest from ECR: keep the image.
            opts=pulumi.ResourceOptions(retain_on_delete=True),
        )
        digest = image.digest
    health = json.loads((ROOT / context / "healthcheck.json").read_text())
    return AppImage(
        uri=pulumi.Output.concat(repository.repository_url, "@", digest),
        tag=tag,
        health_check_command=list(health["command"]),
        user=dockerfile_user(ROOT / context / "Dockerfile"),
    )


def with_app_image(
    args: dict[str, Any], app: str, platform: str, *, image: str = "image", container: str = "container"
) -> dict[str, Any]:
    """Service arguments with app/<app> built into ECR, unless the stack names an image itself.

    The built app's health check and Dockerfile `USER` become the container's, unless the stack sets them.
    """
    if image in args:
        return args
    built = ecr_image(app, platform)
    settings = args.get(container) or ContainerArgs()
    if settings.health_check_command is None:
        settings = dataclasses.replace(settings, health_check_command=built.health_check_command)
    if settings.user is None:
        settings = dataclasses.replace(settings, user=built.user)
    return {**args, image: built.uri, container: settings}
