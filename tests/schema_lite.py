"""A small JSON Schema (2020-12) validator for the keywords report.schema.json uses: type, enum,
const, properties, required, additionalProperties, items, minimum, oneOf, $ref to #/$defs.
An unknown keyword is an error, so the schema can't quietly use one this doesn't check."""

from typing import Any

TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "number": (int, float),
    "integer": int,
}
KNOWN = {"$schema", "title", "description", "type", "enum", "const", "properties", "required",
         "additionalProperties", "items", "minimum", "oneOf", "$ref", "$defs"}  # fmt: skip


def _is(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("number", "integer"):
        return False
    return isinstance(value, TYPES[name])


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, at: str = "$") -> list[str]:
    root = root or schema
    unknown = set(schema) - KNOWN
    if unknown:
        return [f"{at}: schema keyword(s) {sorted(unknown)} not supported"]
    if "$ref" in schema:
        return errors(value, root["$defs"][schema["$ref"].removeprefix("#/$defs/")], root, at)
    found: list[str] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, n) for n in names):
            return [f"{at}: {value!r:.60} is not {' or '.join(names)}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: {value!r} is not {schema['const']!r}")
    if "minimum" in schema and _is(value, "number") and value < schema["minimum"]:
        found.append(f"{at}: {value} < {schema['minimum']}")
    if "oneOf" in schema:
        branches = [errors(value, s, root, at) for s in schema["oneOf"]]
        if sum(1 for b in branches if not b) != 1:
            found.append(f"{at}: matches {sum(1 for b in branches if not b)} of oneOf, not exactly one")
            # Say why the branch of the value's own type failed, too.
            found += [e for b in branches for e in b if not e.startswith(f"{at}: ") or " is not " not in e]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{at}: {key} is required")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                found += errors(item, properties[key], root, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{at}: {key} is not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += errors(item, schema["additionalProperties"], root, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += errors(item, schema["items"], root, f"{at}[{i}]")
    return found
