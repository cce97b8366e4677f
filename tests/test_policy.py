"""The CrossGuard pack in policy/, fed recorded resources two ways:

(a) as recorded under mocks: every id and ARN present;
(b) as a real `pulumi preview` shows them: the ids and ARNs of new resources (and strings computed
    from them) unknown, wrapped in CrossGuard's unknown-checking proxies, so resources link only
    through property dependencies.

The wiring policy must pass the good stacks and catch a broken one either way.
"""

import copy
import importlib.util
import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_policy
import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

import wiring_fixtures as fx
from fargatelb.graph import Graph, Node
from wiring_fixtures import Builder, changed, roles, without

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
FORMS = ["recorded", "preview"]


def load_pack() -> ModuleType:
    """policy/fargatelb_policies.py, loaded by path: the pack directory is not a package, and its
    modules import each other as the policy server runs them, from the pack directory."""
    if str(POLICY_DIR) not in sys.path:
        sys.path.insert(0, str(POLICY_DIR))
    spec = importlib.util.spec_from_file_location("fargatelb_policies", POLICY_DIR / "fargatelb_policies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pack() -> ModuleType:
    return load_pack()


def policy(pack: ModuleType, name: str) -> Any:
    (found,) = [p for p in pack.POLICIES if p.name == name]
    return found


# ---------------------------------------------------------------------------------------------
# Resources as CrossGuard hands them to a policy


def _opts(node: Node) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=node.protect,
        ignore_changes=list(node.ignore_changes),
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=node.parent,
    )


def _as_preview(value: Any, unknown: frozenset[str]) -> Any:
    """Replace what a preview can't know with CrossGuard's unknown sentinel, as the engine sends it."""
    if isinstance(value, str):
        return UNKNOWN_STRING_VALUE if any(u in value for u in unknown) else value
    if isinstance(value, list):
        return [_as_preview(v, unknown) for v in value]
    if isinstance(value, dict):
        return {k: _as_preview(v, unknown) for k, v in value.items()}
    return value


def _props(node: Node, unknown: frozenset[str] | None) -> Any:
    props = copy.deepcopy(dict(node.props))
    return props if unknown is None else unknown_checking_proxy(_as_preview(props, unknown))


def policy_resources(graph: Graph, unknown: frozenset[str] | None = None) -> list[PolicyResource]:
    """PolicyResources as `AnalyzeStack` builds them: parent, dependencies and property
    dependencies resolved to the PolicyResource objects of the same stack."""
    resources = {
        n.urn: PolicyResource(n.type, _props(n, unknown), n.urn, n.name, _opts(n), None, None, [], {})
        for n in graph.nodes
    }
    for n in graph.nodes:
        r = resources[n.urn]
        r.parent = resources.get(n.parent or "")
        r.dependencies = [resources[u] for u in n.dependencies if u in resources]
        r.property_dependencies = {
            k: [resources[u] for u in urns if u in resources] for k, urns in n.property_dependencies.items()
        }
    return list(resources.values())


def stack_args(fixture: fx.Fixture, form: str, mutate: Callable[[Graph], Graph] = lambda g: g) -> StackValidationArgs:
    graph = mutate(fixture.graph)
    return StackValidationArgs(policy_resources(graph, fixture.computed if form == "preview" else None))


def run_stack(p: StackValidationPolicy, args: StackValidationArgs) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        reported.append((message, urn))

    p.validate(args, report_violation)
    return reported


def run_resource(p: ResourceValidationPolicy, resource: PolicyResource) -> list[str]:
    reported: list[str] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        reported.append(message)

    args = ResourceValidationArgs(
        resource.resource_type, resource.props, resource.urn, resource.name, resource.opts, None
    )
    p.validate(args, report_violation)
    return reported


@pytest.fixture(scope="module", params=sorted(fx.GOOD))
def good(request: pytest.FixtureRequest) -> fx.Fixture:
    return fx.GOOD[request.param]()


# ---------------------------------------------------------------------------------------------
# The pack itself


