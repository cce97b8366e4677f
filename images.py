"""Build each app/<name> this program runs into its own ECR repository during `pulumi up`.

`fargatelb.build` does the work (content tag, ECR repository with immutable tags, build only when the
tag isn't pushed yet); this file decides which app a service runs and lets the stack override it.
"""

import dataclasses
from pathlib import Path
from typing import Any

import pulumi

from fargatelb import ContainerArgs
from fargatelb.build import BuiltImage, build_image

ROOT = Path(__file__).resolve().parent
APPS = ROOT / "app"


class AppImages:
    """The apps of one program run, each built once however many services run it: a second
    `<app>-repo` would be a duplicate URN, which the engine refuses."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._built: dict[str, BuiltImage] = {}

    def built(self, app: str) -> BuiltImage:
        if app not in self._built:
            # Throwaway stacks may be destroyed with their images; prod's repositories refuse (issue 10).
            force_delete = pulumi.get_stack() != "prod"
            self._built[app] = build_image(app, APPS / app, platform=self.platform, force_delete=force_delete)
        return self._built[app]

    def with_image(
        self, args: dict[str, Any], app: str, *, image: str = "image", container: str = "container"
    ) -> dict[str, Any]:
        """Service arguments with app/<app> built into ECR, unless the stack names an image itself.

        The built app's health check and Dockerfile `USER` become the container's, unless the stack sets them.
        """
        if image in args:
            return args
        built = self.built(app)
        settings = args.get(container) or ContainerArgs()
        if settings.health_check_command is None and built.health_check_command:
            settings = dataclasses.replace(settings, health_check_command=built.health_check_command)
        if settings.user is None:
            settings = dataclasses.replace(settings, user=built.user)
        return {**args, image: built.uri, container: settings}
