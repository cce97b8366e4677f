"""YAML as the Pulumi CLI reads stack files (Go's yaml.v3), strictly, with the line of every key.

- `true`/`false` are the only booleans (`yes`, `on` are strings), `0755` is octal, `1:30` is a
  string; ints and floats resolve by trying to parse, as yaml.v3 does;
- duplicate keys, at any depth, are an error naming both lines; anchors and aliases are refused, so
  no document can expand into something huge; syntax errors name the line and column.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml


class StackFileError(ValueError):
    """A stack file the CLI would refuse, or read differently; the message names the file first."""


_INT = re.compile(r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) with underscores removed, as yaml.v3 resolves a plain scalar."""
    plain = text.replace("_", "")
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    try:
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        if digits[:2] in ("0o", "0O"):
            return sign * int(digits[2:], 8)
        if digits[:2] in ("0b", "0B"):
            return sign * int(digits[2:], 2)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits[1:], 8)  # Go's base-0 parse: a leading 0 means octal
        return sign * int(digits, 10)
    except ValueError:
        return None


class _Loader(yaml.SafeLoader):
    """SafeLoader with yaml.v3's scalar resolution, duplicate-key and alias refusal."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) aren't supported in stack files: write the value out",
                event.start_mark,
            )  # fmt: skip
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"keys must be strings, got {key!r}", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: Any) -> int:
        value = _go_int(str(self.construct_scalar(node)))
        if value is None:
            raise yaml.constructor.ConstructorError(None, None, "not an integer", node.start_mark)
        return value

    def construct_yaml_float(self, node: Any) -> float:
        text = str(self.construct_scalar(node))
        if text.lower() in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text.lower()]
        try:
            return float(text.replace("_", ""))
        except ValueError:
            raise yaml.constructor.ConstructorError(None, None, "not a number", node.start_mark) from None

    def construct_yaml_bool(self, node: Any) -> bool:
        return str(self.construct_scalar(node)).lower() == "true"


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _Loader.construct_yaml_bool)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+."),
)


def _resolve_number(value: str, implicit: tuple[bool, bool]) -> str | None:
    """Ints and floats resolve by trying to parse, as yaml.v3 does (`08080` is no octal: a float)."""
    if not implicit[0]:
        return None
    if _INT.match(value) and _go_int(value) is not None:
        return "tag:yaml.org,2002:int"
    plain = value.replace("_", "")
    if _FLOAT.match(plain):
        return "tag:yaml.org,2002:float"
    return None


_base_resolve = _Loader.resolve


def _resolve(self: _Loader, kind: Any, value: Any, implicit: Any) -> Any:
    if kind is yaml.ScalarNode and isinstance(value, str) and value and value[0] in "-+0123456789.":
        tag = _resolve_number(value, implicit)
        if tag:
            return tag
    return _base_resolve(self, kind, value, implicit)


_Loader.resolve = _resolve  # type: ignore[method-assign]


def _check_duplicates(node: Any, path: str, source: str) -> None:
    """Refuse a key that appears twice in one mapping, at any depth, naming its path and both lines."""
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(item, f"{path}[{i}]", source)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            where = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                raise StackFileError(
                    f"{source}:{line}:{key_node.start_mark.column + 1}: {where}: is set twice (lines {seen[key]} "
                    f"and {line}); each key may appear once"
                )
            seen[key] = line
            _check_duplicates(value_node, where, source)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """The YAML document in `text` and the line of each key under `config:` (see `key_lines`), or a
    StackFileError naming `source` and the line and column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        # Under config:, paths read as config keys: `fargate-lb:web.cpu`.
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                top = str(key_node.value)
                _check_duplicates(value_node, "" if top == "config" else top, source)
            _check_duplicates(yaml.MappingNode(node.tag, [(k, yaml.ScalarNode("", "")) for k, _ in node.value]),
                              "", source)  # fmt: skip
        return loader.construct_document(node), key_lines(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = err.problem or err.context or "invalid YAML"
        raise StackFileError(f"{where}: YAML error: {problem}") from None
    except yaml.YAMLError as err:
        raise StackFileError(f"{source}: YAML error: {err}") from None
    except RecursionError:
        raise StackFileError(f"{source}: YAML error: nested too deeply") from None
    finally:
        loader.dispose()


def key_lines(root: Any) -> dict[str, int]:
    """Line (1-based) of each key under the document's `config:`, by its path: `aws:region`,
    `myproj:web`, `myproj:web.healthCheck.port`, `myproj:web.secrets[0]`. Keys without a namespace
    are listed as written; `stackfile` adds the project's."""
    lines: dict[str, int] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                where = f"{path}.{key_node.value}" if path else str(key_node.value)
                lines[where] = key_node.start_mark.line + 1
                walk(value_node, where)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[f"{path}[{i}]"] = item.start_mark.line + 1
                walk(item, f"{path}[{i}]")

    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value == "config":
                walk(value_node, "")
    return lines
