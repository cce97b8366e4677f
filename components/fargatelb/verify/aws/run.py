"""Run AWS's input rules over a graph: schema rules through the bridge, cfn-lint's extension
rules, then the hand-written rules."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import regex

from ...graph import Node
from ..context import Context
from ..model import Layer, Severity
from .bridge import Document, ResourceMapping, document
from .bridge import Path as CfnPath
from .concerns import concern_of
from .mappings import BY_TYPE
from .messages import EXTENSION_MESSAGES
from .registry import GRAPH_RULES, RULES, Problem, shown
from .schema import Validator, Violation

SCHEMAS = Path(__file__).with_name("cfn_schemas.json")
_HOPS = {
    "pattern": "aws-pattern",
    "minLength": "aws-length",
    "maxLength": "aws-length",
    "enum": "aws-enum",
    "const": "aws-enum",
    "minimum": "aws-range",
    "maximum": "aws-range",
    "exclusiveMinimum": "aws-range",
    "exclusiveMaximum": "aws-range",
    "multipleOf": "aws-range",
    "minItems": "aws-items",
    "maxItems": "aws-items",
    "uniqueKeys": "aws-items",
    "type": "aws-type",
    "required": "aws-required",
    "false": "aws-not-allowed",
}


@functools.cache
def schemas() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMAS.read_text())
    return data


def _cfn_url(cfn_type: str) -> str:
    service, resource = cfn_type.split("::")[1:]
    return f"https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-{service.lower()}-{resource.lower()}.html"


def check_aws_rules(ctx: Context) -> None:
    data = schemas()
    for node in ctx.g.nodes:
        mapping = BY_TYPE.get(node.type)
        if mapping is None:
            continue
        doc = _document(mapping, node)
        resource = data["resources"].get(mapping.cfn_type)
        if resource is not None:
            validator = Validator(resource)
            for violation in validator.errors(doc.properties, {"properties": resource["properties"]}):
                if violation.keyword != "unknown":  # known at deploy: nothing to judge yet
                    _report_violation(ctx, node, mapping, doc, violation)
        for extension in data["extensions"]:
            if extension["type"] == mapping.cfn_type:
                _run_extension(ctx, node, mapping, doc, extension)
    for rule in RULES:
        for node in ctx.g.nodes:
            if rule.types and node.type not in rule.types:
                continue
            for problem in rule.check(node):
                _report_problem(ctx, node, rule.id, rule.summary, rule.source_url, problem)
    for graph_rule in GRAPH_RULES:
        for node, problem in graph_rule.check(ctx):
            _report_problem(
                ctx, node, graph_rule.id, graph_rule.summary, graph_rule.source_url, problem, graph_rule.layer
            )


def _document(mapping: ResourceMapping, node: Node) -> Document:
    inputs: dict[str, Any] = dict(node.props)
    if mapping.autoname and node.property_dependencies.get(mapping.autoname[0]):
        inputs[mapping.autoname[0]] = "(known at deploy)"  # a name from another resource: not auto-named
    doc = document(mapping, node.name, inputs)
    if mapping.autoname and inputs.get(mapping.autoname[0]) == "(known at deploy)":
        doc.properties.pop(mapping.autoname[1], None)
    return doc


def _locations(value: Any, at: list[str], path: CfnPath = ()) -> Iterator[tuple[CfnPath, Any]]:
    """Every value at `at` in a document (`*` matches each list item)."""
    if not at:
        yield path, value
        return
    head, rest = at[0], at[1:]
    if head == "*":
        for i, item in enumerate(value if isinstance(value, list) else []):
            if item is not None:
                yield from _locations(item, rest, (*path, i))
    elif isinstance(value, dict) and isinstance(value.get(head), dict | list):
        yield from _locations(value[head], rest, (*path, head))


def _run_extension(
    ctx: Context, node: Node, mapping: ResourceMapping, doc: Document, extension: dict[str, Any]
) -> None:
    validator = Validator(extension["schema"])
    for where, value in _locations(doc.properties, extension["at"]):
        violations = [v for v in validator.errors(value, extension["schema"], where) if v.keyword != "unknown"]
        if not violations:
            continue
        special = EXTENSION_MESSAGES.get(extension["slug"])
        problems = special(node, doc, violations) if special else None
        if problems is None:
            problems = [_problem(node, mapping, doc, v) for v in violations]
        url = extension.get("sourceUrl") or _cfn_url(mapping.cfn_type)
        summary = f"cfn-lint {extension['id']}: {extension['summary']}"
        for problem in problems:
            _report_problem(ctx, node, extension["slug"], summary, url, problem)


def _problem(node: Node, mapping: ResourceMapping, doc: Document, violation: Violation) -> Problem:
    if not violation.path:  # about the resource as a whole (a combination of its inputs)
        return Problem(message=f"{node.name} {violation.describe()} ({mapping.cfn_type})", value=None)
    pulumi_path = doc.pulumi_path(violation.path)
    cfn_path = ".".join(str(p) for p in violation.path)
    hint = _bad_characters(violation)
    return Problem(
        message=f"{pulumi_path} = {shown(violation.value)} {violation.describe()}{hint} "
        f"({mapping.cfn_type} {cfn_path})",
        property=pulumi_path,
        value=violation.value,
        concern=concern_of(node, pulumi_path),
    )


def _report_violation(ctx: Context, node: Node, mapping: ResourceMapping, doc: Document, violation: Violation) -> None:
    problem = _problem(node, mapping, doc, violation)
    rule = f"{mapping.cfn_type} {'.'.join(str(p) for p in violation.path)}: {violation.keyword} {violation.expected!r}"
    source = f"{_cfn_url(mapping.cfn_type)} (cfn-lint {schemas()['version']} schema)"
    _report_problem(ctx, node, _HOPS.get(violation.keyword, "aws-schema"), rule, source, problem)


def _report_problem(
    ctx: Context, node: Node, hop: str, rule: str, url: str, problem: Problem, layer: Layer = Layer.AWS_RULES
) -> None:
    resource_input = (problem.property or "").split(" ")[0]
    # A tag's fix names the tag: `fargate-lb:web.tags.team`.
    detail = resource_input.split(".", 1)[1] if problem.concern == "tags" and "." in resource_input else None
    ctx.add(
        problem.severity,
        hop,
        problem.message,
        source=node,
        target=problem.target,
        fix=ctx.fix(node, problem.concern, resource_input, detail),
        layer=layer,
        property=problem.property,
        value=problem.value,
        rule=rule,
        source_url=url,
    )


def _bad_characters(violation: Violation) -> str:
    """For a pattern over a character class, which characters of the value it refuses."""
    if violation.keyword != "pattern" or not isinstance(violation.value, str):
        return ""
    pattern = regex.compile(violation.expected)
    ok_alone = [c for c in dict.fromkeys(violation.value) if pattern.search(c)]
    bad = [c for c in dict.fromkeys(violation.value) if c not in ok_alone]
    if not bad or len(ok_alone) == 0:
        return ""
    return ": " + ", ".join(repr(c) for c in bad) + (" is" if len(bad) == 1 else " are") + " not allowed"


__all__ = ["Severity", "check_aws_rules"]
