"""fargatelb.production on its own: the declaration in stack tags, ingress judged by address space,
and each control's check on the recorded stacks (dev breaks them, prod meets them all)."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

import wiring_fixtures as fx
from fargatelb import production
from fargatelb.graph import Graph, Node
from fargatelb.mocks import Recording
from fargatelb.production import checks, ingress
from wiring_fixtures import Builder, roles

PRODUCTION = {"fargatelb:profile": "production"}

# --- the declaration ------------------------------------------------------------------------------


def test_no_tag_or_development_declares_nothing_and_other_namespaces_are_not_ours() -> None:
    assert production.declaration({}) == production.Declaration()
    assert production.declaration({"fargatelb:profile": "development", "team": "x"}).production is False
    declared = production.declaration({**PRODUCTION, "fargatelb:override:ELB.5": "  logs elsewhere (OPS-1) "})
    assert declared.production and declared.waived("ELB.5") == "logs elsewhere (OPS-1)"
    assert declared.waived("ELB.6") is None


@pytest.mark.parametrize(
    ("tags", "tag", "problem"),
    [
        ({"fargatelb:profile": "prod"}, "fargatelb:profile", r"must be one of production, development, got 'prod'"),
        (
            {**PRODUCTION, "fargatelb:override:ELB.5": " "},
            "fargatelb:override:ELB.5",
            r"overrides ELB.5 without a reason",
        ),
        (
            {**PRODUCTION, "fargatelb:override:elb.5": "x"},
            "fargatelb:override:elb.5",
            r"did you mean fargatelb:override:ELB.5",
        ),
        ({**PRODUCTION, "fargatelb:override:ELB.55": "x"}, "fargatelb:override:ELB.55", r"not a production control"),
        ({**PRODUCTION, "fargatelb:override:ELB.5": "x" * 257}, "fargatelb:override:ELB.5", r"at most 256"),
        ({"fargatelb:override:ELB.5": "x"}, "fargatelb:override:ELB.5", r"fargatelb:profile is not production"),
        ({"fargate-lb:profile": "production"}, "fargate-lb:profile", r"did you mean fargatelb:profile\?"),
        ({"fargatelb:overrides:ELB.5": "x"}, "fargatelb:overrides:ELB.5", r"did you mean fargatelb:override:ELB.5\?"),
        ({"fargatelb:profile ": "production"}, "fargatelb:profile ", r"at most 40 characters of letters"),
    ],
)
def test_a_tag_that_cant_be_read_is_an_error_naming_it(tags: dict[str, str], tag: str, problem: str) -> None:
    with pytest.raises(production.DeclarationError, match=problem) as raised:
        production.declaration(tags)
    assert raised.value.tag == tag


def test_every_control_has_a_check_and_an_override_tag_pulumi_accepts() -> None:
    assert set(production.CHECKS) == set(production.CONTROLS)
    for control in production.CONTROLS:
        assert len(production.override_tag(control)) <= 40, control  # the Pulumi service's limit


# --- ingress by address space ---------------------------------------------------------------------


def _sg_with(rules: list[dict[str, Any]], *, inline: list[dict[str, Any]] | None = None) -> tuple[Graph, Node]:
    """A security group with ingress rules (protocol, ports, cidr or cidr6) and optional inline blocks."""
    b = Builder()
    parent = b.component("test:index:Thing", "thing")
    group = b.add(parent, fx.SG, "open-sg", {"ingress": inline} if inline else {})
    for i, rule in enumerate(rules):
        props = {"securityGroupId": b.id(group), "ipProtocol": rule["protocol"]}
        props |= {"fromPort": rule["ports"][0], "toPort": rule["ports"][1]} if "ports" in rule else {}
        props |= {"cidrIpv6": rule["cidr6"]} if "cidr6" in rule else {"cidrIpv4": rule.get("cidr")}
        b.add(parent, fx.INGRESS, f"rule-{i}", props, securityGroupId=group)
    graph = b.graph()
    return graph, graph.by_urn[group.urn]


def openings(rules: list[dict[str, Any]], **kwargs: Any) -> list[str]:
    graph, _ = _sg_with(rules, **kwargs)
    return [f"{o.protocol}/{o.ports[0]}-{o.ports[1]} v{o.family}" for o in ingress.world_openings(graph)]


HALVES = [{"protocol": "udp", "ports": (1234, 1234), "cidr": c} for c in ("0.0.0.0/1", "128.0.0.0/1")]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([{"protocol": "tcp", "ports": (443, 443), "cidr": "0.0.0.0/0"}], ["tcp/443-443 v4"]),
        (HALVES, ["udp/1234-1234 v4"]),
        (HALVES[:1], []),  # half the world is not the world
        ([{"protocol": "tcp", "ports": (0, 65535), "cidr6": c} for c in ("::/1", "8000::/1")], ["tcp/0-65535 v6"]),
        # Halves on different ports: the world only where both apply.
        (
            [
                {"protocol": "tcp", "ports": (80, 443), "cidr": "0.0.0.0/1"},
                {"protocol": "tcp", "ports": (443, 8443), "cidr": "128.0.0.0/1"},
            ],
            ["tcp/443-443 v4"],
        ),
        # Every protocol from one half, TCP 22 from the other: TCP 22 is open to the world.
        (
            [{"protocol": "-1", "cidr": "0.0.0.0/1"}, {"protocol": "tcp", "ports": (22, 22), "cidr": "128.0.0.0/1"}],
            ["tcp/22-22 v4"],
        ),
        ([{"protocol": "-1", "cidr": "0.0.0.0/0"}], ["-1/0-65535 v4"]),
        (
            [{"protocol": "tcp", "ports": (22, 22), "cidr": c} for c in ("0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1")],
            ["tcp/22-22 v4"],
        ),
        ([{"protocol": "tcp", "ports": (22, 22), "cidr": "10.0.0.0/8"}], []),
        ([{"protocol": "tcp", "ports": (22, 22), "cidr": None}, HALVES[0]], []),  # unknown in a preview: no judgement
    ],
)
def test_the_world_is_judged_by_address_space_per_protocol_and_port(
    rules: list[dict[str, Any]], expected: list[str]
) -> None:
    assert openings(rules) == expected


def test_inline_ingress_blocks_count_too() -> None:
    inline = [{"protocol": "6", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/1", "128.0.0.0/1"]}]
    assert openings([], inline=inline) == ["tcp/22-22 v4"]


def test_an_opening_names_its_group_rules_and_cidrs() -> None:
    graph, _ = _sg_with(HALVES)
    (opening,) = ingress.world_openings(graph)
    assert str(opening) == (
        "security group open-sg admits the whole IPv4 space (0.0.0.0/0, as 0.0.0.0/1, 128.0.0.0/1 in rule-0, rule-1) "
        "on udp/1234"
    )


def test_only_a_load_balancers_listener_ports_in_its_own_group_may_be_open_to_the_world() -> None:
    graph = fx.hand_built().graph
    udp = roles(graph, "udp")
    owner = graph.component_of(udp.lb_sg)
    assert owner is not None
    b = Builder()
    halves = [
        b.rule(owner, f"world-{i}", udp.lb_sg, "udp", 1234, cidr=c) for i, c in enumerate(("0.0.0.0/1", "128.0.0.0/1"))
    ]
    opened = fx.plus(graph, *halves)
    assert [str(o) for o in ingress.world_openings(opened)] and ingress.unexpected(opened) == []
    assert [o.ports for o in ingress.unauthorized(opened)] == [(1234, 1234)]  # EC2.18: UDP is never authorized
    elsewhere = fx.plus(graph, *(b.rule(owner, f"ssh-{i}", udp.lb_sg, "tcp", 22, cidr=c)
                                 for i, c in enumerate(("0.0.0.0/1", "128.0.0.0/1"))))  # fmt: skip
    (unexpected,) = ingress.unexpected(elsewhere)
    assert unexpected.ports == (22, 22) and unexpected.group.urn == udp.lb_sg.urn


def test_world_family_of_a_stack_files_cidrs() -> None:
    assert ingress.world_family(["0.0.0.0/1", "128.0.0.0/1"]) == 4
    assert ingress.world_family(["10.0.0.0/8", "::/0"]) == 6
    assert ingress.world_family(["0.0.0.0/1", "not a cidr"]) is None


# --- the controls on the recorded stacks ----------------------------------------------------------


def test_the_prod_stack_meets_every_control(committed_stacks: dict[str, Recording]) -> None:
    assert production.violations(committed_stacks["prod"].graph()) == []


def test_the_dev_stack_breaks_what_a_development_stack_may(committed_stacks: dict[str, Recording]) -> None:
    found = production.violations(committed_stacks["dev"].graph())
    broken = {v.control for v in found}
    assert broken == {"ELB.1", "ELB.5", "ELB.6", "EC2.6", "ECR.5", "FLB.LOGKMS", "FLB.PROTECT", "FLB.FORCEDELETE"}
    assert "[ELB.6] udp-nlb: network load balancer without enableDeletionProtection: true" in {str(v) for v in found}
    overridden = production.Declaration(True, {"ELB.5": "x", "FLB.PROTECT": "y"})
    assert {v.control for v in production.violations(committed_stacks["dev"].graph(), overridden)} == broken - {
        "ELB.5",
        "FLB.PROTECT",
    }


def _node_changed(graph: Graph, token: str, edit: Callable[[Node], Node]) -> Graph:
    return Graph(edit(n) if n.type == token else n for n in graph.nodes)


@pytest.mark.parametrize(
    ("control", "token", "edit", "says"),
    [
        ("KMS.3", checks.KMS_KEY, lambda n: dataclasses.replace(n, protect=False), "KMS key without Pulumi `protect`"),
        ("FLB.PROTECT", checks.REPOSITORY, lambda n: dataclasses.replace(n, protect=False), "Repository without"),
        (
            "ECR.5",
            checks.REPOSITORY,
            lambda n: dataclasses.replace(
                n, props={**n.props, "encryptionConfigurations": [{"encryptionType": "KMS"}]}
            ),
            "not encrypted with a customer-managed key",
        ),  # the AWS-managed key
        (
            "FLB.LOGKMS",
            checks.LOG_GROUP,
            lambda n: dataclasses.replace(n, props={"retentionInDays": 7}),
            "without kmsKeyId",
        ),
        (
            "ELB.6",
            fx.LB,
            lambda n: dataclasses.replace(n, props={**n.props, "enableDeletionProtection": False}),
            "without",
        ),
        (
            "ELB.5",
            fx.LB,
            lambda n: dataclasses.replace(n, props={**n.props, "accessLogs": {"bucket": "b"}}),
            "without access logs",
        ),
    ],
)
def test_each_control_catches_its_weakening_on_the_prod_stack(
    committed_stacks: dict[str, Recording], control: str, token: str, edit: Callable[[Node], Node], says: str
) -> None:
    weakened = _node_changed(committed_stacks["prod"].graph(), token, edit)
    found = [v for v in production.violations(weakened) if v.control == control]
    assert found and all(says in v.message for v in found), [str(v) for v in found]


def test_a_value_unknown_in_a_preview_is_never_a_violation(committed_stacks: dict[str, Recording]) -> None:
    def unknown(node: Node) -> Node:
        return dataclasses.replace(node, props={**node.props, "enableDeletionProtection": None, "accessLogs": None})

    weakened = _node_changed(committed_stacks["prod"].graph(), fx.LB, unknown)
    assert production.violations(weakened) == []


# --- the preview's verdict (any program: the stack file's pulumi:tags) ------------------------------


def test_the_preview_verdict_of_a_stack_tagged_production_lists_what_breaks_and_what_each_override_lets_through(
    committed_stacks: dict[str, Recording],
) -> None:
    from fargatelb.production import verdict

    graph = committed_stacks["dev"].graph()
    assert verdict.judge(graph, {}) is None
    tags = verdict.stack_tags(
        {"pulumi:tags": '{"fargatelb:profile": "production", "fargatelb:override:ELB.5": "OPS-1"}'}
    )
    judged = verdict.judge(graph, tags)
    assert judged is not None and not judged.ok
    document = judged.to_json()
    (override,) = document["overrides"]
    assert override == {"control": "ELB.5", "title": production.CONTROLS["ELB.5"].title, "reason": "OPS-1",
                        "tag": "fargatelb:override:ELB.5", "letsThrough": ["web-alb"]}  # fmt: skip
    text = verdict.lines(document)
    assert text[0].startswith("production (fargatelb:profile: production): 10 of 11 controls enforced, 1 overridden; ")
    assert "  ✗ [ELB.6] udp-nlb: network load balancer without enableDeletionProtection: true; or tag " in "\n".join(
        text
    )
    with pytest.raises(production.DeclarationError):
        verdict.judge(graph, {"fargatelb:profile": "staging"})
