"""Build each app/<name> this program runs into its own ECR repository during `pulumi up`.

`fargatelb.build` does the work (content tag, ECR repository with immutable tags, build only when the
tag isn't pushed yet); this file decides which app a service runs, lets the stack override it, and
applies `fargate-lb:images` to every repository the stack builds: `forceDelete`, `protect`, and
`encryptRepositories` (one customer-managed KMS key for all of them, the sidecar's included).
"""

import functools
from pathlib import Path
from typing import Any

import pulumi

from fargatelb._kms import repository_key
from fargatelb.build import BuiltImage, build_image
from stack_config import ImagesConfig

ROOT = Path(__file__).resolve().parent
APPS = ROOT / "app"


class AppImages:
    """The apps of one program run, each built once however many services run it (a second
    `<app>-repo` would be a duplicate URN, which the engine refuses), into repositories made as
    `fargate-lb:images` says."""

    def __init__(self, images: ImagesConfig) -> None:
        self.images = images
        self._built: dict[str, BuiltImage] = {}

    @property
    def platform(self) -> str:
        return self.images.platform

    @property
    def force_delete(self) -> bool:
        return self.images.force_delete

    @property
    def protect(self) -> bool:
        return self.images.protect

    @functools.cached_property
    def kms_key_arn(self) -> pulumi.Output[str] | None:
        """With `encryptRepositories`, the `images-key` KMS key, created once, when a repository needs it."""
        if not self.images.encrypt_repositories:
            return None
        opts = pulumi.ResourceOptions(protect=self.images.protect)
        return repository_key("images-key", {"Name": "images-key"}, opts).arn  # type: ignore[no-any-return]

    def built(self, app: str) -> BuiltImage:
        if app not in self._built:
            self._built[app] = build_image(
                app,
                APPS / app,
                platform=self.platform,
                force_delete=self.force_delete,
                kms_key_arn=self.kms_key_arn,
                protect=self.protect,
            )
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
        return {**args, image: built.uri, container: built.container_settings(args.get(container))}

    def sidecar_repository(self) -> dict[str, Any]:
        """UdpNlbServiceArgs for the sidecar repository the component builds: one of the stack's."""
        return {
            "image_repository_force_delete": self.force_delete,
            "image_repository_kms_key_arn": self.kms_key_arn,
            "image_repository_protect": self.protect,
        }
