"""Args plumbing: Outputs where a field is an Input, plain values where resources derive from it, and
nested Args given as dicts. Small local dataclasses keep these independent of the components' fields."""

import dataclasses
import pydoc
import typing
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pytest
from pulumi.output import Unknown

from fargatelb import InvalidArgument, NatStrategy
from fargatelb._args import (
    attribute_docstrings,
    coerce_args,
    deferred_kind,
    documented_args,
    from_mapping,
    normalise_args,
)
from fargatelb.mocks import synthesize


@dataclass
class ProbeArgs:
    path: Optional[str] = None
    port: Optional[int] = None


@dataclass
class DemoArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    names: Optional[list[pulumi.Input[str]]] = None
    port: Optional[int] = None
    public: Optional[bool] = None
    nat: Optional[NatStrategy] = None
    probe: Optional[ProbeArgs] = None
    probes: Optional[list[ProbeArgs]] = None
    by_name: Optional[dict[str, ProbeArgs]] = None
    labels: Optional[dict[str, str]] = None


def in_program(fn: Any) -> Any:
    """Run `fn` where Outputs can exist (under the recording mocks) and return what it returned."""
    result: list[Any] = []
    synthesize(lambda: result.append(fn()))
    return result[0]


def test_an_output_passes_through_wherever_the_field_is_an_input() -> None:
    def check() -> None:
        vpc, subnet = pulumi.Output.from_input("vpc-1"), pulumi.Output.from_input("subnet-b")
        whole = pulumi.Output.from_input(["subnet-a"])
        args = from_mapping(DemoArgs, {"vpc_id": vpc, "subnet_ids": whole, "names": ["a", subnet]}, camel_keys=False)
        assert args.vpc_id is vpc and args.subnet_ids is whole
        assert args.names[0] == "a" and args.names[1] is subnet
        inner = from_mapping(DemoArgs, {"vpc_id": "v", "subnet_ids": ["subnet-a", subnet]}, camel_keys=False)
        assert inner.subnet_ids[1] is subnet, "inside an Input, items may be Outputs too"

    in_program(check)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"port": "OUT"}, "port"),
        ({"public": "OUT"}, "public"),
        ({"nat": "OUT"}, "nat"),
        ({"probe": "OUT"}, "probe"),
        ({"probe": {"port": "OUT"}}, "probe.port"),
        ({"probes": [{}, {"port": "OUT"}]}, "probes[1].port"),
        ({"labels": {"team": "OUT"}}, "labels.team"),
    ],
)
def test_an_output_is_refused_naming_the_field_where_the_component_needs_a_plain_value(
    data: dict[str, Any], field: str
) -> None:
    def build() -> None:
        def plant(value: Any) -> Any:
            if value == "OUT":
                return pulumi.Output.secret(8080)
            if isinstance(value, dict):
                return {k: plant(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plant(v) for v in value]
            return value

        from_mapping(DemoArgs, {"vpc_id": "v", "subnet_ids": [], **plant(data)}, camel_keys=False)

    with pytest.raises(InvalidArgument, match="must be a plain value known at preview, not an Output") as caught:
        in_program(build)
    assert caught.value.owner == "DemoArgs" and caught.value.field == field


def test_an_unknown_value_becomes_an_unknown_output_in_an_input_and_is_refused_elsewhere() -> None:
    """In a preview the provider host may hand over a bare `Unknown` (a value with no dependency
    known yet); an Input gets an Output the component can apply on, a plain field a clear error."""

    def check() -> None:
        args = from_mapping(DemoArgs, {"vpc_id": Unknown(), "subnet_ids": []}, camel_keys=False)
        assert isinstance(args.vpc_id, pulumi.Output)
        assert pulumi.runtime.sync_await._sync_await(args.vpc_id.is_known()) is False
        with pytest.raises(InvalidArgument, match=r"DemoArgs\.port: must be a plain value .* not an unknown value"):
            from_mapping(DemoArgs, {"vpc_id": "v", "subnet_ids": [], "port": Unknown()}, camel_keys=False)

    in_program(check)


def test_what_counts_as_not_yet_known() -> None:
    async def later() -> int:
        return 1

    coroutine = later()
    assert deferred_kind(coroutine) == "an awaitable"
    coroutine.close()
    assert deferred_kind(Unknown()) == "an unknown value"
    assert [deferred_kind(v) for v in ("x", 1, None, [1], {"a": 1})] == [None] * 5


def test_nested_args_given_as_dicts_are_built_with_either_key_style() -> None:
    args = DemoArgs(vpc_id="v", subnet_ids=[], probe={"path": "/x"}, probes=[{"port": 81.0}])  # type: ignore[arg-type, list-item]
    built = coerce_args(DemoArgs, args)
    assert built.probe == ProbeArgs(path="/x") and built.probes == [ProbeArgs(port=81)]
    assert args.probe == {"path": "/x"}, "the caller's object is left as it was"
    camel = coerce_args(DemoArgs, DemoArgs(vpc_id="v", subnet_ids=[], by_name={"a": {"port": 1}}))  # type: ignore[dict-item]
    assert camel.by_name == {"a": ProbeArgs(port=1)}
    plain = DemoArgs(vpc_id="v", subnet_ids=[], probe=ProbeArgs(path="/"))
    assert coerce_args(DemoArgs, plain) is plain, "nothing to build: the same object"


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ({"path": 3}, r"DemoArgs\.probe\.path: must be a string"),
        ({"paht": "/"}, r"DemoArgs\.probe\.paht: is not a known setting; allowed: path, port \(or their camelCase"),
        ("/x", r"DemoArgs\.probe: must be an object"),
    ],
)
def test_a_nested_dict_is_checked_as_from_mapping_checks_it(probe: Any, message: str) -> None:
    if isinstance(probe, str):
        with pytest.raises(InvalidArgument, match=message):
            from_mapping(DemoArgs, {"vpc_id": "v", "subnet_ids": [], "probe": probe}, camel_keys=False)
        return
    with pytest.raises(InvalidArgument, match=message):
        coerce_args(DemoArgs, DemoArgs(vpc_id="v", subnet_ids=[], probe=probe))


