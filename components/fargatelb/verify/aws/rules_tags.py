"""Tags, on every resource that takes them: AWS's common limits, on every tag AWS is sent.

AWS counts a resource's tags after the provider merges its default tags in (`aws:defaultTags`, or an
explicit provider's `default_tags`): the provider's Check sends `tagsAll`, the default tags overlaid
by the resource's own. A real preview records `tagsAll` that way; the offline recording mocks do the
same (`fargatelb.mocks`). Where a resource records no `tagsAll`, its own `tags` are all AWS gets.

cfn-lint's CloudFormation schemas judge a resource's own tags where they carry a constraint (ECS
and IAM: at most 50; Cloud Map: 200; ELB, ECS, IAM: key and value patterns), but most EC2, ELB,
Logs, KMS and S3 schemas declare `Tags` with no `maxItems` and many no key or value lengths: each
limit is applied here wherever the schema doesn't carry it, and the count wherever the default
tags could push it over.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from ...graph import Node
from .mappings import BY_TYPE
from .registry import Problem, rule, shown
from .run import schemas

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256


@functools.cache
def schema_limits(pulumi_type: str) -> tuple[int | None, int | None, int | None]:
    """(maxItems of `Tags`, maxLength of a key, maxLength of a value) the CloudFormation schema of
    `pulumi_type` declares for the resource's own tags; None where it declares none."""
    mapping = BY_TYPE.get(pulumi_type)
    resource = (
        schemas()["resources"].get(mapping.cfn_type) if mapping is not None and "Tags" in mapping.properties else None
    )
    tags = resource["properties"].get("Tags") if resource else None
    if not isinstance(tags, dict) or resource is None:
        return None, None, None
    ref = (tags.get("items") or {}).get("$ref", "")
    tag = resource["definitions"].get(ref.split("/")[-1], {}) if ref else {}
    fields = tag.get("properties", {})
    return tags.get("maxItems"), fields.get("Key", {}).get("maxLength"), fields.get("Value", {}).get("maxLength")


@rule(
    "tags",
    "At most 50 tags (default tags included); keys 1-128 characters, values up to 256; keys don't start with 'aws:'",
    "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html",
)
def tags(node: Node) -> Iterator[Problem]:
    own = node.get("tags")
    merged = node.get("tagsAll")
    if not isinstance(own, dict) and not isinstance(merged, dict):
        return
    own = own if isinstance(own, dict) else {}
    merged = {**merged, **own} if isinstance(merged, dict) else dict(own)
    inherited = [key for key in merged if key not in own]
    max_items, max_key, max_value = schema_limits(node.type)
    for key in merged:
        if isinstance(key, str) and key.lower().startswith("aws:"):
            yield _problem(
                node, key, inherited, f"tag key {key!r}: the 'aws:' prefix is reserved for AWS", f"tags.{key}", key
            )
    limit = max_items or MAX_TAGS
    schema_counts = max_items is not None and len(own) > max_items  # the schema reports that one
    if len(merged) > limit and not schema_counts:
        where = (
            f" ({len(own)} of its own and {len(inherited)} default tags from the AWS provider, aws:defaultTags)"
            if inherited
            else ""
        )
        yield Problem(
            f"{len(merged)} tags{where}; AWS allows at most {limit} per resource", "tags", len(merged), "tags"
        )
    for key, value in merged.items():
        checked_by_schema = key in own
        if not (max_key is not None and checked_by_schema) and not 1 <= len(key) <= MAX_KEY:
            yield _problem(node, key, inherited, f"tag key {shown(key)} must be 1-128 characters", f"tags.{key}", key)
        if not (max_value is not None and checked_by_schema) and isinstance(value, str) and len(value) > MAX_VALUE:
            yield _problem(
                node,
                key,
                inherited,
                f"tag {key!r} has a {len(value)}-character value; the limit is {MAX_VALUE}",
                f"tags.{key}",
                shown(value),
            )


def _problem(node: Node, key: str, inherited: list[str], message: str, path: str, value: Any) -> Problem:
    """A problem with one tag: the resource's own (the fix names it), or a default tag of the provider."""
    if key in inherited:
        return Problem(f"{message} (a default tag of the AWS provider: aws:defaultTags)", f"tagsAll.{key}", value)
    return Problem(message, path, value, "tags")
