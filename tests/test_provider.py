"""Each hosted component built the way a `pulumi package add` user's program builds it, under the
recording mocks, and compared with the Python program that passes the same values.

The provider path is the SDK's own code between the engine's `Construct` request and the component
(`pulumi/provider/server.py`, `ProviderServicer._construct`): the caller's inputs serialized as the
engine sends them, `_construct_inputs` (deserialized with unknowns kept; a value that depends on a
resource, or is secret, wrapped as an Output), `_construct_options`, then `FargatelbProvider.construct`
(the schema's camelCase names mapped back, then the component), and `_construct_response`. Only the
settings reset and the gRPC transport are left out. Inputs that depend on resources are Outputs of a
real PrivateNetwork (and, in the variants, a ServiceCluster, an ApplicationLoadBalancer and secrets)
created first in the same program, delivered both ways the engine can deliver them:

- `output values`: the Outputs stay where they are inside objects and lists. The provider builds
  exactly what the Python program builds.
- `dependencies`: each top-level input is a plain value with the dependencies of all its parts, so a
  top-level object holding Outputs (`network`, `environment`) becomes one Output, secret if any part
  was. The engine no longer says which part depended on what, so the provider can only give every
  part the whole's dependencies and secretness. The reference is then the Python program given the
  same: each `pulumi.Input` part of such an input carrying the whole input's dependencies and
  secretness (`as_one_output`); and `test_the_dependencies_delivery_differs_only_in_dependencies`
  checks that this is the only difference from the program as written.
"""

import dataclasses
import enum
import inspect
import json
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown, contains_unknowns
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import proto, rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await
from pulumi_aws import secretsmanager, ssm

from fargatelb import (
    PACKAGE_NAME,
    PROVIDER_COMPONENTS,
    ApplicationLoadBalancer,
    ApplicationLoadBalancerArgs,
    InvalidArgument,
    PrivateNetwork,
    PrivateNetworkArgs,
    ServiceCluster,
    ServiceClusterArgs,
)
from fargatelb._args import Delivered, _hints, _holds_inputs, _is_input, _liftable, _unwrap_optional
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


def cluster_fields(cluster: ServiceCluster) -> dict[str, Any]:
    """`cluster=` as another language passes it: ServiceCluster's outputs. (`namespace_name`, plain and
    used by no resource, is left out here; `test_a_plain_field_inside_a_handle_delivered_whole` has it.)"""
    return {
        "cluster_arn": cluster.cluster_arn,
        "cluster_name": cluster.cluster_name,
        "namespace_id": cluster.namespace_id,
    }


def web_on_a_shared_alb(net: PrivateNetwork) -> dict[str, Any]:
    """Every handle, and environment and secrets values that are Outputs of other resources."""
    cluster = ServiceCluster("shared", ServiceClusterArgs(network=net.ref, namespace="dev.internal"))
    alb = ApplicationLoadBalancer("edge", ApplicationLoadBalancerArgs(network=net.ref))
    password = secretsmanager.Secret("db-password")
    return {
        **wiring(net),
        "cluster": cluster_fields(cluster),
        "load_balancer": {
            "listener_arn": alb.listener_arn,
            "security_group_id": alb.security_group_id,
            "arn_suffix": alb.arn_suffix,
            "url": alb.url,
        },
        "routing": {"hosts": ["api.example.com"], "priority": 10},
        "discoverable": True,
        "image": f"{ECR}/web:1",
        "container_port": 8080,
        "scaling": {"min_count": 1, "max_count": 3, "requests_per_target": 100},
        "environment": {"MODE": "demo", "EDGE_URL": alb.url},
        "secrets": {"DB_PASSWORD": password.arn},
    }


def udp_in_a_cluster(net: PrivateNetwork) -> dict[str, Any]:
    """A cluster handle, and environment and secrets values that are Outputs of other resources."""
    cluster = ServiceCluster("shared", ServiceClusterArgs())
    token = ssm.Parameter("udp-token", type="SecureString", value="not-a-real-token")
    return {
        **wiring(net),
        "cluster": {"cluster_arn": cluster.cluster_arn, "cluster_name": cluster.cluster_name},
        "image": f"{ECR}/udp:1",
        "health_check_image": f"{ECR}/healthcheck:1",
        "udp_port": 5001,
        "environment": {"MODE": "demo", "UPSTREAM_PARAMETER": token.name},
        "secrets": {"UPSTREAM_TOKEN": token.arn},
    }


