"""The provider that hosts fargatelb's components for programs in other languages.

`components/__main__.py` serves `FargatelbProvider` (what `pulumi package add` runs). It is the SDK's
`ComponentProvider`, whose schema is inferred from the components' `args` annotations, with two
changes, each for something the SDK's own mapping of inputs gets wrong for these components:

- **Outputs reach the component as they came.** The engine hands `Construct` an input that depends on
  another resource, or holds a secret, as an `Output` (the whole top-level value when the value
  itself carries no output values). The SDK then maps an Output given for an object type to `{}`, so
  a `healthCheck` computed from another resource silently became the defaults, and calls `int()` on
  an Output given for an integer, which fails with a bare `TypeError`. Here such values go to the
  component unchanged, and `fargatelb._args` accepts them where the field is a `pulumi.Input` and
  refuses them elsewhere, naming the field ("must be a plain value known at preview").
- **Types are described by their own docstring.** `@documented_args` appends a Fields section to each
  Args class's `__doc__` for `help()`; the schema keeps the summary, since each property already
  carries its own description. The SDK's analyzer reads a field's docstring only from the class
  that declares it, so a field an Args class inherits (`UdpHealthCheckArgs` from `HealthCheckArgs`)
  gets its base's docstring here.
"""

import json
import sys
from collections.abc import Sequence
from typing import Any, Optional

import pulumi.provider
from pulumi import ComponentResource
from pulumi.output import Inputs
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema

from . import PACKAGE_NAME, PROVIDER_COMPONENTS
from ._args import attribute_docstrings, deferred_kind

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
            return bool(prop.ref) or prop.type == PropertyType.INTEGER
        if prop.ref and not isinstance(value, dict):
            type_def = self.get_type_definition(prop)
            return type_def is not None and not type_def.enum  # an object given as something else
        return False

    def map_input_properties(
        self,
        inputs: Inputs,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Inputs:
        if not isinstance(inputs, dict):
            # An Output (or unknown) where an object belongs, e.g. an item of a list of objects.
            return inputs
        held = {name: inputs[name] for name, prop in properties.items() if self._passed_through(prop, inputs.get(name))}
        rest = {name: prop for name, prop in properties.items() if name not in held}
        mapped = super().map_input_properties(inputs, rest, mapping, component_name, property_path)
        return {**mapped, **{mapping[name]: value for name, value in held.items()}}


def serve(args: Sequence[str] | None = None) -> None:
    """Serve the provider to the Pulumi engine (the plugin's entry point); blocks until it stops."""
    pulumi.provider.main(FargatelbProvider(), list(sys.argv[1:] if args is None else args))
