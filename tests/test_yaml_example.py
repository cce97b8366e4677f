"""examples/yaml-program checked against the schema the package serves, as `pulumi package add`
would make it available: every resource type exists, every property is an input of its type with a
compatible value, required inputs are set, and every `${...}` names something that exists.

The checker knows nothing of fargatelb's components: it reads the schema, so it keeps working when
the components' arguments change (then the example must change with them, and this test says where).
"""

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from fargatelb import PACKAGE_NAME
from fargatelb.provider import FargatelbProvider

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "yaml-program"
REFERENCE = re.compile(r"^\$\{([A-Za-z_][\w-]*)((?:\.[A-Za-z_]\w*|\[\d+\])*)\}$")
CONFIG_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "List<String>": {"type": "array", "items": {"type": "string"}},
    "List<Integer>": {"type": "array", "items": {"type": "integer"}},
}


@cache
def schema() -> dict[str, Any]:
    return json.loads(FargatelbProvider().schema)  # type: ignore[no-any-return]


def program() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())  # type: ignore[no-any-return]


@dataclass
class Checker:
    """Checks a Pulumi YAML program's use of one package against that package's schema."""

    schema: dict[str, Any]
    program: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def token(self, given: str) -> str:
        parts = given.split(":")
        return f"{parts[0]}:index:{parts[1]}" if len(parts) == 2 else given  # `pkg:Type` is `pkg:index:Type`

    def resolve(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A property spec with a `#/types/...` reference replaced by the type it names."""
        ref = spec.get("$ref", "")
        if ref.startswith("#/types/"):
            return {**self.schema["types"][ref.removeprefix("#/types/")], "plain": spec.get("plain")}
        return spec

    def check(self) -> list[str]:
        resources = self.program.get("resources") or {}
        for name, resource in resources.items():
            token = self.token(resource.get("type", ""))
            declared = self.schema["resources"].get(token)
            if declared is None:
                self.problems.append(
                    f"resources.{name}: type {resource.get('type')!r} is not in the {self.schema['name']} schema"
                )
                continue
            properties = resource.get("properties") or {}
            inputs = declared.get("inputProperties", {})
            for key in declared.get("requiredInputs", []):
                if key not in properties:
                    self.problems.append(f"resources.{name}.properties: required input {key!r} is missing")
            for key, value in properties.items():
                if key not in inputs:
                    self.problems.append(
                        f"resources.{name}.properties.{key}: not an input of {token}; inputs: {sorted(inputs)}"
                    )
                else:
                    self.value(f"resources.{name}.properties.{key}", inputs[key], value)
        for key, value in (self.program.get("outputs") or {}).items():
            self.reference(f"outputs.{key}", value)
        return self.problems

    def reference(self, where: str, text: str) -> tuple[dict[str, Any], bool] | None:
        """The spec a `${...}` stands for and whether it is known at preview (config), or None after
        reporting it."""
        match = REFERENCE.match(text)
        if not match:
            self.problems.append(f"{where}: {text!r} is not a single ${{...}} reference this checker reads")
            return None
        root, path = match.group(1), re.findall(r"\.(\w+)|\[(\d+)\]", match.group(2))
        config = self.program.get("config") or {}
        resources = self.program.get("resources") or {}
        if root in config and root not in resources:
            if path:
                self.problems.append(f"{where}: config {root!r} has no properties")
                return None
            return CONFIG_TYPES.get((config[root] or {}).get("type", "string"), {}), True
        if root not in resources:
            self.problems.append(f"{where}: {root!r} is neither a resource nor a config key of the program")
            return None
        token = self.token(resources[root].get("type", ""))
        if token not in self.schema["resources"]:
            return None  # reported with the resource
        spec: dict[str, Any] = {"$ref": f"#/resources/{token}"}
        for attribute, index in path:
            if attribute:
                ref = spec.get("$ref", "").split("#", 1)[-1]
                outputs = (
                    self.schema["resources"][ref.removeprefix("/resources/")]["properties"]
                    if ref.startswith("/resources/")
                    else self.resolve(spec).get("properties", {})
                )
                if attribute not in outputs:
                    self.problems.append(
                        f"{where}: {root} ({token}) has no output {attribute!r}; outputs: {sorted(outputs)}"
                    )
                    return None
                spec = outputs[attribute]
            elif spec.get("type") == "array":
                spec = spec["items"]
            else:
                self.problems.append(f"{where}: [{index}] on something that is not a list")
                return None
        return spec, False

    def compatible(self, given: dict[str, Any], wanted: dict[str, Any]) -> bool:
        if "$ref" in wanted or "$ref" in given:
            # A resource reference may carry the package's schema URL before the `#`.
            return str(given.get("$ref")).split("#")[-1] == str(wanted.get("$ref")).split("#")[-1]
        kind, want = given.get("type"), wanted.get("type")
        if want == "number" and kind == "integer":
            return True
        if kind != want:
            return False
        if want == "array":
            return self.compatible(given.get("items", {}), wanted.get("items", {}))
        if want == "object" and "additionalProperties" in wanted:
            return self.compatible(given.get("additionalProperties", {}), wanted["additionalProperties"])
        return True

    def value(self, where: str, spec: dict[str, Any], value: Any) -> None:
        if isinstance(value, str) and value.startswith("${"):
            found = self.reference(where, value)
            if found is None:
                return
            given, known = found
            if spec.get("plain") and not known:
                self.problems.append(f"{where}: a plain input (known at preview) can't take the output {value}")
            if not self.compatible(given, spec):
                self.problems.append(
                    f"{where}: {value} is {self.describe(given)}, the input wants {self.describe(spec)}"
                )
            return
        resolved = self.resolve(spec)
        if "enum" in resolved:
            allowed = [member["value"] for member in resolved["enum"]]
            if value not in allowed:
                self.problems.append(f"{where}: {value!r} is not one of {allowed}")
            return
        kind = resolved.get("type")
        if kind == "array":
            if not isinstance(value, list):
                self.problems.append(f"{where}: wants a list, got {value!r}")
                return
            for i, item in enumerate(value):
                self.value(f"{where}[{i}]", resolved.get("items", {}), item)
        elif kind == "object":
            if not isinstance(value, dict):
                self.problems.append(f"{where}: wants an object, got {value!r}")
                return
            if "properties" in resolved:
                properties = resolved["properties"]
                for key in resolved.get("required", []):
                    if key not in value:
                        self.problems.append(f"{where}: required property {key!r} is missing")
                for key, item in value.items():
                    if key not in properties:
                        self.problems.append(f"{where}.{key}: not a property; properties: {sorted(properties)}")
                    else:
                        self.value(f"{where}.{key}", properties[key], item)
            else:
                for key, item in value.items():
                    self.value(f"{where}.{key}", resolved.get("additionalProperties", {}), item)
        elif not self.literal_fits(kind, value):
            self.problems.append(f"{where}: wants {kind}, got {value!r}")

    @staticmethod
    def literal_fits(kind: str | None, value: Any) -> bool:
        if kind == "string":
            return isinstance(value, str)
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if kind == "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        return True

    def describe(self, spec: dict[str, Any]) -> str:
        if "$ref" in spec:
            return spec["$ref"].rsplit("/", 1)[-1]
        if spec.get("type") == "array":
            return f"a list of {self.describe(spec.get('items', {}))}"
        return str(spec.get("type"))


def problems(document: dict[str, Any]) -> list[str]:
    return Checker(schema(), document).check()


def test_the_example_is_a_yaml_program_using_the_package_as_package_add_records_it() -> None:
    document = program()
    assert document["runtime"] == "yaml"
    source = (EXAMPLE / document["packages"][PACKAGE_NAME]).resolve()
    assert source == ROOT / "components" and (source / "PulumiPlugin.yaml").is_file()
    types = {Checker(schema(), document).token(r["type"]) for r in document["resources"].values()}
    assert types <= set(schema()["resources"]) and len(types) >= 2


def test_the_example_uses_only_what_the_schema_declares() -> None:
    assert problems(program()) == []


# ---------------------------------------------------------------------------------------------
# The checker is not vacuous: one mistake each, planted generically in the example


def first(document: dict[str, Any], want: Any) -> tuple[str, tuple[str, ...]] | None:
    """The first (resource, property path) of the example whose input spec satisfies `want`, looking
    inside objects too (a handle's fields: `("network", "vpcId")`)."""
    checker = Checker(schema(), document)

    def walk(spec: dict[str, Any], value: Any, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if want(spec, value):
            return path
        resolved = checker.resolve(spec)
        if isinstance(value, dict) and "properties" in resolved:
            for key, item in value.items():
                if key in resolved["properties"]:
                    found = walk(resolved["properties"][key], item, (*path, key))
                    if found:
                        return found
        return None

    for name, resource in document["resources"].items():
        inputs = schema()["resources"][checker.token(resource["type"])]["inputProperties"]
        for key, value in (resource.get("properties") or {}).items():
            found = walk(inputs[key], value, (key,))
            if found:
                return name, found
    return None


def set_at(document: dict[str, Any], resource: str, path: tuple[str, ...], value: Any) -> None:
    properties = document["resources"][resource]["properties"]
    for key in path[:-1]:
        properties = properties[key]
    properties[path[-1]] = value


def get_at(document: dict[str, Any], resource: str, path: tuple[str, ...]) -> Any:
    value = document["resources"][resource]["properties"]
    for key in path:
        value = value[key]
    return value


def planted(change: Any) -> list[str]:
    document = copy.deepcopy(program())
    change(document)
    return problems(document)


def test_an_unknown_property_is_caught() -> None:
    def change(document: dict[str, Any]) -> None:
        next(iter(document["resources"].values())).setdefault("properties", {})["notAnInput"] = 1

    assert any("notAnInput: not an input of" in p for p in planted(change))


def test_a_missing_required_input_is_caught() -> None:
    def change(document: dict[str, Any]) -> None:
        for resource in document["resources"].values():
            required = schema()["resources"][Checker(schema(), document).token(resource["type"])].get("requiredInputs")
            if required:
                del resource["properties"][required[0]]
                return
        pytest.skip("no resource of the example has a required input")

    assert any("required input" in p for p in planted(change))


def test_a_literal_of_the_wrong_type_is_caught() -> None:
    target = first(program(), lambda spec, value: spec.get("type") == "integer" and isinstance(value, int))
    if target is None:
        pytest.skip("the example sets no integer")
    name, path = target
    found = planted(lambda d: set_at(d, name, path, "eighty"))
    assert found == [f"resources.{name}.properties.{'.'.join(path)}: wants integer, got 'eighty'"]


def outputs_of(resource: str) -> dict[str, Any]:
    document = program()
    return schema()["resources"][Checker(schema(), document).token(document["resources"][resource]["type"])][
        "properties"
    ]  # type: ignore[no-any-return]


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and "." in value


def test_an_output_given_to_a_plain_input_is_caught() -> None:
    target = first(program(), lambda spec, value: spec.get("plain") and not isinstance(value, dict | list))
    assert target, "the example sets no plain value"
    name, path = target
    source = next(r for r in program()["resources"] if outputs_of(r))
    output = f"${{{source}.{next(iter(outputs_of(source)))}}}"
    found = planted(lambda d: set_at(d, name, path, output))
    where = f"resources.{name}.properties.{'.'.join(path)}"
    assert f"{where}: a plain input (known at preview) can't take the output {output}" in found


def test_a_reference_to_an_output_that_does_not_exist_is_caught() -> None:
    target = first(program(), lambda spec, value: is_reference(value))
    assert target, "the example passes no output on"
    name, path = target
    source = get_at(program(), name, path)[2:].split(".")[0]
    found = planted(lambda d: set_at(d, name, path, f"${{{source}.nope}}"))
    assert len(found) == 1 and "has no output 'nope'" in found[0], found


def test_a_reference_to_an_output_of_the_wrong_type_is_caught() -> None:
    reference = first(program(), lambda spec, value: is_reference(value) and spec.get("type") == "string")
    assert reference, "the example passes no output on"
    name, path = reference
    lists = [
        (r, output)
        for r in program()["resources"]
        for output, spec in outputs_of(r).items()
        if spec.get("type") == "array"
    ]
    assert lists, "no resource of the example has a list output"
    resource, output = lists[0]
    found = planted(lambda d: set_at(d, name, path, f"${{{resource}.{output}}}"))
    assert found == [
        f"resources.{name}.properties.{'.'.join(path)}: ${{{resource}.{output}}} is a list of string, "
        "the input wants string"
    ]


def test_an_unknown_resource_type_and_a_dangling_output_are_caught() -> None:
    def change(document: dict[str, Any]) -> None:
        document["resources"]["extra"] = {"type": f"{PACKAGE_NAME}:index:NoSuchComponent"}
        document["outputs"]["dangling"] = "${nowhere.id}"

    found = planted(change)
    assert any("NoSuchComponent' is not in the fargatelb schema" in p for p in found)
    assert any("outputs.dangling: 'nowhere' is neither a resource nor a config key" in p for p in found)


def test_a_component_given_for_its_handle_is_caught() -> None:
    """`network: ${network}` would send the component's URN, which carries none of its outputs: the
    schema wants the handle's fields (`fargatelb.provider` says how a handle is passed)."""
    target = first(program(), lambda spec, value: str(spec.get("$ref", "")).endswith(":NetworkRef"))
    assert target, "the example passes no network handle"
    name, path = target
    source = next(r for r, resource in program()["resources"].items() if resource["type"].endswith("PrivateNetwork"))
    found = planted(lambda d: set_at(d, name, path, f"${{{source}}}"))
    where = f"resources.{name}.properties.{'.'.join(path)}"
    wanted = f"{PACKAGE_NAME}:index:NetworkRef"
    assert f"{where}: ${{{source}}} is {PACKAGE_NAME}:index:PrivateNetwork, the input wants {wanted}" in found