# THE ONE PLACE TO UPDATE when a hosted component or its Args change: each component's example
# arguments by Python field name (nested Args as dicts, enums by value), given the PrivateNetwork the
# program creates first. Keep at least one value per component an Output of that network, and a
# nested Args dict where the component takes one. VARIANTS are further examples (name: component and
# arguments) for the handles and Outputs the main ones leave out.
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
VARIANTS: dict[str, tuple[str, Callable[[PrivateNetwork], dict[str, Any]]]] = {
    "LoadBalancedFargateService on a shared ALB": ("LoadBalancedFargateService", web_on_a_shared_alb),
    "UdpNlbService in a cluster": ("UdpNlbService", udp_in_a_cluster),
}
ALL: dict[str, tuple[str, Callable[[PrivateNetwork], dict[str, Any]]]] = {
    **{name: (name, values) for name, values in EXAMPLES.items()},
    **VARIANTS,
}
"""Every example by its name: the component it builds, and its arguments."""

COMPONENTS = {c.__name__: c for c in PROVIDER_COMPONENTS}


def args_class(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]  # type: ignore[misc, no-any-return]


def hints_of(example: str) -> dict[str, Any]:
    return _hints(args_class(COMPONENTS[ALL[example][0]]))


@cache
def provider() -> FargatelbProvider:
    return FargatelbProvider()


def test_every_hosted_component_has_an_example() -> None:
    assert set(EXAMPLES) == set(COMPONENTS)
    assert all(component in COMPONENTS for component, _ in VARIANTS.values())


def test_the_examples_pass_every_handle_and_input_holding_map_somewhere() -> None:
    """The handles (`network`, `cluster`, `load_balancer`) and the maps of Inputs (`environment`,
    `secrets`) each reach some component through the provider, with Outputs inside."""
    given = {field for example in ALL for field in example_fields(example)}
    assert {"network", "cluster", "load_balancer", "environment", "secrets"} <= given


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
        if type_def is not None and not type_def.enum:
            value = object_names(value, type_def.properties, type_def.properties_mapping)
        out[name] = wire_value(value)
    return out


def object_names(value: Any, properties: dict[str, Any], mapping: dict[str, str]) -> Any:
    """An object's names for the wire, inside an Output too (a handle the caller made one Output)."""
    if isinstance(value, pulumi.Output):
        return value.apply(lambda v: object_names(v, properties, mapping))
    return wire_names(value, properties, mapping) if isinstance(value, dict) else value


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


PATHS = ("dependencies", "output values")
"""The two deliveries through the provider; `python` and `python as one output per input` are the
Python program as written and given what the dependencies delivery gives (`as_one_output`)."""


def outputs_in(value: Any) -> list[Any]:
    if isinstance(value, pulumi.Output):
        return [value]
    if isinstance(value, dict):
        return [o for v in value.values() for o in outputs_in(v)]
    if isinstance(value, list | tuple):
        return [o for v in value for o in outputs_in(v)]
    return []


def as_one_output(tp: Any, value: Any) -> Any:
    """What the dependencies delivery makes of a top-level input, as a Python program would pass it:
    when it holds Outputs, each part at a `pulumi.Input` position carries the dependencies and
    secretness of the whole input (the engine tells them only per top-level input), and plain parts
    stay as they are."""
    found = outputs_in(value)
    if not found:
        return value
    whole = pulumi.Output.all(*found)

    def walk(tp: Any, part: Any) -> Any:
        if _is_input(tp):
            return pulumi.Output.all(whole, part).apply(lambda both: both[1])
        tp = _unwrap_optional(tp)
        if dataclasses.is_dataclass(tp) and isinstance(part, dict):
            hints = _hints(tp)  # type: ignore[arg-type]
            return {k: walk(hints[k], v) for k, v in part.items()}
        if typing.get_origin(tp) is dict and isinstance(part, dict):
            return {k: walk(typing.get_args(tp)[1], v) for k, v in part.items()}
        if typing.get_origin(tp) is list and isinstance(part, list):
            return [walk(typing.get_args(tp)[0], v) for v in part]
        return part

    return walk(tp, value)


