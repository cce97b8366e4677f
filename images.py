"""Build an app/<name> image and push it to its own ECR repository (awsx), during `pulumi up`.

Creates an `awsx.ecr.Repository` (scan on push, immutable tags) and an `awsx.ecr.Image` built from
`app/<name>` for the stack's platform. Needs Docker where `pulumi up` runs; offline synthesis records
the build without running it. The app's `healthcheck.json` (kept equal to its Dockerfile HEALTHCHECK
by the app tests) becomes the container's ECS health check, since ECS ignores HEALTHCHECK.
"""

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_awsx as awsx

from fargatelb import ContainerArgs

APP_DIR = Path(__file__).parent / "app"


@dataclasses.dataclass(frozen=True)
class AppImage:
    uri: pulumi.Output[str]
    health_check_command: list[str]
    user: str


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


def ecr_image(name: str, platform: str) -> AppImage:
    context = APP_DIR / name
    if not (context / "Dockerfile").is_file():
        raise pulumi.RunError(f"app/{name}/Dockerfile is missing: can't build the {name} image")
    repository = awsx.ecr.Repository(
        f"{name}-repo",
        image_scanning_configuration={"scan_on_push": True},
        image_tag_mutability="IMMUTABLE",
        force_delete=pulumi.get_stack() != "prod",
    )
    image = awsx.ecr.Image(
        f"{name}-image",
        repository_url=repository.url,
        context=str(context),
        platform=platform,
    )
    health = json.loads((context / "healthcheck.json").read_text())
    return AppImage(
        uri=image.image_uri,
        health_check_command=list(health["command"]),
        user=dockerfile_user(context / "Dockerfile"),
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
