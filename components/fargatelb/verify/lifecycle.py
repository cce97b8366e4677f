"""Lifecycle: what deploys once and fails the next time, on a rollback or a rename.

- `desired-count` (warning): an autoscaled service that doesn't ignore changes to `desiredCount`
  is scaled back to the configured count by every `pulumi up`.
- `fixed-name` (warning): a resource AWS names uniquely, given a fixed name, that Pulumi replaces
  on some change: Pulumi creates the new one before deleting the old, and the name collides.
- `fixed-priority` (warning): a listener rule whose replacement is created before the old one is
  deleted: both hold the same priority, and ELB refuses the second (PriorityInUse).
- `immutable-tag` (error): an image pushed under a fixed tag into an immutable repository: the
  second build is refused.
"""

from __future__ import annotations

from ..graph import Node
from .context import Context
from .model import Layer, Severity
from .tokens import (
    AWSX_IMAGE,
    DOCKER_BUILD_IMAGE,
    ECR_REPOSITORIES,
    LISTENER_RULES,
    LOAD_BALANCERS,
    SCALING_TARGET,
    SECURITY_GROUP,
    SERVICE,
    TARGET_GROUPS,
)

# Type → the changes that replace it (from the provider's schema: these inputs force a new resource).
_REPLACED_ON = {
    **{t: "port, protocol, target type or VPC" for t in TARGET_GROUPS},
    **{t: "type, scheme or name" for t in LOAD_BALANCERS},
    SECURITY_GROUP: "description, VPC or name",
}


def check_lifecycle(ctx: Context) -> None:
    check_image_tags(ctx)
    for svc in ctx.g.of_type(SERVICE):
        scaled = bool(ctx.referrers(svc, (SCALING_TARGET,), "resourceId"))
        ignored = {"desiredCount", "desired_count"} & set(svc.ignore_changes)
        if scaled and svc.get("desiredCount") is not None and not ignored:
            ctx.add(
                Severity.WARNING,
                "desired-count",
                f"{svc.name} is autoscaled but doesn't ignore changes to desiredCount: every `pulumi up` "
                "scales it back to the configured count",
                service=svc,
                source=svc,
                fix=ctx.fix(svc, "desired_count", "desiredCount"),
                layer=Layer.LIFECYCLE,
            )
    for rule in ctx.of_types(LISTENER_RULES):
        if rule.get("priority") is not None and not rule.delete_before_replace:
            ctx.add(
                Severity.WARNING,
                "fixed-priority",
                f"{rule.name} holds priority {rule.get('priority')} on its listener: a change that replaces it "
                "(its listener) creates the new rule first, and ELB refuses a second rule at that priority "
                "(PriorityInUse). Set deleteBeforeReplace on the rule",
                source=rule,
                fix=ctx.fix(rule, "priority", "priority"),
                layer=Layer.LIFECYCLE,
            )
    for node in ctx.of_types(tuple(_REPLACED_ON)):
        name = node.get("name")
        if isinstance(name, str) and not node.delete_before_replace:
            ctx.add(
                Severity.WARNING,
                "fixed-name",
                f"{node.name} has the fixed name {name!r}: changing its {_REPLACED_ON[node.type]} replaces it, "
                "Pulumi creates the replacement first, and AWS refuses a second resource with that name. "
                "Leave the name unset (Pulumi auto-names it) or set deleteBeforeReplace",
                source=node,
                fix=ctx.fix(node, "name", "name"),
                layer=Layer.LIFECYCLE,
                property="name",
                value=name,
            )


def check_image_tags(ctx: Context) -> None:
    """An immutable repository accepts each tag once: a build pushed under a fixed tag (or none,
    which is `latest`) deploys once, and the next changed build is refused
    (ImageTagAlreadyExistsException)."""
    for image in ctx.g.of_type(DOCKER_BUILD_IMAGE):
        repositories = ctx.refs(image, "tags", ECR_REPOSITORIES)
        if not image.get("push") or not _immutable(repositories):
            continue
        for tag in image.get("tags") or []:
            if isinstance(tag, str) and _tag_of(tag) == "latest":
                _fixed_tag(ctx, image, "tags", tag)
    for image in ctx.g.of_type(AWSX_IMAGE):
        if not _immutable(ctx.refs(image, "repositoryUrl", ECR_REPOSITORIES)):
            continue
        tag = image.get("imageTag")
        if tag is None and not image.property_dependencies.get("imageTag"):
            _fixed_tag(ctx, image, "imageTag", None)
        elif tag == "latest":
            _fixed_tag(ctx, image, "imageTag", tag)


def _immutable(repositories: list[Node]) -> bool:
    return any(r.get("imageTagMutability") == "IMMUTABLE" for r in repositories)


def _tag_of(reference: str) -> str:
    name = reference.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else "latest"


def _fixed_tag(ctx: Context, image: Node, prop: str, tag: str | None) -> None:
    what = f"the fixed tag {tag!r}" if tag else "no tag (awsx then derives one from the context path and stack)"
    ctx.add(
        Severity.ERROR,
        "immutable-tag",
        f"{image.name} pushes {what} into an immutable repository: the first build deploys, the next changed "
        "build is refused (ImageTagAlreadyExistsException). Tag each build by its content",
        source=image,
        fix=ctx.fix(image, "image", prop),
        layer=Layer.LIFECYCLE,
        property=prop,
        value=tag,
    )
