"""The multi-language schema, inferred offline by the SDK's analyzer (no CLI), as `pulumi package add` would."""

import dataclasses
import inspect
import json
import runpy
from pathlib import Path
from typing import Any, Optional

import pulumi
import pytest
import yaml
from pulumi.provider.experimental.analyzer import Analyzer

import fargatelb
from fargatelb import PACKAGE_NAME, PROVIDER_COMPONENTS
from fargatelb.provider import FargatelbProvider

COMPONENTS = Path(__file__).resolve().parent.parent / "components"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    provider = FargatelbProvider()
    assert provider.schema, "the provider serves an inferred schema"
    return json.loads(provider.schema)


def args_class(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]  # type: ignore[misc]


@pytest.mark.parametrize("component", PROVIDER_COMPONENTS, ids=lambda c: c.__name__)
def test_every_component_its_inputs_and_outputs_are_in_the_schema_documented(
    schema: dict[str, Any], component: type
) -> None:
    resource = schema["resources"].get(f"{PACKAGE_NAME}:index:{component.__name__}")
    assert resource, f"{component.__name__} missing from the schema"
    assert resource["isComponent"] is True and resource.get("description")
    fields = [f.name for f in dataclasses.fields(args_class(component))]
    camel = {fargatelb._args.camel(f): f for f in fields}
    assert set(resource["inputProperties"]) == set(camel), "every Args field is a schema input"
    for name, prop in resource["inputProperties"].items():
        assert prop.get("description"), f"{component.__name__}.{name} has no docstring"
    required = {fargatelb._args.camel(f.name) for f in dataclasses.fields(args_class(component))
                if f.default is dataclasses.MISSING}  # fmt: skip
    assert set(resource.get("requiredInputs", [])) == required, "only fields without a default are required"
    outputs = resource["properties"]
    declared = [k for k, v in component.__annotations__.items() if not k.startswith("_")]
    assert {fargatelb._args.camel(k) for k in declared} == set(outputs)
    for name, prop in outputs.items():
        assert prop.get("description"), f"output {component.__name__}.{name} has no docstring"


def test_ports_and_sizes_are_plain_values_the_component_can_validate(schema: dict[str, Any]) -> None:
    web = schema["resources"][f"{PACKAGE_NAME}:index:LoadBalancedFargateService"]["inputProperties"]
    assert web["containerPort"] == {**web["containerPort"], "type": "integer", "plain": True}
    network = schema["types"][f"{PACKAGE_NAME}:index:NetworkRef"]["properties"]
    assert web["network"]["$ref"].endswith("NetworkRef") and "network" in schema["resources"][
        f"{PACKAGE_NAME}:index:LoadBalancedFargateService"
    ].get("requiredInputs", [])
    assert network["vpcId"]["type"] == "string" and not network["vpcId"].get("plain")
    assert web["scaling"]["$ref"].endswith("ScalingArgs")
    assert "minCount" in schema["types"][f"{PACKAGE_NAME}:index:ScalingArgs"]["properties"]


def test_a_field_without_optional_becomes_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Breaking an annotation changes the schema: the test above is not vacuous."""

    @dataclasses.dataclass
    class BrokenArgs:
        az_count: int = 2  # a default alone does not make a field optional in the schema
        """How many zones."""

    class Broken(pulumi.ComponentResource):
        def __init__(self, name: str, args: BrokenArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
            super().__init__(f"{PACKAGE_NAME}:index:Broken", name, None, opts)

    result = Analyzer(PACKAGE_NAME).analyze([Broken])
    assert result["component_definitions"]["Broken"].inputs["azCount"].optional is False


def test_an_args_parameter_without_annotation_cannot_be_hosted() -> None:
    class Unannotated(pulumi.ComponentResource):
        def __init__(self, name, args, opts=None):  # type: ignore[no-untyped-def]
            super().__init__(f"{PACKAGE_NAME}:index:Unannotated", name, None, opts)

    with pytest.raises(Exception, match="requires an argument named 'args' with a type annotation"):
        Analyzer(PACKAGE_NAME).analyze([Unannotated])


def test_the_package_is_a_source_based_python_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the engine runs: `components/__main__.py` serves fargatelb's provider, with the schema above."""
    plugin = yaml.safe_load((COMPONENTS / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"] == "python"
    served: list[tuple[Any, list[str]]] = []
    monkeypatch.setattr("pulumi.provider.main", lambda provider, args: served.append((provider, args)))
    monkeypatch.setattr("sys.argv", ["__main__.py", "127.0.0.1:1234"])
    runpy.run_path(str(COMPONENTS / "__main__.py"), run_name="__main__")
    ((provider, args),) = served
    assert isinstance(provider, FargatelbProvider) and args == ["127.0.0.1:1234"]
    assert json.loads(provider.schema)["name"] == PACKAGE_NAME
    assert {c.__name__ for c in PROVIDER_COMPONENTS} == set(provider._components)


def test_types_are_described_by_their_docstring_and_each_property_by_its_own(schema: dict[str, Any]) -> None:
    """`help()` shows a Fields section (`@documented_args`); the schema keeps a type's summary and
    each property's own docstring, so generated SDKs don't repeat every field in the type's doc."""
    assert schema["types"], "the components take nested Args types"
    for token, declared in schema["types"].items():
        if "enum" in declared:
            continue
        assert declared.get("description") and "Fields\n------" not in declared["description"], token
        for name, prop in declared["properties"].items():
            assert prop.get("description"), f"{token}.{name} has no docstring"


def test_inputs_from_another_language_reach_the_component_as_the_provider_maps_them() -> None:
    """`pulumi package add` users send camelCase inputs; the provider maps them to a dict of snake_case
    values (numbers as floats, nested types as dicts), which the component must accept as its Args."""
    from fargatelb import LoadBalancedFargateService
    from fargatelb.mocks import synthesize

    provider = FargatelbProvider()
    definition = provider._component_defs["LoadBalancedFargateService"]
    wire_inputs = {
        "network": {"vpcId": "vpc-1", "publicSubnetIds": ["subnet-a", "subnet-b"],
                    "privateSubnetIds": ["subnet-c", "subnet-d"], "endpointSecurityGroupId": "sg-e",
                    "s3PrefixListId": "pl-1"},
        "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
        "containerPort": 8080.0, "scaling": {"minCount": 2.0, "maxCount": 4.0, "cpuTarget": 60.0},
    }  # fmt: skip
    mapped = provider.map_inputs(wire_inputs, definition)

    rec = synthesize(lambda: LoadBalancedFargateService("web", mapped))  # type: ignore[arg-type]
    assert int(rec.one("aws:lb/targetGroup:TargetGroup").inputs["port"]) == 8080
    target = rec.one("aws:appautoscaling/target:Target").inputs
    assert (int(target["minCapacity"]), int(target["maxCapacity"])) == (2, 4)
    policy = rec.one("aws:appautoscaling/policy:Policy").inputs
    assert int(policy["targetTrackingScalingPolicyConfiguration"]["targetValue"]) == 60
