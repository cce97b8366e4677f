"""Each hosted component built the way a `pulumi package add` user's program builds it, under the
recording mocks, and compared with the Python program that passes the same values.

The provider path is the SDK's own code between the engine's `Construct` request and the component
(`pulumi/provider/server.py`, `ProviderServicer._construct`): the caller's inputs serialized as the
engine sends them, `_construct_inputs` (deserialized with unknowns kept; a value that depends on a
resource, or is secret, wrapped as an Output), `_construct_options`, then `FargatelbProvider.construct`
(the schema's camelCase names mapped back, then the component), and `_construct_response`. Only the
settings reset and the gRPC transport are left out. Inputs that depend on resources are Outputs of a
real PrivateNetwork created first in the same program, delivered both ways the engine can deliver
them: as plain values with dependencies (the whole input becomes one Output) and as output values
(the Outputs stay where they are inside lists and objects).
"""

import dataclasses
import enum
import inspect
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import proto, rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from fargatelb import PACKAGE_NAME, PROVIDER_COMPONENTS, InvalidArgument, PrivateNetwork, PrivateNetworkArgs
from fargatelb._args import _hints, _is_input, _unwrap_optional
from fargatelb.mocks import Recording, synthesize
from fargatelb.provider import FargatelbProvider

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
NAME = "svc"


def wiring(net: PrivateNetwork) -> dict[str, Any]:
    """`network=`: a component reference arrives as its URN, so other languages pass the handle's fields."""
    return {
        "network": {
            "vpc_id": net.vpc_id,
            "public_subnet_ids": net.public_subnet_ids,
            "private_subnet_ids": net.private_subnet_ids,
            "endpoint_security_group_id": net.endpoint_security_group_id,
            "s3_prefix_list_id": net.s3_prefix_list_id,
            "vpc_cidr": net.vpc_cidr,
        }
    }


# THE ONE PLACE TO UPDATE when a hosted component or its Args change: each component's example
# arguments by Python field name (nested Args as dicts, enums by value), given the PrivateNetwork the
# program creates first. Keep at least one value per component an Output of that network, and a
# nested Args dict where the component takes one.
EXAMPLES: dict[str, Callable[[PrivateNetwork], dict[str, Any]]] = {
    "PrivateNetwork": lambda net: {
        "cidr_block": "10.1.0.0/16",
        "az_count": 3,
        "nat_strategy": "single",
        "extra_interface_endpoints": ["ssm"],
        "tags": {"team": "edge"},
    },
    "LoadBalancedFargateService": lambda net: {
        **wiring(net),
        "image": f"{ECR}/web:1",
        "container_port": 8080,
        "health_check": {"path": "/healthz", "interval": 15},
        "scaling": {"min_count": 2, "max_count": 4},
        "environment": {"MODE": "demo"},
        "tags": {"team": "edge"},
    },
    "UdpNlbService": lambda net: {
        **wiring(net),
        "image": f"{ECR}/udp:1",
        "health_check_image": f"{ECR}/healthcheck:1",
        "udp_port": 5000,
        "health_check": {"protocol": "TCP"},
        "probe": {"send": "hello {nonce}", "expect_prefix": "hello {nonce}"},
    },
    "ServiceCluster": lambda net: {**wiring(net), "namespace": "dev.internal", "tags": {"team": "edge"}},
    "ApplicationLoadBalancer": lambda net: {
        **wiring(net),
        "internal": True,
        "allowed_cidrs": ["10.0.0.0/16"],
        "tags": {"team": "edge"},
    },
    "ServiceCall": lambda net: {
        "caller": "admin",
        "callee": "api",
        "caller_security_group_id": net.endpoint_security_group_id,
        "callee_security_group_id": "sg-0123456789abcdef0",
        "port": 8080,
    },
}

COMPONENTS = {c.__name__: c for c in PROVIDER_COMPONENTS}


def args_class(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]  # type: ignore[misc, no-any-return]


@cache
def provider() -> FargatelbProvider:
    return FargatelbProvider()


def test_every_hosted_component_has_an_example() -> None:
    assert set(EXAMPLES) == set(COMPONENTS)


# ---------------------------------------------------------------------------------------------
# The two paths


def python_value(tp: Any, value: Any) -> Any:
    """What a Python program writes: nested Args as their dataclass, enums as members."""
    tp = _unwrap_optional(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type) and isinstance(value, dict):
        hints = _hints(tp)
        return tp(**{k: python_value(hints[k], v) for k, v in value.items()})
    if isinstance(tp, type) and issubclass(tp, enum.Enum) and not isinstance(value, tp):
        return tp(value)
    return value


def wire_value(value: Any) -> Any:
    """What another language's SDK sends: enums by value (names are mapped by `wire_names`)."""
    return value.value if isinstance(value, enum.Enum) else value


