"""The provider that hosts fargatelb's components for programs in other languages.

`components/__main__.py` serves `FargatelbProvider` (what `pulumi package add` runs). It is the SDK's
`ComponentProvider`, whose schema is inferred from the components' `args` annotations, with the
changes below, each for something the SDK's own mapping of inputs gets wrong for these components.

**Passing handles.** `network`, `cluster` and `load_balancer` are objects of the handle's fields
(`NetworkRef`: vpcId, privateSubnetIds, publicSubnetIds, endpointSecurityGroupId, s3PrefixListId,
vpcCidr; `ClusterRef`: clusterArn, clusterName, namespaceId, namespaceName; `LoadBalancerRef`:
listenerArn, securityGroupId, arnSuffix, url), each taken from the producing component's outputs:

    network: {vpcId: ${net.vpcId}, privateSubnetIds: ${net.privateSubnetIds}, ...}

Passing the component itself is not enough: a component reference reaches a provider as its URN,
which carries none of its outputs; the component refuses it saying so.

**How inputs arrive, and what the component makes of them.** The engine hands `Construct` an input
that depends on another resource, or holds a secret, as an `Output`, in one of two ways, depending
on the caller's SDK: as output values (each Output stays where it is inside objects and lists), or
as a plain value with dependencies (the whole top-level input becomes one Output, secret if any part
was, depending on every resource any part did). An Output an untyped caller made of a whole object
(YAML: a stack reference's output) arrives whole either way; the typed SDKs can't send one, since
the schema marks a handle, like every non-Input field, `plain` (its fields take Outputs). The SDK's
own mapping turns an Output given for an object into `{}` (a `healthCheck` computed from another
resource silently became the defaults) or, when the object has required fields, fails with "Missing
required input 'network.vpcId'" for a `network` that is there; and it calls `int()` on an Output
given for an integer (a bare TypeError). Here:

- an Output or unknown given for an object, list or map is handed on as a
  `fargatelb._args.Delivered` snapshot: its value (names mapped as for a plain object), its
  dependencies and its secretness. The engine sent all three, and the Output holds them already:
  both deliveries build it from a resolved future, which is read here without waiting
  (`Output._data`, the SDK's own field: if a later SDK changes it, such an Output reaches the
  component as it is and is refused by name, and tests/test_provider.py fails). `fargatelb._args`
  lifts the snapshot into the Args: each field at a `pulumi.Input` position becomes an Output
  carrying the whole's dependencies and secretness (the engine no longer says which part depended on
  what, so a resource built from `network.vpcId` depends on every resource any network field did,
  and a secret subnet list makes every network field secret); fields the object lacks stay unset. A
  handle whose every field is an Input (`network`, `load_balancer`) unknown as a whole in a preview
  is built with every field unknown.
- an Output given for an integer or an enum goes to the component unchanged.
- `fargatelb._args` accepts Outputs and unknowns where a field is a `pulumi.Input` and refuses them
  elsewhere, naming the field ("must be a plain value known at preview"): the component derives its
  resources from those. Plain (and `plain` in the schema) are the ports, sizes, counts, switches and
  choices, `allowedCidrs`, `tags`, `secretsKmsKeys`, the nested settings (`healthCheck`, `scaling`,
  `probe`, `routing`, ...) and a cluster's `namespaceName`. Inside an object that arrived whole, a
  plain field is taken as given when its value is known and the object is not secret (the caller
  wrote a literal beside Outputs: the usual case); an unknown one, or any plain field of a secret
  object, is refused by name. An object with no `pulumi.Input` inside that arrives as one Output is
  refused as a whole.

**Types are described by their own docstring.** `@documented_args` appends a Fields section to each
Args class's `__doc__` for `help()`; the schema keeps the summary, since each property already
carries its own description. The SDK's analyzer reads a field's docstring only from the class that
declares it, so a field an Args class inherits (`UdpHealthCheckArgs` from `HealthCheckArgs`) gets its
base's docstring here.
"""

import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, Optional

import pulumi.provider
from pulumi import ComponentResource
from pulumi.output import Inputs
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema

from . import PACKAGE_NAME, PROVIDER_COMPONENTS
from ._args import Delivered, attribute_docstrings, deferred_kind

SCHEMA_VERSION = "0.0.0"
"""The version the schema states: what `component_provider_host` states when given none."""


