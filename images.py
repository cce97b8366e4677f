"""Build an app/<name> image and push it to its own ECR repository (awsx), during `pulumi up`.

Creates an `awsx.ecr.Repository` (scan on push, immutable tags, a lifecycle policy keeping the last
images) and an `awsx.ecr.Image` built from `app/<name>` for the stack's platform. Needs Docker where
`pulumi up` runs; offline synthesis records the build without running it.
"""

from pathlib import Path

import pulumi
import pulumi_awsx as awsx

APP_DIR = Path(__file__).parent / "app"


def ecr_image(name: str, platform: str) -> pulumi.Output[str]:
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
    return image.image_uri