def wire_names(values: dict[str, Any], properties: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Python field names → the schema's names, through the provider's own mapping, nested types too."""
    schema_name = {py: schema for schema, py in mapping.items()}
    out = {}
    for key, value in values.items():
        name = schema_name[key]
        prop = properties[name]
        type_def = provider().get_type_definition(prop) if prop.ref else None
        if type_def is not None and not type_def.enum and isinstance(value, dict):
            value = wire_names(value, type_def.properties, type_def.properties_mapping)
        out[name] = wire_value(value)
    return out


def build_in_python(component: str, values: dict[str, Any]) -> None:
    cls = args_class(COMPONENTS[component])
    hints = _hints(cls)
    COMPONENTS[component](NAME, cls(**{k: python_value(hints[k], v) for k, v in values.items()}))


def build_through_the_provider(
    component: str, values: dict[str, Any], *, output_values: bool, name: str = NAME
) -> dict[str, Any]:
    """The component built from `values` as the provider host builds it; returns its state, as the
    engine receives it (schema names)."""
    definition = provider()._component_defs[component]
    inputs = wire_names(values, definition.inputs, definition.inputs_mapping)
    token = f"{PACKAGE_NAME}:index:{component}"

    async def construct() -> dict[str, Any]:
        property_deps: dict[str, list[pulumi.Resource]] = {}
        features = settings.SETTINGS.monitor_features
        if output_values:  # the caller's SDK and the engine keep Outputs as output values
            settings.SETTINGS.monitor_features = {*features, resource_pb2.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES}
        try:
            struct = await rpc.serialize_properties(inputs, property_deps, keep_output_values=output_values)
        finally:
            settings.SETTINGS.monitor_features = features
        dependencies = {
            key: proto.ConstructRequest.PropertyDependencies(
                urns=sorted({str(await r.urn.future()) for r in resources})
            )
            for key, resources in property_deps.items()
        }
        root = settings.get_root_resource()
        assert root is not None
        request = proto.ConstructRequest(name=name, type=token, parent=str(await root.urn.future()))
        constructed = await ProviderServicer._construct_inputs(struct, dependencies)
        result = provider().construct(name, token, constructed, ProviderServicer._construct_options(request))
        response = await ProviderServicer._construct_response(None, result)  # type: ignore[arg-type]
        return rpc.deserialize_properties(response.state)  # type: ignore[no-any-return]

    return _sync_await(construct())  # type: ignore[no-any-return]


def run(component: str, path: str, change: Callable[[str, Any], Any] = lambda field, v: v) -> Recording:
    """A PrivateNetwork, then `component` built from its example (each value through `change`) by
    `path`: `python`, `dependencies` or `output values`."""

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        values = {k: change(k, v) for k, v in EXAMPLES[component](net).items()}
        if path == "python":
            build_in_python(component, values)
        else:
            state = build_through_the_provider(component, values, output_values=path == "output values")
            assert set(state) == set(provider()._component_defs[component].outputs), "every output reaches the engine"

    return synthesize(program)


def recorded(rec: Recording) -> dict[str, Any]:
    """Everything the engine would be told of each registration."""
    return {
        r.urn: {
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "inputs": json.dumps(r.inputs, sort_keys=True, default=repr),
            "property_dependencies": {k: sorted(v) for k, v in r.property_dependencies.items() if v},
            "dependencies": sorted(r.dependencies),
            "custom": r.custom,
        }
        for r in rec.registrations
    }


@cache
def python_recording(component: str, secret: bool) -> dict[str, Any]:
    return recorded(run(component, "python", as_secret(component) if secret else lambda f, v: v))


def as_secret(component: str) -> Callable[[str, Any], Any]:
    """Every value of a `pulumi.Input` field made secret."""
    hints = _hints(args_class(COMPONENTS[component]))
    return lambda field, value: pulumi.Output.secret(value) if _is_input(hints[field]) else value


@pytest.mark.parametrize("path", ["dependencies", "output values"])
@pytest.mark.parametrize("component", sorted(EXAMPLES))
def test_the_provider_builds_what_the_python_program_builds(component: str, path: str) -> None:
    expected = python_recording(component, secret=False)
    assert any(r["type"] == f"{PACKAGE_NAME}:index:{component}" for r in expected.values())
    assert recorded(run(component, path)) == expected


@pytest.mark.parametrize("component", sorted(EXAMPLES))
def test_secret_inputs_stay_secret_through_the_provider(component: str) -> None:
    expected = python_recording(component, secret=True)
    if not any(_is_input(t) for t in _hints(args_class(COMPONENTS[component])).values()):
        pytest.skip(f"{component} takes no pulumi.Input")
    assert expected != python_recording(component, secret=False), "some resource input is secret"
    assert recorded(run(component, "output values", as_secret(component))) == expected


# ---------------------------------------------------------------------------------------------
# What the component refuses, naming the field


def plain_fields(component: str) -> list[str]:
    hints = _hints(args_class(COMPONENTS[component]))
    return [field for field in example_fields(component) if not _is_input(hints[field])]


@cache
def example_fields(component: str) -> list[str]:
    names: list[str] = []
    synthesize(lambda: names.extend(EXAMPLES[component](PrivateNetwork("net", PrivateNetworkArgs()))))
    return names


DEFERRED: dict[str, Callable[[Any], Any]] = {"secret": pulumi.Output.secret, "unknown": lambda v: Unknown()}


@pytest.mark.parametrize("component", sorted(EXAMPLES))
def test_a_plain_field_given_an_output_or_unknown_is_refused_by_name(component: str) -> None:
    """Ports, sizes, switches and nested settings decide which resources exist: through the provider
    a secret or unknown value there is refused naming the field, not mapped to `{}` or a TypeError."""
    fields = plain_fields(component)
    assert fields, f"the {component} example sets no plain field"
    refused: dict[tuple[str, str], InvalidArgument] = {}

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        values = EXAMPLES[component](net)
        for i, field in enumerate(fields):
            for kind, deferred in DEFERRED.items():
                try:
                    given = {**values, field: deferred(values[field])}
                    # A name each: the component registers itself before it checks its arguments.
                    build_through_the_provider(component, given, output_values=True, name=f"{kind}{i}")
                except ComponentInitError as e:
                    assert isinstance(e.inner, InvalidArgument), e.inner
                    refused[field, kind] = e.inner

    synthesize(program)
    assert set(refused) == {(field, kind) for field in fields for kind in DEFERRED}
    for (field, kind), error in refused.items():
        assert error.field == field and "must be a plain value known at preview" in error.problem, (kind, error)


def test_the_sdk_alone_would_turn_an_object_given_as_an_output_into_defaults() -> None:
    """Why `FargatelbProvider` exists: the SDK's `ComponentProvider` maps an Output given for an
    object-typed input to `{}`, silently using every default; ours hands it on to be refused."""
    stock = ComponentProvider(list(PROVIDER_COMPONENTS), PACKAGE_NAME)
    objects = [
        (component, name, definition)
        for component, definition in provider()._component_defs.items()
        for name, prop in definition.inputs.items()
        if prop.ref and not getattr(provider().get_type_definition(prop), "enum", None) and prop.optional
    ]
    assert objects, "some component takes a nested Args object"
    component, name, _ = objects[0]
    mapped: dict[str, Any] = {}

    def program() -> None:
        given: pulumi.Output[dict[str, Any]] = pulumi.Output.secret({})
        for key, mapper in (("stock", stock), ("ours", provider())):
            definition = mapper._component_defs[component]
            only = {name: definition.inputs[name]}
            mapped[key] = mapper.map_input_properties({name: given}, only, definition.inputs_mapping, component, "")
        mapped["given"] = given

    synthesize(program)
    field = provider()._component_defs[component].inputs_mapping[name]
    assert mapped["stock"][field] == {}
    assert mapped["ours"][field] is mapped["given"]


def test_an_unknown_input_from_a_preview_builds_the_same_resources() -> None:
    """In a preview an input may be unknown and arrive bare (no dependency known yet): the component
    gets an unknown Output for it and builds the same resources."""
    for component in sorted(EXAMPLES):
        hints = _hints(args_class(COMPONENTS[component]))
        inputs = [f for f in example_fields(component) if _is_input(hints[f])]
        if not inputs:
            continue
        unknown = inputs[0]
        rec = run(component, "output values", lambda f, v, u=unknown: Unknown() if f == u else v)  # type: ignore[misc]
        assert {(r.type, r.name) for r in rec.registrations} == {
            (r["type"], r["name"]) for r in python_recording(component, secret=False).values()
        }, component


def test_nested_args_may_be_dicts_in_a_python_program_too() -> None:
    """`LoadBalancedFargateServiceArgs(health_check={"path": "/x"})` and the like: each component's
    example, nested Args left as dicts, builds what the dataclasses build."""
    for component in sorted(EXAMPLES):
        cls = args_class(COMPONENTS[component])
        hints = _hints(cls)

        def program(component: str = component, cls: type = cls, hints: dict[str, Any] = hints) -> None:
            net = PrivateNetwork("net", PrivateNetworkArgs())
            values = EXAMPLES[component](net)
            plain = {k: v if isinstance(v, dict) else python_value(hints[k], v) for k, v in values.items()}
            COMPONENTS[component](NAME, cls(**plain))

        assert recorded(synthesize(program)) == python_recording(component, secret=False), component
