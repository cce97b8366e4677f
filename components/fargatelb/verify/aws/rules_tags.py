"""Tags, on every resource that takes them: AWS's common limits. Services that restrict the
characters further (ELB, ECS, IAM, ...) carry their own pattern in cfn-lint's schemas too."""

from __future__ import annotations

from collections.abc import Iterator

from ...graph import Node
from .mappings import BY_TYPE
from .registry import Problem, rule, shown

MAX_TAGS = 50


@rule(
    "tags",
    "At most 50 tags; keys 1-128 characters, values up to 256; keys and values don't start with 'aws:'",
    "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html",
)
def tags(node: Node) -> Iterator[Problem]:
    found = node.get("tags")
    if not isinstance(found, dict):
        return
    mapping = BY_TYPE.get(node.type)
    # Where the CloudFormation schema judges the tags, only the reserved prefix is left to check here.
    schema_checked = mapping is not None and "Tags" in mapping.properties
    for key in found:
        if key.lower().startswith("aws:"):
            yield Problem(f"tag key {key!r}: the 'aws:' prefix is reserved for AWS", f"tags.{key}", key, "tags")
    if schema_checked:
        return
    if len(found) > MAX_TAGS:
        yield Problem(f"{len(found)} tags; AWS allows at most {MAX_TAGS} per resource", "tags", len(found), "tags")
    for key, value in found.items():
        path = f"tags.{key}"
        if not 1 <= len(key) <= 128:
            yield Problem(f"tag key {shown(key)} must be 1-128 characters", path, key, "tags")
        if isinstance(value, str) and len(value) > 256:
            yield Problem(
                f"tag {key!r} has a {len(value)}-character value; the limit is 256", path, shown(value), "tags"
            )