def test_pack_is_a_python_policy_pack_built_only_in_main(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert "pulumi-policy" in (POLICY_DIR / "requirements.txt").read_text()
    built: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs))
    monkeypatch.syspath_prepend(str(POLICY_DIR))
    runpy.run_path(str(POLICY_DIR / "__main__.py"), run_name="__main__")
    assert built["name"] == "fargatelb-wiring"
    assert built["enforcement_level"] is EnforcementLevel.MANDATORY
    names = [p.name for p in built["policies"]]
    assert len(names) == len(set(names)) and "fargatelb-wiring" in names


# ---------------------------------------------------------------------------------------------
# The wiring check as a stack policy, both ways


@pytest.mark.parametrize("form", FORMS)
def test_wiring_policy_passes_the_good_stacks(pack: ModuleType, good: fx.Fixture, form: str) -> None:
    assert run_stack(policy(pack, "fargatelb-wiring"), stack_args(good, form)) == []


@pytest.mark.parametrize("form", FORMS)
def test_wiring_policy_catches_a_removed_task_ingress_rule(pack: ModuleType, good: fx.Fixture, form: str) -> None:
    def broken(graph: Graph) -> Graph:
        return without(graph, roles(graph, "udp").task_ingress("udp", 1234))

    reported = run_stack(policy(pack, "fargatelb-wiring"), stack_args(good, form, broken))
    assert len(reported) == 1, reported
    message, urn = reported[0]
    assert message.startswith("error [task-sg-ingress] udp-service udp-nlb-sg → udp-task-sg: no ingress rule")
    assert "config `fargate-lb:udp.udpPort`" in message
    assert urn == roles(good.graph, "udp").lb_sg.urn


@pytest.mark.parametrize("form", FORMS)
def test_wiring_policy_catches_a_missing_ecr_endpoint(pack: ModuleType, good: fx.Fixture, form: str) -> None:
    reported = run_stack(
        policy(pack, "fargatelb-wiring"), stack_args(good, form, lambda g: without(g, fx.endpoint(g, "ecr.api")))
    )
    assert {m.split("]")[0] for m, _ in reported} == {"error [ecr-api-endpoint"}
    assert len(reported) == 2, "one per service"


@pytest.mark.parametrize("form", ["components", "preview"])
def test_wiring_policy_refuses_a_value_aws_refuses(pack: ModuleType, good: fx.Fixture, form: str) -> None:
    """AWS's input rules run in the pack too: a task security group whose description EC2 refuses."""
    reported = run_stack(
        policy(pack, "fargatelb-wiring"),
        stack_args(good, form, lambda g: changed(g, roles(g, "web").task_sg, "description", "the LB's tasks")),
    )
    (message,) = [m for m, _ in reported]
    assert message.startswith("error [aws-pattern]") and "GroupDescription" in message, message


def test_preview_unknowns_are_advisory_text_not_violations(pack: ModuleType, good: fx.Fixture) -> None:
    assert run_stack(policy(pack, "fargatelb-wiring"), stack_args(good, "preview")) == []
    advisory = policy(pack, "fargatelb-wiring-unknowns")
    assert advisory.enforcement_level is EnforcementLevel.ADVISORY
    messages = [m for m, _ in run_stack(advisory, stack_args(good, "preview"))]
    assert any(m.startswith("unknown [container-definitions] web-service") for m in messages), messages
    assert run_stack(advisory, stack_args(good, "recorded")) == []


def test_preview_graph_has_no_ids_and_links_through_property_dependencies(pack: ModuleType, good: fx.Fixture) -> None:
    graph = pack.graph_from_policy_resources(stack_args(good, "preview").resources)
    web = roles(graph, "web")
    assert web.service.props["loadBalancers"][0] == {
        "targetGroupArn": None,
        "containerName": "app",
        "containerPort": 8080.0,
    }
    assert web.service.props["networkConfiguration"]["securityGroups"] == [None]
    assert graph.refs(web.service, "loadBalancers") == [web.target_group]
    assert graph.component_of(web.service) is not None and graph.component_of(web.service).name == "web"
    assert web.service.ignore_changes == ["desiredCount"]


