"""AWS's input rules (fargatelb.verify.aws): the extract is fresh and fully understood, every value
the components set is covered, and every rule, schema-driven or hand-written, is broken once and
seen named with its property, value and fix."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regex

import wiring_fixtures as fx
from fargatelb.fargate import FARGATE_MEMORY
from fargatelb.graph import Graph, Node
from fargatelb.verify import Layer, Report, Severity, check
from fargatelb.verify.aws.bridge import document
from fargatelb.verify.aws.mappings import BY_TYPE
from fargatelb.verify.aws.registry import RULES
from fargatelb.verify.aws.run import schemas
from fargatelb.verify.aws.schema import ANNOTATIONS, CONSTRAINTS
from offline import stacks
from synth_helpers import committed_recording

ROOT = Path(__file__).resolve().parent.parent
# Types the components create that no AWS API judges: Pulumi's own components, TLS keys made
# locally, awsx's image build (checked by the lifecycle layer), ACM's validation waiter.
NOT_AWS_RESOURCES = {
    "fargatelb:index:PrivateNetwork",
    "fargatelb:index:ServiceCluster",
    "fargatelb:index:ApplicationLoadBalancer",
    "fargatelb:index:ServiceCall",
    "fargatelb:index:LoadBalancedFargateService",
    "fargatelb:index:UdpNlbService",
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "awsx:ecr:Image",
    "docker-build:index:Image",
    "aws:acm/certificateValidation:CertificateValidation",
}


@pytest.fixture(scope="module")
def recorded() -> dict[str, Graph]:
    graphs = {stack: committed_recording(stack).graph() for stack in stacks()}
    graphs["fixture"] = fx.synthesized().graph
    return graphs


def _nodes(graphs: dict[str, Graph]) -> Iterator[tuple[str, Node]]:
    for stack, graph in graphs.items():
        for node in graph.nodes:
            yield stack, node


# ---------------------------------------------------------------------------------------------
# The extract and the bridge


def test_the_extract_is_what_cfn_lint_ships_today() -> None:
    """scripts/extract_aws_schemas.py --check: the committed rules match the pinned cfn-lint."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "extract_aws_schemas.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def _schema_keywords(schema: Any) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        yield key
        if key in ("properties", "definitions", "dependentExcluded"):
            for sub in value.values():
                yield from _schema_keywords(sub)
        elif key in ("items", "not", "if", "then", "else", "contains"):
            yield from _schema_keywords(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            for sub in value:
                yield from _schema_keywords(sub)


def test_every_keyword_in_the_extract_is_validated_or_only_annotates() -> None:
    data = schemas()
    used = set()
    for resource in data["resources"].values():
        used |= set(_schema_keywords({"properties": resource["properties"], "definitions": resource["definitions"]}))
    for extension in data["extensions"]:
        used |= set(_schema_keywords(extension["schema"]))
    used -= {"documentationUrl"}
    assert used - CONSTRAINTS - ANNOTATIONS == set(), "a keyword the validator would silently skip"


def test_the_components_fargate_table_is_cfn_lints() -> None:
    (extension,) = [e for e in schemas()["extensions"] if e["id"] == "E3047"]
    table: dict[int, tuple[int, ...]] = {}
    for branch in extension["schema"]["then"]["anyOf"]:
        cpu = int(branch["properties"]["Cpu"]["then"]["enum"][0])
        memory = branch["properties"]["Memory"]["then"]
        if "enum" in memory:
            table[cpu] = tuple(int(m) for m in memory["enum"])
        else:
            table[cpu] = tuple(range(memory["minimum"], memory["maximum"] + 1, memory["multipleOf"]))
    assert table == FARGATE_MEMORY


def test_every_recorded_resource_type_has_a_mapping_or_is_not_an_aws_resource(recorded: dict[str, Graph]) -> None:
    types = {node.type for _, node in _nodes(recorded) if node.type != "pulumi:pulumi:Stack"}
    assert types - set(BY_TYPE) - NOT_AWS_RESOURCES == set()


def test_every_input_the_components_set_is_mapped_or_explained(recorded: dict[str, Graph]) -> None:
    from fargatelb.verify.aws.bridge import mapped_inputs

    unmapped = {
        (node.type, key)
        for _, node in _nodes(recorded)
        if node.type in BY_TYPE
        for key in node.props
        if key not in mapped_inputs(BY_TYPE[node.type])
    }
    assert unmapped == set(), "inputs no AWS rule judges: map them, or list them as unchecked with the reason"


# ---------------------------------------------------------------------------------------------
# Every schema rule on a value the components set, broken once

_CANDIDATES = ["'", "\x00", "é", " ", "UPPER", "-x-", "a/b", "#", "1", "arn:aws:x", "sg-1"]


def _leaf_schema(resource: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any] | None:
    schema: Any = {"properties": resource["properties"]}
    for part in path:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = resource["definitions"][schema["$ref"].split("/")[-1]]
        if isinstance(part, int):
            schema = schema.get("items") if isinstance(schema, dict) else None
        else:
            schema = (schema.get("properties") or {}).get(part) if isinstance(schema, dict) else None
        if schema is None:
            return None
    while isinstance(schema, dict) and "$ref" in schema:
        schema = resource["definitions"][schema["$ref"].split("/")[-1]]
    return schema if isinstance(schema, dict) else None


def _breaking_value(keyword: str, schema: dict[str, Any]) -> Any:
    bound = schema[keyword]
    if keyword == "pattern":
        return next((c for c in _CANDIDATES if not regex.search(bound, c)), None)
    if keyword == "enum":
        return "NOT-AN-ALLOWED-VALUE"
    if keyword == "maxLength":
        return "a" * (bound + 1)
    if keyword == "minLength":
        return "" if bound > 0 else None
    if keyword == "minimum":
        return bound - 1
    if keyword == "maximum":
        return bound + 1
    return None


def _schema_cases(graphs: dict[str, Graph]) -> list[tuple[str, str, str, str, str, Any]]:
    """(stack, type, resource, input path, keyword, breaking value) for each constraint the
    CloudFormation schema puts on a value the components set."""
    cases: dict[tuple[str, str, str], tuple[str, str, str, str, str, Any]] = {}
    for stack, node in _nodes(graphs):
        mapping = BY_TYPE.get(node.type)
        resource = schemas()["resources"].get(mapping.cfn_type) if mapping else None
        if mapping is None or resource is None:
            continue
        doc = document(mapping, node.name, node.props)
        for cfn_path in _leaves(doc.properties):
            origin = doc.origins.get(cfn_path, "")
            schema = _leaf_schema(resource, cfn_path)
            # A tag's key isn't a value to plant; a converted value (bool → "ENABLED") can't be broken raw.
            if schema is None or "auto-named" in origin or cfn_path[-1:] == ("Key",):
                continue
            pulumi_path = doc.pulumi_path(cfn_path)
            if _value_at(doc.properties, cfn_path) != _value_at_input(node.props, pulumi_path):
                continue
            for keyword in ("pattern", "enum", "minLength", "maxLength", "minimum", "maximum"):
                if keyword in schema:
                    value = _breaking_value(keyword, schema)
                    # one case per type, input and keyword is enough: the same rule, another resource
                    key = (node.type, re.sub(r"\[\d+\]|tags\..*", "", pulumi_path), keyword)
                    if value is not None and key not in cases:
                        cases[key] = (stack, node.type, node.name, pulumi_path, keyword, value)
    return sorted(cases.values(), key=str)


def _leaves(doc: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _leaves(value, (*path, i))
    yield path


def _value_at(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _value_at_input(props: dict[str, Any], path: str) -> Any:
    value: Any = props
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if isinstance(value, str) and value[:1] in "[{":
            value = json.loads(value)
        if part.startswith("["):
            value = value[int(part[1:-1])] if isinstance(value, list) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _plant(props: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`props` with `value` at `path` (dotted, with [i]; inside a JSON string input too)."""
    out = copy.deepcopy(props)
    head, _, rest = path.partition(".")
    match = re.fullmatch(r"([^\[]+)(?:\[(\d+)\])?", head)
    assert match, head
    key, index = match.groups()
    target: Any = out.get(key)
    parsed = isinstance(target, str) and target[:1] in "[{"
    if parsed:
        target = json.loads(target)
    if index:
        item = target[int(index)]
        target[int(index)] = _plant(item, rest, value) if rest else value
    elif rest:
        target = _plant(target or {}, rest, value)
    else:
        target = value
    out[key] = json.dumps(target) if parsed and (index or rest) else target
    return out


def _alone(node: Node, props: dict[str, Any]) -> Graph:
    return Graph([dataclasses.replace(node, props=props)])


def test_schema_cases_cover_every_kind_of_constraint(recorded: dict[str, Graph]) -> None:
    cases = _schema_cases(recorded)
    assert {case[4] for case in cases} >= {"pattern", "enum", "maxLength", "minimum", "maximum"}
    assert len(cases) >= 40, len(cases)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "schema_case" in metafunc.fixturenames:
        graphs = {stack: committed_recording(stack).graph() for stack in stacks()}
        cases = _schema_cases(graphs)
        metafunc.parametrize("schema_case", cases, ids=[f"{c[2]}.{c[3]}:{c[4]}" for c in cases])


def test_each_schema_rule_is_named_when_broken(recorded: dict[str, Graph], schema_case: tuple[Any, ...]) -> None:
    stack, token, name, path, keyword, value = schema_case
    node = next(n for n in recorded[stack].nodes if n.name == name and n.type == token)
    report = check(_alone(node, _plant(dict(node.props), path, value)))
    named = [f for f in report.errors if f.layer is Layer.AWS_RULES and f.property == path]
    assert named, f"planting {value!r} at {name}.{path} ({keyword}) went unnoticed:\n{report.format()}"
    assert keyword in (named[0].rule or "") or named[0].hop.startswith(("aws-", "tg-", "fargate")), named[0]
    assert named[0].source_url


def test_good_resources_break_no_rule(recorded: dict[str, Graph]) -> None:
    for stack, graph in recorded.items():
        errors = [f for f in check(graph).findings if f.layer is Layer.AWS_RULES]
        assert errors == [], f"{stack}: {errors}"


# ---------------------------------------------------------------------------------------------
# cfn-lint's extension rules and the hand-written rules, each broken once


def _web(graph: Graph, token: str, suffix: str = "") -> Node:
    return next(n for n in graph.nodes if n.type == token and n.name.startswith("web") and n.name.endswith(suffix))


def _containers(node: Node, change: Any) -> dict[str, Any]:
    containers = json.loads(node.props["containerDefinitions"])
    change(containers)
    return {**node.props, "containerDefinitions": json.dumps(containers)}


TG, LB, LISTENER = "aws:lb/targetGroup:TargetGroup", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener"
TASK, SG = "aws:ecs/taskDefinition:TaskDefinition", "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

# rule id → (resource type, logical-name suffix, change to its inputs, words the message must hold)
BREAKS: dict[str, tuple[str, str, Any, str]] = {
    # cfn-lint's extension schemas
    "fargate-size": (TASK, "", lambda n: {**n.props, "memory": "8192"}, "Fargate allows 1024, 2048, 3072, 4096"),
    "fargate-task-properties": (TASK, "", lambda n: {**n.props, "networkMode": "bridge"}, "'bridge'"),
    "essential-container": (
        TASK,
        "",
        lambda n: _containers(n, lambda cs: [c.update(essential=False) for c in cs]),
        "containerDefinitions",
    ),
    "log-configuration": (
        TASK,
        "",
        lambda n: _containers(n, lambda cs: cs[0]["logConfiguration"]["options"].pop("awslogs-group")),
        "awslogs-group",
    ),
    "sg-protocol-ports": (
        INGRESS,
        "-task-in-tcp-8080",
        lambda n: {k: v for k, v in n.props.items() if k not in ("fromPort", "toPort")},
        "FromPort",
    ),
    "sg-all-protocol-ports": (INGRESS, "-task-in-tcp-8080", lambda n: {**n.props, "fromPort": -1}, "ToPort"),
    "listener-certificate": (LISTENER, "-http", lambda n: {**n.props, "protocol": "HTTPS"}, "Certificates"),
    "alb-subnets": (LB, "", lambda n: {**n.props, "subnets": ["subnet-1"]}, "Subnets"),
    "tg-target-type": (TG, "", lambda n: {**n.props, "targetType": "lambda"}, ""),
    "tg-protocol": (TG, "", lambda n: {**n.props, "protocol": "GENEVE"}, ""),
    "tg-health-check-protocol": (TG, "", lambda n: _with_hc(n, protocol="TCP"), "matcher"),
    # hand-written
    "lb-name": (LB, "", lambda n: {**n.props, "name": "internal-web"}, "can't begin with 'internal-'"),
    "tg-name": (TG, "", lambda n: {**n.props, "name": "-web-"}, "letters, digits and hyphens"),
    "tg-health-check-timing": (TG, "", lambda n: _with_hc(n, interval=5, timeout=5), "less than healthCheck.interval"),
    "tg-health-check-matcher": (TG, "", lambda n: _with_hc(n, matcher="200-599"), "accepts codes 200-499"),
    "tg-attributes": (TG, "", lambda n: {**n.props, "deregistrationDelay": 4000}, "0 to 3600"),
    "alb-attributes": (LB, "", lambda n: {**n.props, "desyncMitigationMode": "lenient"}, "'monitor', 'defensive'"),
    "listener-ssl-policy": (
        LISTENER,
        "-https",
        lambda n: {**n.props, "sslPolicy": "TLS-Modern"},
        "not an Elastic Load Balancing security policy",
    ),
    "sg-rule-description": (INGRESS, "-task-in-tcp-8080", lambda n: {**n.props, "description": "the LB's"}, '"\'"'),
    "sg-name": (SG, "-task-sg", lambda n: {**n.props, "name": "sg-web"}, "can't start with 'sg-'"),
    "ecs-name": (TASK, "", lambda n: {**n.props, "family": "web.task"}, "letters, digits, hyphens or underscores"),
    "container-health-check": (
        TASK,
        "",
        lambda n: _containers(n, lambda cs: cs[0].update(healthCheck={"command": ["CMD", "true"], "timeout": 61})),
        "from 2 to 60",
    ),
    "fargate-stop-timeout": (TASK, "", lambda n: _containers(n, lambda cs: cs[0].update(stopTimeout=300)), "120"),
    "awsvpc-port-mapping": (
        TASK,
        "",
        lambda n: _containers(n, lambda cs: cs[0]["portMappings"][0].update(hostPort=80)),
        "must equal containerPort",
    ),
    "fargate-awslogs-options": (
        TASK,
        "",
        lambda n: _containers(n, lambda cs: cs[0]["logConfiguration"]["options"].pop("awslogs-stream-prefix")),
        "awslogs-stream-prefix",
    ),
    "fargate-size-required": (TASK, "", lambda n: {k: v for k, v in n.props.items() if k != "cpu"}, "cpu is not set"),
    "scaling-bounds": (
        "aws:appautoscaling/target:Target",
        "",
        lambda n: {**n.props, "minCapacity": 5, "maxCapacity": 2},
        "greater than maxCapacity",
    ),
    "scaling-target-value": (
        "aws:appautoscaling/policy:Policy",
        "-cpu",
        lambda n: _with("targetTrackingScalingPolicyConfiguration", n, targetValue=150),
        "at most 100",
    ),
    "tags": (INGRESS, "-task-in-tcp-8080", lambda n: {**n.props, "tags": {"aws:owner": "me"}}, "reserved"),
}


def _with(key: str, node: Node, **changes: Any) -> dict[str, Any]:
    return {**node.props, key: {**(node.props.get(key) or {}), **changes}}


def _with_hc(node: Node, **changes: Any) -> dict[str, Any]:
    return _with("healthCheck", node, **changes)


def test_every_rule_has_a_break_case() -> None:
    slugs = {e["slug"] for e in schemas()["extensions"]} - {"route53-record", "route53-alias", "alarm-period"}
    assert slugs | {r.id for r in RULES} == set(BREAKS)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_each_rule_is_named_when_broken(recorded: dict[str, Graph], rule_id: str) -> None:
    token, suffix, change, words = BREAKS[rule_id]
    node = _web(recorded["prod"], token, suffix)
    report = check(_alone(node, change(node)))
    named = [f for f in report.findings if f.hop == rule_id and f.severity is not Severity.UNKNOWN]
    assert named, f"{rule_id} not named:\n{report.format()}"
    assert words in named[0].message, named[0].message
    assert named[0].layer is Layer.AWS_RULES and named[0].source_url and named[0].rule


# ---------------------------------------------------------------------------------------------
# Fixes name the config key; unknown values break nothing


def test_a_tag_value_over_the_limit_names_the_tag_and_its_config_key(recorded: dict[str, Graph]) -> None:
    node = _web(recorded["dev"], "aws:cloudwatch/logGroup:LogGroup")
    graph = Graph(
        [
            dataclasses.replace(node, props={**node.props, "tags": {"cost_center": "x" * 300}}) if n is node else n
            for n in recorded["dev"].nodes
        ]
    )
    (finding,) = [f for f in check(graph).errors if f.layer is Layer.AWS_RULES]
    assert finding.property == "tags.cost_center" and finding.hop == "aws-length"
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.tags.cost_center"
    assert "(300 characters)" in finding.message and "at most 256" in finding.message


def test_an_unknown_value_is_not_judged(recorded: dict[str, Graph]) -> None:
    node = _web(recorded["dev"], TG)
    props = {**node.props, "vpcId": None, "healthCheck": {**node.props["healthCheck"], "protocol": None}}
    report: Report = check(_alone(node, props))
    assert [f for f in report.findings if f.layer is Layer.AWS_RULES] == []


# ---------------------------------------------------------------------------------------------
# End to end: the offline preview and the policy pack