def secret_inputs(tp: Any, value: Any) -> Any:
    """`value` with every part at a `pulumi.Input` position made secret (inside handles and maps too)."""
    if _is_input(tp):
        return pulumi.Output.secret(value)
    tp = _unwrap_optional(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        hints = _hints(tp)  # type: ignore[arg-type]
        return {k: secret_inputs(hints[k], v) for k, v in value.items()}
    if typing.get_origin(tp) is dict and isinstance(value, dict):
        return {k: secret_inputs(typing.get_args(tp)[1], v) for k, v in value.items()}
    return value


Change = Callable[[str, Any], Any]


def unchanged(field: str, value: Any) -> Any:
    return value


def run(example: str, path: str, change: Change = unchanged) -> Recording:
    """A PrivateNetwork, then `example`'s component built from its arguments (each value through
    `change`) by `path`: one of PATHS, `python`, or `python as one output per input`."""
    component, arguments = ALL[example]
    hints = hints_of(example)

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        values = {k: change(k, v) for k, v in arguments(net).items()}
        if path == "python as one output per input":
            values = {k: as_one_output(hints[k], v) for k, v in values.items()}
        if path.startswith("python"):
            build_in_python(component, values)
        else:
            state = build_through_the_provider(component, values, output_values=path == "output values")
            outputs = set(provider()._component_defs[component].outputs)
            # Outputs computed from an unknown value are unknown, and so left out of the state.
            assert set(state) == outputs or (contains_unknowns(values) and set(state) <= outputs), "outputs"

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


REFERENCE = {"output values": "python", "dependencies": "python as one output per input"}
"""The Python program each delivery through the provider must record exactly."""


@cache
def python_recording(example: str, secret: bool, path: str = "python") -> dict[str, Any]:
    return recorded(run(example, path, as_secret(example) if secret else unchanged))


def as_secret(example: str) -> Change:
    """Every part of the arguments at a `pulumi.Input` position made secret."""
    hints = hints_of(example)
    return lambda field, value: secret_inputs(hints[field], value)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("example", sorted(ALL))
def test_the_provider_builds_what_the_python_program_builds(example: str, path: str) -> None:
    expected = python_recording(example, False, REFERENCE[path])
    assert any(r["type"] == f"{PACKAGE_NAME}:index:{ALL[example][0]}" for r in expected.values())
    assert recorded(run(example, path)) == expected


@pytest.mark.parametrize("example", sorted(ALL))
def test_the_dependencies_delivery_differs_only_in_dependencies(example: str) -> None:
    """Against the program as written: the same resources with the same inputs, and each resource's
    dependencies a superset of the program's, the extra ones all resources some top-level input of
    the component depended on."""
    written, delivered = python_recording(example, False), python_recording(example, False, REFERENCE["dependencies"])
    assert written.keys() == delivered.keys()
    inputs_depend_on = {u for r in delivered.values() for urns in r["property_dependencies"].values() for u in urns}
    widened = 0
    for urn, resource in written.items():
        other = delivered[urn]
        assert {k: v for k, v in resource.items() if "dependencies" not in k} == {
            k: v for k, v in other.items() if "dependencies" not in k
        }, urn
        assert set(resource["dependencies"]) <= set(other["dependencies"]), urn
        extra = set(other["dependencies"]) - set(resource["dependencies"])
        assert extra <= inputs_depend_on, urn
        widened += bool(extra)
    has_a_handle = "network" in example_fields(example)
    assert bool(widened) == has_a_handle, "a handle's parts depend on different resources: only it widens"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("example", sorted(ALL))
def test_secret_inputs_stay_secret_through_the_provider(example: str, path: str) -> None:
    if not any(_holds_inputs(t) for t in hints_of(example).values()):
        pytest.skip(f"{ALL[example][0]} takes no pulumi.Input")
    expected = python_recording(example, True, REFERENCE[path])
    assert expected != python_recording(example, False, REFERENCE[path]), "some resource input is secret"
    assert recorded(run(example, path, as_secret(example))) == expected


# ---------------------------------------------------------------------------------------------
# What the component refuses, naming the field


def plain_fields(example: str) -> list[str]:
    """The example's fields with no `pulumi.Input` inside: given as an Output or unknown, refused."""
    hints = hints_of(example)
    return [field for field in example_fields(example) if not _holds_inputs(hints[field])]


@cache
def example_fields(example: str) -> list[str]:
    names: list[str] = []
    synthesize(lambda: names.extend(ALL[example][1](PrivateNetwork("net", PrivateNetworkArgs()))))
    return names


DEFERRED: dict[str, Callable[[Any], Any]] = {"secret": pulumi.Output.secret, "unknown": lambda v: Unknown()}


def refusals(example: str, path: str, fields: list[str]) -> dict[tuple[str, str], InvalidArgument]:
    """Each of `fields` given as each of DEFERRED, the rest as in the example: what was refused."""
    component, arguments = ALL[example]
    refused: dict[tuple[str, str], InvalidArgument] = {}

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        values = arguments(net)
        for i, field in enumerate(fields):
            for kind, deferred in DEFERRED.items():
                try:
                    given = {**values, field: deferred(values[field])}
                    # A name each: the component registers itself before it checks its arguments.
                    build_through_the_provider(
                        component, given, output_values=path == "output values", name=f"{kind}{i}"
                    )
                except ComponentInitError as e:
                    assert isinstance(e.inner, InvalidArgument), e.inner
                    refused[field, kind] = e.inner

    synthesize(program)
    return refused


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("example", sorted(ALL))
def test_a_plain_field_given_an_output_or_unknown_is_refused_by_name(example: str, path: str) -> None:
    """Ports, sizes, switches and nested settings decide which resources exist: through the provider
    a secret or unknown value there is refused naming the field, not mapped to `{}` or a TypeError.
    (A field with a `pulumi.Input` inside, e.g. a handle, may arrive whole: the next tests.)"""
    fields = plain_fields(example)
    assert fields, f"the {example} example sets no plain field"
    refused = refusals(example, path, fields)
    assert set(refused) == {(field, kind) for field in fields for kind in DEFERRED}
    for (field, kind), error in refused.items():
        assert error.field == field and "must be a plain value known at preview" in error.problem, (kind, error)
        assert ("unknown value" in error.problem) == (kind == "unknown"), error


def whole_objects(example: str) -> list[str]:
    """The example's fields that are objects or maps with a `pulumi.Input` inside but not Inputs
    themselves: the handles, `environment`, `secrets`."""
    hints = hints_of(example)
    return [f for f in example_fields(example) if _holds_inputs(hints[f]) and not _is_input(hints[f])]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("example", sorted(ALL))
def test_an_object_given_as_one_secret_output_is_lifted_per_field(example: str, path: str) -> None:
    """A handle (or `environment`, `secrets`) the caller made into one Output (from a stack reference,
    say) arrives whole either way: each of its Input parts then carries the whole's dependencies and
    secretness, exactly as in a Python program given that."""
    fields = whole_objects(example)
    if not fields:
        pytest.skip(f"{example} passes no object with Inputs inside")
    hints = hints_of(example)

    def whole_secret(field: str, value: Any) -> Any:
        return pulumi.Output.secret(value) if field in fields else value

    def reference(field: str, value: Any) -> Any:
        return as_one_output(hints[field], secret_inputs(hints[field], value)) if field in fields else value

    assert recorded(run(example, path, whole_secret)) == python_recording_with(example, REFERENCE[path], reference)


def python_recording_with(example: str, path: str, change: Change) -> dict[str, Any]:
    return recorded(run(example, path, change))


@pytest.mark.parametrize("example", sorted(ALL))
def test_a_handle_unknown_as_a_whole_in_a_preview(example: str) -> None:
    """In a preview a whole handle may be unknown. One whose every field is an Input (`network`,
    `load_balancer`) is built with every field unknown: the same resources. `cluster` (its
    `namespace_name` is plain), `environment` and `secrets` (their keys decide the container's
    variables and the role's grants) are refused, naming the field."""
    fields = whole_objects(example)
    if not fields:
        pytest.skip(f"{example} passes no object with Inputs inside")
    hints = hints_of(example)
    liftable = [f for f in fields if _liftable(_unwrap_optional(hints[f]))]
    assert set(liftable) <= {"network", "load_balancer"}
    expected = {(r["type"], r["name"]) for r in python_recording(example, False).values()}
    for field in liftable:
        rec = run(example, "output values", lambda f, v, u=field: Unknown() if f == u else v)  # type: ignore[misc]
        assert {(r.type, r.name) for r in rec.registrations} == expected, field
    others = [f for f in fields if f not in liftable]
    refused = refusals(example, "output values", others)
    for field in others:
        error = refused[field, "unknown"]
        assert error.field == field and "not an unknown value as a whole" in error.problem, error


def test_a_plain_field_inside_a_handle_delivered_whole() -> None:
    """`cluster.namespace_name` is plain. In a cluster delivered whole (the dependencies delivery of a
    cluster with Outputs in it) it is taken when known; unknown, or in a cluster with a secret part
    (the whole is then secret), it is refused by name: a secret never becomes a plain value."""
    example = "LoadBalancedFargateService on a shared ALB"
    component = ALL[example][0]

    def with_name(name: Any, secret: bool = False) -> Change:
        def change(field: str, value: Any) -> Any:
            if field != "cluster":
                return value
            arn = pulumi.Output.secret(value["cluster_arn"]) if secret else value["cluster_arn"]
            return {**value, "cluster_arn": arn, "namespace_name": name}

        return change

    assert recorded(run(example, "dependencies", with_name("dev.internal"))) == python_recording_with(
        example, REFERENCE["dependencies"], with_name("dev.internal")
    )
    for change, kind in ((with_name(Unknown()), "an unknown value"), (with_name("dev.internal", True), "secret")):
        with pytest.raises(ComponentInitError) as caught:

            def program(change: Change = change) -> None:
                net = PrivateNetwork("net", PrivateNetworkArgs())
                values = {k: change(k, v) for k, v in ALL[example][1](net).items()}
                build_through_the_provider(component, values, output_values=False)

            synthesize(program)
        error = caught.value.inner
        assert isinstance(error, InvalidArgument) and error.field == "cluster.namespace_name", error
        assert kind in error.problem, error
    # Given as output values, the secret part stays where it is, and the name plain.
    assert recorded(run(example, "output values", with_name("dev.internal", True))) == python_recording_with(
        example, "python", with_name("dev.internal", True)
    )


def test_a_component_reference_for_a_handle_is_refused_saying_what_to_pass() -> None:
    """What another language's SDK sends for `network: net` (the component itself): its URN."""
    refused: list[BaseException] = []

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        values = {
            **EXAMPLES["ApplicationLoadBalancer"](net),
            "network": "urn:pulumi:test::project::fargatelb:index:PrivateNetwork::net",
        }
        try:
            build_through_the_provider("ApplicationLoadBalancer", values, output_values=True)
        except ComponentInitError as e:
            refused.append(e.inner)

    synthesize(program)
    (error,) = refused
    assert isinstance(error, InvalidArgument) and error.field == "network"
    assert "reaches the provider as its URN" in error.problem and "vpcId" in error.problem


NETWORK_FIELDS = {"vpcId": "vpc-1", "publicSubnetIds": ["subnet-1"], "privateSubnetIds": ["subnet-2"],
                  "endpointSecurityGroupId": "sg-1", "s3PrefixListId": "pl-1"}  # fmt: skip
"""A network as another language's program writes it, by hand (the schema's names)."""


def test_the_sdk_alone_would_lose_or_refuse_an_object_given_as_an_output() -> None:
    """Why `FargatelbProvider` exists: the SDK's `ComponentProvider` maps an Output given for an
    object-typed input to `{}`, silently using every default, or, for a type with required fields,
    fails as if it were missing: every `network` of a caller whose SDK sends dependencies rather than
    output values. Ours hands on what the engine sent, its dependencies and its secretness."""
    stock = ComponentProvider(list(PROVIDER_COMPONENTS), PACKAGE_NAME)
    objects = sorted(
        (component, name)
        for component, definition in provider()._component_defs.items()
        for name, prop in definition.inputs.items()
        if prop.ref
        and not getattr(provider().get_type_definition(prop), "enum", None)
        and all(p.optional for p in provider().get_type_definition(prop).properties.values())  # type: ignore[union-attr]
    )
    defaults = ("LoadBalancedFargateService", "health_check")
    assert objects and any(name == "healthCheck" for _, name in objects)
    vpc = "urn:pulumi:test::project::aws:ec2/vpc:Vpc::elsewhere"
    mapped: dict[tuple[str, str], Any] = {}

    def program() -> None:
        for component, field, given in (
            (*defaults, {"path": "/healthz"}),
            ("ApplicationLoadBalancer", "network", NETWORK_FIELDS),
        ):
            definition = provider()._component_defs[component]
            name = next(n for n, py in definition.inputs_mapping.items() if py == field)
            # What `_construct_inputs` makes of a secret object that depends on a resource.
            engine = _sync_await(ProviderServicer._select_value(rpc.wrap_rpc_secret(given), {vpc}))
            for key, mapper in (("stock", stock), ("ours", provider())):
                only = {name: definition.inputs[name]}
                try:
                    result = mapper.map_input_properties({name: engine}, only, definition.inputs_mapping, component, "")
                    mapped[key, field] = value = result[field]
                    if isinstance(value, Delivered):
                        mapped["urns", field] = {_sync_await(r.urn.future()) for r in value.resources}
                except Exception as e:  # what the stock SDK raises is the point
                    mapped[key, field] = e

    synthesize(program)
    assert mapped["stock", "health_check"] == {}
    assert "Missing required input 'network.vpcId'" in str(mapped["stock", "network"]), "though it was given"
    health, network = mapped["ours", "health_check"], mapped["ours", "network"]
    assert health.value == {"path": "/healthz"}
    assert network.value == {"vpc_id": "vpc-1", "public_subnet_ids": ["subnet-1"], "private_subnet_ids": ["subnet-2"],
                             "endpoint_security_group_id": "sg-1", "s3_prefix_list_id": "pl-1"}  # fmt: skip
    assert health.secret and network.secret
    assert mapped["urns", "health_check"] == mapped["urns", "network"] == {vpc}


def test_an_unknown_input_from_a_preview_builds_the_same_resources() -> None:
    """In a preview an input may be unknown and arrive bare (no dependency known yet): the component
    gets an unknown Output for it and builds the same resources."""
    for example in sorted(ALL):
        hints = hints_of(example)
        inputs = [f for f in example_fields(example) if _is_input(hints[f])]
        if not inputs:
            continue
        unknown = inputs[0]
        rec = run(example, "output values", lambda f, v, u=unknown: Unknown() if f == u else v)  # type: ignore[misc]
        assert {(r.type, r.name) for r in rec.registrations} == {
            (r["type"], r["name"]) for r in python_recording(example, False).values()
        }, example


def test_nested_args_may_be_dicts_in_a_python_program_too() -> None:
    """`LoadBalancedFargateServiceArgs(health_check={"path": "/x"})` and the like: each example,
    nested Args (and handles) left as dicts, builds what the dataclasses build."""
    for example in sorted(ALL):
        component, arguments = ALL[example]
        cls = args_class(COMPONENTS[component])
        hints = _hints(cls)

        def program(
            component: str = component, arguments: Any = arguments, cls: type = cls, hints: dict[str, Any] = hints
        ) -> None:
            net = PrivateNetwork("net", PrivateNetworkArgs())
            values = arguments(net)
            plain = {k: v if isinstance(v, dict) else python_value(hints[k], v) for k, v in values.items()}
            COMPONENTS[component](NAME, cls(**plain))

        assert recorded(synthesize(program)) == python_recording(example, False), example