def test_a_dict_for_the_whole_args_takes_snake_or_camel_keys_but_not_both() -> None:
    args = coerce_args(DemoArgs, {"vpcId": "v", "subnet_ids": [], "probe": {"port": 9}})
    assert (args.vpc_id, args.probe) == ("v", ProbeArgs(port=9))
    with pytest.raises(InvalidArgument, match=r"DemoArgs\.vpcId: is given twice, as vpc_id and as vpcId"):
        coerce_args(DemoArgs, {"vpc_id": "v", "vpcId": "w", "subnet_ids": []})
    with pytest.raises(InvalidArgument, match=r"DemoArgs\.subnet_ids: is required"):
        coerce_args(DemoArgs, {"vpc_id": "v"})


def test_config_keys_stay_strictly_camel_case() -> None:
    with pytest.raises(InvalidArgument, match="vpc_id: is not a known setting"):
        from_mapping(DemoArgs, {"vpc_id": "v", "subnetIds": []})


def test_normalise_leaves_every_field_but_nested_dicts_alone() -> None:
    """A Python program's Args keep what mypy already checks: Outputs in any field reach the component."""
    fields = {f.name for f in dataclasses.fields(DemoArgs)}
    args = DemoArgs(vpc_id="v", subnet_ids=["s"], labels={"a": "b"}, port=1)
    assert normalise_args(args) is args and {"probe", "probes", "by_name"} <= fields


def args_classes() -> list[type]:
    """Every Args dataclass the hosted components take, nested ones included."""
    import inspect

    from fargatelb import PROVIDER_COMPONENTS
    from fargatelb._args import _hints, _unwrap_optional

    found: list[type] = []
    todo = [inspect.get_annotations(c.__init__)["args"] for c in PROVIDER_COMPONENTS]
    while todo:
        cls = todo.pop()
        if cls in found:
            continue
        found.append(cls)
        for tp in _hints(cls).values():
            tp = _unwrap_optional(tp)
            inner = [tp, *typing.get_args(tp)]
            todo += [t for t in inner if dataclasses.is_dataclass(t) and isinstance(t, type)]
    return sorted(found, key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", args_classes(), ids=lambda c: c.__name__)
def test_help_shows_every_field_with_its_type_and_docstring(cls: type) -> None:
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    rendered = " ".join(text.replace("|", " ").split())
    docs = attribute_docstrings(cls)
    for f in dataclasses.fields(cls):
        annotation, doc = docs[f.name]
        assert doc, f"{cls.__name__}.{f.name} has no docstring"
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        assert f"{f.name}: {annotation}{' (required)' if required else ''}" in rendered
        assert " ".join(doc.split()) in rendered, f"{cls.__name__}.{f.name}'s docstring is not in help()"


def test_documented_args_names_the_component_when_the_class_has_no_docstring() -> None:
    @documented_args
    @dataclass
    class WidgetArgs:
        size: int
        """How big. Required."""
        colour: str = "red"
        """Its colour. Default red."""

    assert WidgetArgs.__doc__ is not None and WidgetArgs.__doc__.startswith("The arguments of Widget.")
    assert "size: int  (required)\n    How big. Required." in WidgetArgs.__doc__
    assert "colour: str = 'red'\n    Its colour. Default red." in WidgetArgs.__doc__
    assert WidgetArgs.__args_summary__ == "The arguments of Widget."  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="above @dataclass"):
        documented_args(type("Plain", (), {}))