def test_plain_turns_unknowns_into_none_at_any_depth(pack: ModuleType) -> None:
    proxied = unknown_checking_proxy({"a": [1, UNKNOWN_STRING_VALUE, {"b": UNKNOWN_STRING_VALUE, "c": "x"}]})
    with pytest.raises(pulumi_policy.proxy.UnknownValueError):
        _ = proxied["a"][1]
    assert pack.plain(proxied) == {"a": [1, None, {"b": None, "c": "x"}]}


# ---------------------------------------------------------------------------------------------
# No world-open ingress but a load balancer's listener ports (more in test_policy_production.py)


def _world_rule(graph: Graph, sg: Node, port: int) -> Graph:
    b = Builder()
    owner = graph.component_of(sg)
    assert owner is not None
    return fx.plus(graph, b.rule(owner, "open-to-the-world", sg, "tcp", port, cidr="0.0.0.0/0"))


@pytest.mark.parametrize("form", FORMS)
def test_open_ingress_policy_passes_the_good_stacks(pack: ModuleType, good: fx.Fixture, form: str) -> None:
    """The internet-facing ALB's own listener rules are open to the world, and allowed."""
    assert run_stack(policy(pack, "no-world-ingress"), stack_args(good, form)) == []


@pytest.mark.parametrize("target", ["endpoint", "task"])
def test_open_ingress_into_an_endpoint_or_task_sg_is_a_violation(
    pack: ModuleType, good: fx.Fixture, target: str
) -> None:
    def opened(graph: Graph) -> Graph:
        web = roles(graph, "web")
        sg = web.task_sg if target == "task" else graph.refs(fx.endpoint(graph, "ecr.api"), "securityGroupIds")[0]
        return _world_rule(graph, sg, 443)

    reported = run_stack(policy(pack, "no-world-ingress"), stack_args(good, "preview", opened))
    assert len(reported) == 1, reported
    message, urn = reported[0]
    assert "admits the whole IPv4 space (0.0.0.0/0, as 0.0.0.0/0 in open-to-the-world) on tcp/443" in message
    assert ("used by ECS service web-service" if target == "task" else "used by VPC endpoint") in message
    assert urn is not None and urn.endswith("::open-to-the-world")


# ---------------------------------------------------------------------------------------------
# Resource policies


RESOURCE_POLICIES = [
    "alb-drops-invalid-header-fields",
    "alb-desync-mitigation",
    "https-listener-tls13-policy",
    "ecs-service-no-public-ip",
    "task-definition-awsvpc",
    "containers-not-privileged",
    "containers-non-root-user",
    "containers-read-only-root-filesystem",
    "containers-log-configuration",
    "target-group-target-type-ip",
]


def test_every_resource_policy_is_in_the_pack(pack: ModuleType) -> None:
    resource = {p.name for p in pack.POLICIES if isinstance(p, ResourceValidationPolicy)}
    assert resource == set(RESOURCE_POLICIES)


@pytest.mark.parametrize("form", FORMS)
def test_resource_policies_pass_every_resource_of_the_good_stacks(
    pack: ModuleType, good: fx.Fixture, form: str
) -> None:
    resources = stack_args(good, form).resources
    for name in RESOURCE_POLICIES:
        for resource in resources:
            assert run_resource(policy(pack, name), resource) == [], f"{name} on {resource.name}"


def _one(graph: Graph, token: str, name_has: str) -> Node:
    return fx.one([n for n in graph.of_type(token) if name_has in n.name], f"{token} {name_has}")


def _with_container(edit: Callable[[dict[str, Any]], None]) -> Callable[[Graph], tuple[Graph, Node]]:
    def mutate(graph: Graph) -> tuple[Graph, Node]:
        task = roles(graph, "web").task_definition
        containers = json.loads(task.props["containerDefinitions"])
        edit(containers[0])
        graph = changed(graph, task, "containerDefinitions", json.dumps(containers))
        return graph, graph.by_urn[task.urn]

    return mutate