class FargatelbProvider(ComponentProvider):
    """`ComponentProvider` for fargatelb's components; see the module docstring for what differs."""

    def __init__(
        self,
        components: Sequence[type[ComponentResource]] | None = None,
        name: str = PACKAGE_NAME,
        namespace: Optional[str] = None,
        version: str = SCHEMA_VERSION,
    ) -> None:
        super().__init__(list(PROVIDER_COMPONENTS if components is None else components), name, namespace, version)
        changed = 0
        for type_def in self._type_defs.values():
            summary = getattr(type_def.python_type, "__args_summary__", None)
            if summary is not None:
                type_def.description = summary
                changed += 1
            docs = attribute_docstrings(type_def.python_type) if type_def.properties else {}
            for schema_name, prop in type_def.properties.items():
                inherited = docs.get(type_def.properties_mapping[schema_name], ("", ""))[1]
                if not prop.description and inherited:
                    prop.description = inherited
                    changed += 1
        if changed:
            schema = generate_schema(
                name, version, namespace, self._component_defs, self._type_defs, self._dependencies
            )
            self.schema = json.dumps(schema.to_json())

    def _passed_through(self, prop: PropertyDefinition, value: Any) -> bool:
        """Whether the SDK's mapping would lose or crash on `value`: the component checks it instead."""
        if value is None:
            return False
        if deferred_kind(value) is not None:
            return bool(prop.ref) or self._structured(prop) or prop.type == PropertyType.INTEGER
        if prop.ref and not isinstance(value, dict):
            type_def = self.get_type_definition(prop)
            return type_def is not None and not type_def.enum  # an object given as something else
        return False

    def _structured(self, prop: PropertyDefinition) -> bool:
        """An object, list or map property."""
        if prop.ref:
            type_def = self.get_type_definition(prop)
            return type_def is not None and not type_def.enum
        return prop.type in (PropertyType.ARRAY, PropertyType.OBJECT)

    def _names_mapper(self, prop: PropertyDefinition, component_name: str, path: str) -> Callable[[Any], Any]:
        """Maps a plain value of `prop`'s type from schema names to Python names, as the SDK would."""

        def object_of(item: PropertyDefinition | None, where: str) -> Callable[[Any], Any]:
            type_def = self.get_type_definition(item) if item is not None and item.ref else None
            if type_def is None or type_def.enum:
                return lambda v: v
            return lambda v: (
                self.map_input_properties(v, type_def.properties, type_def.properties_mapping, component_name, where)
                if isinstance(v, dict)
                else v
            )

        if prop.ref:
            return object_of(prop, path)
        if prop.type == PropertyType.ARRAY:
            item = object_of(prop.items, path)
            return lambda v: [item(i) for i in v] if isinstance(v, list) else v
        value = object_of(prop.additional_properties, path)
        return lambda v: {k: value(i) for k, i in v.items()} if isinstance(v, dict) else v

    @staticmethod
    def _delivered(value: Any, names: Callable[[Any], Any]) -> Any:
        """A `Delivered` snapshot of an Output or unknown given for an object, list or map: what the
        engine sent, which the Output already holds (it is made from a resolved future in both
        deliveries); the Output itself if its value isn't there yet (the component then refuses it
        by name)."""
        from pulumi.output import Output, Unknown

        if isinstance(value, Unknown):
            return Delivered(value, frozenset(), False)
        data = getattr(value, "_data", None) if isinstance(value, Output) else None
        if not (isinstance(data, asyncio.Future) and data.done()) or data.cancelled() or data.exception():
            return value
        got = data.result()
        inner = got.value if isinstance(got.value, Unknown) else names(got.value)
        return Delivered(inner, frozenset(got.resources), bool(got.is_secret))

    def map_input_properties(
        self,
        inputs: Inputs,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Inputs:
        if not isinstance(inputs, dict):
            # An Output (or unknown) where an object belongs: an item of a list or map of objects.
            if deferred_kind(inputs) is None:
                return inputs
            return self._delivered(  # type: ignore[no-any-return]
                inputs,
                lambda v: (
                    self.map_input_properties(v, properties, mapping, component_name, property_path)
                    if isinstance(v, dict)
                    else v
                ),
            )
        held: dict[str, Any] = {}
        for name, prop in properties.items():
            value = inputs.get(name)
            if not self._passed_through(prop, value):
                continue
            if deferred_kind(value) is not None and self._structured(prop):
                where = f"{property_path}.{name}" if property_path else name
                value = self._delivered(value, self._names_mapper(prop, component_name, where))
            held[name] = value
        rest = {name: prop for name, prop in properties.items() if name not in held}
        mapped = super().map_input_properties(inputs, rest, mapping, component_name, property_path)
        return {**mapped, **{mapping[name]: value for name, value in held.items()}}


def serve(args: Sequence[str] | None = None) -> None:
    """Serve the provider to the Pulumi engine (the plugin's entry point); blocks until it stops."""
    pulumi.provider.main(FargatelbProvider(), list(sys.argv[1:] if args is None else args))
