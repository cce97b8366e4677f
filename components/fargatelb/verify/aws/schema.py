"""A small JSON Schema validator for the CloudFormation resource schemas cfn-lint ships.

It implements the draft-07 keywords those schemas use to constrain values (type, enum, const,
pattern, lengths, ranges, multipleOf, items, properties, required, allOf/anyOf/oneOf/not,
if/then/else, $ref, boolean schemas); annotations (`description`, `format`, `insertionOrder`, ...)
are ignored. `tests/test_aws_rules.py` fails if the extracted schemas use a keyword that
constrains a value and isn't implemented here, so nothing is silently skipped.

Patterns use the `regex` module, as cfn-lint does: AWS's patterns use `\\p{L}` classes and inline
flags Python's `re` doesn't accept.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import regex

from ..values import as_number
from .bridge import UNKNOWN

# Keywords that only annotate (or that cfn-lint uses for its own bookkeeping): no constraint.
ANNOTATIONS = frozenset(
    {
        "$comment", "description", "title", "examples", "default", "format", "insertionOrder",
        "arrayType", "relationshipRef", "additionalItems", "$schema", "$id", "markdownDescription",
        "patternProperties", "additionalProperties", "uniqueItems", "propertyNames", "dependencies",
        "maxProperties", "minProperties", "anyOfDefault", "awsType", "enumDescriptions",
    }
)  # fmt: skip
CONSTRAINTS = frozenset(
    {
        "type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "items",
        "contains", "properties", "required", "allOf", "anyOf", "oneOf", "not", "if", "then",
        "else", "$ref", "definitions", "enumCaseInsensitive", "uniqueKeys", "dependentExcluded",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Violation:
    path: tuple[str | int, ...]
    """Where in the document: property names and list indexes."""
    keyword: str
    expected: Any
    value: Any

    def describe(self) -> str:
        k, e = self.keyword, self.expected
        if k == "pattern":
            return f"must match the pattern {e}"
        if k == "enum":
            return "must be one of " + ", ".join(repr(v) for v in e)
        if k == "const":
            return f"must be {e!r}"
        if k in ("minLength", "maxLength"):
            return f"must be {'at least' if k == 'minLength' else 'at most'} {e} characters (is {len(self.value)})"
        if k in ("minItems", "maxItems"):
            return f"must have {'at least' if k == 'minItems' else 'at most'} {e} items (has {len(self.value)})"
        if k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                     "exclusiveMaximum": "less than"}  # fmt: skip
            return f"must be {words[k]} {e}"
        if k == "multipleOf":
            return f"must be a multiple of {e}"
        if k == "type":
            return f"must be of type {e}"
        if k == "required":
            return f"requires {e}"
        if k == "false":
            return "is not allowed here"
        if k == "not":
            return "is not allowed in this combination"
        if k == "uniqueKeys":
            return f"has two items with the same {e}"
        if k == "dependentExcluded":
            return "can't combine " + ", ".join(f"{a} with {' or '.join(b)}" for a, b in e.items())
        return f"fails {k}"


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


def _is_type(value: Any, kind: str) -> bool:
    # CloudFormation coerces scalars across types ("80" is an integer, 80 a string), and the mocks
    # send every number as a float: accept what AWS would accept.
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if isinstance(value, bool):
        return kind == "string"
    if kind == "integer":
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and value.lstrip("-").isdigit()
    if kind == "number":
        if isinstance(value, int | float):
            return True
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return True
    if kind == "string":
        return isinstance(value, str | int | float)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list | tuple)
    return True


def _equal(a: Any, b: Any) -> bool:
    # "8080" and 8080 are the same value to CloudFormation.
    if a == b and type(a) is type(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    na, nb = as_number(a), as_number(b)
    if na is not None and nb is not None and not isinstance(a, list | dict) and not isinstance(b, list | dict):
        return na == nb
    return bool(a == b)


class Validator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def errors(self, instance: Any, schema: Any, path: tuple[str | int, ...] = ()) -> Iterator[Violation]:
        """Every violation of `schema` by `instance`. A value unknown in a preview yields one
        `unknown` violation wherever a constraint would judge it (callers decide what it means)."""
        if schema is True or schema is None:
            return
        if instance is UNKNOWN:
            if schema is False or (isinstance(schema, Mapping) and CONSTRAINTS & schema.keys()):
                yield Violation(path, "unknown", None, instance)
            return
        if schema is False:
            yield Violation(path, "false", None, instance)
            return
        if "$ref" in schema:
            target: Any = self.root
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            yield from self.errors(instance, target, path)
        kinds = schema.get("type")
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not any(_is_type(instance, k) for k in kinds):
                yield Violation(path, "type", " or ".join(kinds), instance)
                return
        if "enum" in schema and not any(_equal(instance, e) for e in schema["enum"]):
            yield Violation(path, "enum", schema["enum"], instance)
        if "enumCaseInsensitive" in schema and str(instance).lower() not in {
            str(e).lower() for e in schema["enumCaseInsensitive"]
        }:
            yield Violation(path, "enum", schema["enumCaseInsensitive"], instance)
        if "const" in schema and not _equal(instance, schema["const"]):
            yield Violation(path, "const", schema["const"], instance)
        if isinstance(instance, str):
            yield from self._string(instance, schema, path)
        if ((number := as_number(instance)) is not None and not isinstance(instance, str | bool)) or (
            isinstance(instance, str) and (number := as_number(instance)) is not None and _numeric_schema(schema)
        ):
            yield from self._number(number, instance, schema, path)
        if isinstance(instance, list | tuple):
            yield from self._array(list(instance), schema, path)
        if isinstance(instance, Mapping):
            yield from self._object(instance, schema, path)
        yield from self._combinators(instance, schema, path)

    def valid(self, instance: Any, schema: Any) -> bool | None:
        """True, False, or None when it depends on a value not known yet."""
        unknown = False
        for violation in self.errors(instance, schema):
            if violation.keyword != "unknown":
                return False
            unknown = True
        return None if unknown else True

    def _string(self, value: str, schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Iterator[Violation]:
        if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
            yield Violation(path, "pattern", schema["pattern"], value)
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield Violation(path, "minLength", schema["minLength"], value)
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield Violation(path, "maxLength", schema["maxLength"], value)

    def _number(
        self, number: float, value: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]
    ) -> Iterator[Violation]:
        checks = (
            ("minimum", lambda b: number < b),
            ("maximum", lambda b: number > b),
            ("exclusiveMinimum", lambda b: number <= b),
            ("exclusiveMaximum", lambda b: number >= b),
        )
        for keyword, broken in checks:
            if keyword in schema and broken(schema[keyword]):
                yield Violation(path, keyword, schema[keyword], value)
        if "multipleOf" in schema:
            quotient = number / schema["multipleOf"]
            if not math.isclose(quotient, round(quotient)):
                yield Violation(path, "multipleOf", schema["multipleOf"], value)

    def _array(self, items: list[Any], schema: Mapping[str, Any], path: tuple[str | int, ...]) -> Iterator[Violation]:
        if "minItems" in schema and len(items) < schema["minItems"]:
            yield Violation(path, "minItems", schema["minItems"], items)
        if "maxItems" in schema and len(items) > schema["maxItems"]:
            yield Violation(path, "maxItems", schema["maxItems"], items)
        if "items" in schema:
            for i, item in enumerate(items):
                if item is not None:  # unknown in a preview
                    yield from self.errors(item, schema["items"], (*path, i))
        if "contains" in schema:
            verdicts = [self.valid(i, schema["contains"]) for i in items]
            if True not in verdicts and None not in verdicts:
                yield Violation(path, "contains", schema["contains"], items)
        for key in schema.get("uniqueKeys", ()):  # cfn-lint's: no two items share this key's value
            seen = [i.get(key) for i in items if isinstance(i, Mapping) and i.get(key) is not None]
            if len(seen) != len(set(map(str, seen))):
                yield Violation(path, "uniqueKeys", key, items)

    def _object(
        self, obj: Mapping[str, Any], schema: Mapping[str, Any], path: tuple[str | int, ...]
    ) -> Iterator[Violation]:
        missing = [k for k in schema.get("required", ()) if k not in obj]
        if missing:
            yield Violation(path, "required", missing, dict(obj))
        for key, excluded in (schema.get("dependentExcluded") or {}).items():
            clash = [e for e in excluded if key in obj and e in obj]
            if clash:
                yield Violation(path, "dependentExcluded", {key: clash}, dict(obj))
        for key, sub in (schema.get("properties") or {}).items():
            if key in obj and obj[key] is not None:
                yield from self.errors(obj[key], sub, (*path, key))

    def _combinators(
        self, instance: Any, schema: Mapping[str, Any], path: tuple[str | int, ...]
    ) -> Iterator[Violation]:
        for sub in schema.get("allOf", ()):
            yield from self.errors(instance, sub, path)
        # A combinator that depends on an unknown value is undecided: it reports nothing.
        if "anyOf" in schema:
            verdicts = [self.valid(instance, s) for s in schema["anyOf"]]
            if True not in verdicts and None not in verdicts:
                yield Violation(path, "anyOf", schema["anyOf"], instance)
        if "oneOf" in schema:
            verdicts = [self.valid(instance, s) for s in schema["oneOf"]]
            if None not in verdicts and verdicts.count(True) != 1:
                yield Violation(path, "oneOf", schema["oneOf"], instance)
        if "not" in schema and self.valid(instance, schema["not"]) is True:
            yield Violation(path, "not", schema["not"], instance)
        if "if" in schema:
            condition = self.valid(instance, schema["if"])
            branch = None if condition is None else schema.get("then") if condition else schema.get("else")
            if branch is not None:
                yield from self.errors(instance, branch, path)


def _numeric_schema(schema: Mapping[str, Any]) -> bool:
    return any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"))