def _set(token: str, name_has: str, path: str, value: Any) -> Callable[[Graph], tuple[Graph, Node]]:
    def mutate(graph: Graph) -> tuple[Graph, Node]:
        node = _one(graph, token, name_has)
        graph = changed(graph, node, path, value)
        return graph, graph.by_urn[node.urn]

    return mutate


BAD = {
    "alb-drops-invalid-header-fields": (_set(fx.LB, "web", "dropInvalidHeaderFields", False), "ELB.4"),
    "alb-desync-mitigation": (_set(fx.LB, "web", "desyncMitigationMode", "monitor"), "'monitor'"),
    "https-listener-tls13-policy": (
        _set(fx.LISTENER, "https", "sslPolicy", "ELBSecurityPolicy-TLS13-1-0-2021-06"),
        "'ELBSecurityPolicy-TLS13-1-0-2021-06'",
    ),
    "ecs-service-no-public-ip": (
        _set(fx.SERVICE, "web", "networkConfiguration.assignPublicIp", True),
        "assigns public IPs",
    ),
    "task-definition-awsvpc": (_set(fx.TASK, "web", "networkMode", "bridge"), "'bridge'"),
    "containers-not-privileged": (
        _with_container(lambda c: c.update(privileged=True)),
        "container 'app': runs privileged",
    ),
    "containers-non-root-user": (_with_container(lambda c: c.update(user="0:0")), "container 'app': runs as 0:0"),
    "containers-read-only-root-filesystem": (
        _with_container(lambda c: c.update(readonlyRootFilesystem=False)),
        "readonlyRootFilesystem",
    ),
    "containers-log-configuration": (_with_container(lambda c: c.pop("logConfiguration")), "no logConfiguration"),
    "target-group-target-type-ip": (_set(fx.TG, "udp", "targetType", "instance"), "'instance'"),
}


@pytest.mark.parametrize("name", RESOURCE_POLICIES)
def test_each_resource_policy_catches_its_insecure_setting(pack: ModuleType, name: str) -> None:
    mutate, expected = BAD[name]
    graph, node = mutate(fx.hand_built().graph)
    (resource,) = [r for r in policy_resources(graph) if r.urn == node.urn]
    reported = run_resource(policy(pack, name), resource)
    assert len(reported) == 1 and expected in reported[0], reported


@pytest.mark.parametrize(
    ("name", "token", "props", "violates"),
    [
        ("https-listener-tls13-policy", fx.LISTENER, {"protocol": "HTTPS"}, True),  # AWS default 2016-08
        ("https-listener-tls13-policy", fx.LISTENER, {"protocol": "HTTP"}, False),
        ("https-listener-tls13-policy", fx.LISTENER, {"protocol": "HTTPS", "sslPolicy": UNKNOWN_STRING_VALUE}, False),
        ("target-group-target-type-ip", fx.TG, {"protocol": "HTTP"}, True),  # AWS default instance
        ("alb-drops-invalid-header-fields", fx.LB, {"loadBalancerType": "network"}, False),
        ("alb-drops-invalid-header-fields", fx.LB, {}, True),  # an ALB by default; drops nothing by default
        ("alb-desync-mitigation", fx.LB, {}, False),  # AWS's default is defensive
        ("containers-non-root-user", fx.TASK, {"containerDefinitions": json.dumps([{"name": "a"}])}, True),
        ("containers-non-root-user", fx.TASK, {"containerDefinitions": UNKNOWN_STRING_VALUE}, False),
        ("ecs-service-no-public-ip", fx.SERVICE, {"networkConfiguration": {"assignPublicIp": False}}, False),
    ],
)
def test_resource_policy_defaults_and_unknowns(
    pack: ModuleType, name: str, token: str, props: dict[str, Any], violates: bool
) -> None:
    node = Node(f"urn:pulumi:test::fargate-lb::{token}::r", token, "r", {})
    resource = PolicyResource(token, unknown_checking_proxy(props), node.urn, "r", _opts(node), None, None, [], {})
    assert bool(run_resource(policy(pack, name), resource)) is violates
