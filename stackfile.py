"""Read a `Pulumi.<stack>.yaml` strictly, into the config the Pulumi engine would hand the program.

The offline preview reads stack files itself, so it must refuse what the CLI refuses and never
read a file differently from it:

- YAML as Pulumi reads it (Go's yaml.v3): `true`/`false` are the only booleans (`yes`, `on` are
  strings), `0755` is octal, `1:30` is a string; duplicate keys, at any depth, are an error;
- syntax errors name the line and column; anchors and aliases (`&a`, `*a`) are refused, so no
  document can expand into something huge;
- the file must be a mapping with a `config:` section, and only the keys a stack file may hold:
  `config`, `secretsprovider`, `encryptedkey`, `encryptionsalt`, `environment`;
- `environment:` (Pulumi ESC imports) can't be resolved offline: the imports are returned so the
  preview can say, at the top, that values they set are checked only by a real `pulumi preview`;
- encrypted values (`secure: v1:...`) can't be decrypted offline: allowed for the provider's own
  `aws:` keys (offline, the provider isn't called), refused for the program's settings, none of
  which is a secret (task secrets are ARNs).

Every error is a ConfigError naming the file, and the key or the line.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from stack_config import PROJECT, ConfigError

STACK_FILE_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")
SECURE_PLACEHOLDER = "[secret: encrypted in the stack file, not decrypted offline]"


@dataclass(frozen=True)
class StackFile:
    source: str
    """The file as errors name it, e.g. `Pulumi.dev.yaml`."""
    config: dict[str, str]
    """`namespace:key` → value, objects as JSON strings: what the engine passes the program."""
    environments: tuple[str, ...]
    """Pulumi ESC environments the file imports, unresolved offline."""


# --- YAML as yaml.v3 reads it ------------------------------------------------------------------

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
                raise ConfigError(
                    f"{source}:{line}:{key_node.start_mark.column + 1}: {where}: is set twice (lines {seen[key]} "
                    f"and {line}); each key may appear once"
                )
            seen[key] = line
            _check_duplicates(value_node, where, source)


def parse_yaml(text: str, source: str) -> Any:
    """The YAML document in `text`, or a ConfigError naming `source` and the line and column."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        # Under config:, paths read as config keys: `fargate-lb:web.cpu`.
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                top = str(key_node.value)
                _check_duplicates(value_node, "" if top == "config" else top, source)
            _check_duplicates(yaml.MappingNode(node.tag, [(k, yaml.ScalarNode("", "")) for k, _ in node.value]),
                              "", source)  # fmt: skip
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = err.problem or err.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML error: {problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: YAML error: {err}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML error: nested too deeply") from None
    finally:
        loader.dispose()


# --- the stack file's shape ---------------------------------------------------------------------


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _plain(value: Any, path: str, source: str) -> None:
    """Refuse what isn't a config value: dates, binary, sets (explicit YAML tags)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _plain(v, f"{path}.{k}", source)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _plain(v, f"{path}[{i}]", source)
    elif not isinstance(value, str | int | float | bool | type(None)):
        raise ConfigError(
            f"{source}: {path}: a {type(value).__name__} isn't a config value; write it as a string, number, "
            "boolean, list or object"
        )


def _secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _find_secure(value: Any, path: str) -> str | None:
    if _secure(value):
        return path
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := _find_secure(v, f"{path}.{k}"))), None)
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _find_secure(v, f"{path}[{i}]"))), None)
    return None


def read_stack_text(text: str, source: str, project: str = PROJECT) -> StackFile:
    """Parse a stack file's text; `source` names it in errors."""
    document = parse_yaml(text, source)
    if document is None:
        raise ConfigError(
            f"{source}: is empty; a stack file needs a `config:` section with at least aws:region, e.g.\n"
            f"config:\n  aws:region: eu-west-1\n  {project}:web: {{}}"
        )
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: must be a mapping with a `config:` section, got a {type(document).__name__}")
    for key in document:
        if key not in STACK_FILE_KEYS:
            raise ConfigError(
                f"{source}: {key}: is not a stack file key (allowed: {', '.join(STACK_FILE_KEYS)})"
                + _suggest(key, STACK_FILE_KEYS)
            )
    for key in ("secretsprovider", "encryptedkey", "encryptionsalt"):
        if key in document and not isinstance(document[key], str):
            raise ConfigError(f"{source}: {key}: must be a string, got {document[key]!r}")
    environments = _environments(document.get("environment", None), source) if "environment" in document else ()
    if "config" not in document:
        raise ConfigError(
            f"{source}: has no `config:` section; the program reads aws:region and its {project}:* settings from there"
        )
    config = document["config"]
    if not isinstance(config, dict) or not config:
        raise ConfigError(f"{source}: config: must be a mapping of settings (at least aws:region), got {config!r}")
    for key, value in config.items():
        _plain(value, key, source)

    flat: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for key, value in config.items():
        if key.count(":") > 1 or key.startswith(":") or key.endswith(":"):
            raise ConfigError(f"{source}: {key}: config keys are `namespace:name` or `name`, with one colon at most")
        full = key if ":" in key else f"{project}:{key}"
        if full in flat:
            raise ConfigError(f"{source}: {full}: is set twice, as {spelled[full]!r} and {key!r}")
        spelled[full] = key
        if value is None:
            raise ConfigError(f"{source}: {full}: has no value; set one or remove the key")
        if _secure(value):
            if not full.startswith("aws:"):
                raise ConfigError(
                    f"{source}: {full}: is encrypted (secure:), which the offline preview can't decrypt, and no "
                    f"setting of this program is a secret: task secrets are ARNs in {project}:<service>.secrets"
                )
            flat[full] = SECURE_PLACEHOLDER
            continue
        nested = _find_secure(value, full)
        if nested:
            raise ConfigError(
                f"{source}: {nested}: is encrypted (secure:), which the offline preview can't decrypt, and no "
                f"setting of this program is a secret: task secrets are ARNs in {project}:<service>.secrets"
            )
        try:
            flat[full] = value if isinstance(value, str) else json.dumps(value)
        except (ValueError, RecursionError):
            raise ConfigError(f"{source}: {full}: can't be read as a config value") from None
    return StackFile(source=source, config=flat, environments=environments)


def _environments(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    if isinstance(value, dict) and value:
        return ("(an inline environment definition)",)
    raise ConfigError(
        f"{source}: environment: must list the Pulumi ESC environments the stack imports, e.g. "
        f"[my-org/prod], got {value!r}"
    )


def read_stack_file(path: Path, source: str | None = None, project: str = PROJECT) -> StackFile:
    source = source or path.name
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{source}: can't be read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{source}: is not UTF-8 text (byte {err.start})") from None
    return read_stack_text(text, source, project)
