"""Read a `Pulumi.<stack>.yaml` strictly, into the config the Pulumi engine would hand the program.

The offline preview reads stack files itself, so it must refuse what the CLI refuses and never
read a file differently from it:

- YAML as Pulumi reads it (`yamlv3`: Go's yaml.v3 scalars, duplicate keys and aliases refused);
- the file must be a mapping with a `config:` section, and only the keys a stack file may hold:
  `config`, `secretsprovider`, `encryptedkey`, `encryptionsalt`, `environment`;
- `environment:` (Pulumi ESC imports) can't be resolved offline: the imports are returned so the
  preview can say, at the top, that values they set are checked only by a real `pulumi preview`;
- encrypted values (`secure: v1:...`) can't be decrypted offline: allowed for the provider's own
  `aws:` keys (offline, the provider isn't called), refused for the program's own settings.

Every error is a StackFileError naming the file, and the key or the line. `StackFile.lines` says
where each key is, for annotations on the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yamlv3 import StackFileError, parse_yaml

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
    lines: dict[str, int] = field(default_factory=dict)
    """Line of each config key by its full path (`myproj:web.healthCheck.port`)."""

    def line_of(self, key: str | None) -> int | None:
        """The line of `key`, or of the nearest enclosing key the file sets (`myproj:web` for
        `myproj:web.containerPort` left at its default)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else None
        return None


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
        raise StackFileError(
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


def _encrypted(source: str, key: str) -> str:
    return (
        f"{source}: {key}: is encrypted (secure:), which the offline preview can't decrypt; only the provider's "
        "aws: keys may be (fargatelb services take secrets as ARNs in `secrets`, never as values)"
    )


def read_stack_text(text: str, source: str, project: str) -> StackFile:
    """Parse a stack file's text; `source` names it in errors."""
    document, lines = parse_yaml(text, source)
    if document is None:
        raise StackFileError(
            f"{source}: is empty; a stack file needs a `config:` section with at least aws:region, e.g.\n"
            f"config:\n  aws:region: eu-west-1\n  {project}:web: {{}}"
        )
    if not isinstance(document, dict):
        raise StackFileError(f"{source}: must be a mapping with a `config:` section, got a {type(document).__name__}")
    for key in document:
        if key not in STACK_FILE_KEYS:
            raise StackFileError(
                f"{source}: {key}: is not a stack file key (allowed: {', '.join(STACK_FILE_KEYS)})"
                + _suggest(key, STACK_FILE_KEYS)
            )
    for key in ("secretsprovider", "encryptedkey", "encryptionsalt"):
        if key in document and not isinstance(document[key], str):
            raise StackFileError(f"{source}: {key}: must be a string, got {document[key]!r}")
    environments = _environments(document.get("environment", None), source) if "environment" in document else ()
    if "config" not in document:
        raise StackFileError(
            f"{source}: has no `config:` section; the program reads aws:region and its {project}:* settings from there"
        )
    config = document["config"]
    if not isinstance(config, dict) or not config:
        raise StackFileError(f"{source}: config: must be a mapping of settings (at least aws:region), got {config!r}")
    for key, value in config.items():
        _plain(value, key, source)

    flat: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for key, value in config.items():
        if key.count(":") > 1 or key.startswith(":") or key.endswith(":"):
            raise StackFileError(f"{source}: {key}: config keys are `namespace:name` or `name`, with one colon at most")
        full = key if ":" in key else f"{project}:{key}"
        if full in flat:
            raise StackFileError(f"{source}: {full}: is set twice, as {spelled[full]!r} and {key!r}")
        spelled[full] = key
        if value is None:
            raise StackFileError(f"{source}: {full}: has no value; set one or remove the key")
        if _secure(value):
            if not full.startswith("aws:"):
                raise StackFileError(_encrypted(source, full))
            flat[full] = SECURE_PLACEHOLDER
            continue
        nested = _find_secure(value, full)
        if nested:
            raise StackFileError(_encrypted(source, nested))
        try:
            flat[full] = value if isinstance(value, str) else json.dumps(value)
        except (ValueError, RecursionError):
            raise StackFileError(f"{source}: {full}: can't be read as a config value") from None
    keyed = {(k if ":" in k.split(".")[0].split("[")[0] else f"{project}:{k}"): v for k, v in lines.items()}
    return StackFile(source=source, config=flat, environments=environments, lines=keyed)


def _environments(value: Any, source: str) -> tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    if isinstance(value, dict) and value:
        return ("(an inline environment definition)",)
    raise StackFileError(
        f"{source}: environment: must list the Pulumi ESC environments the stack imports, e.g. "
        f"[my-org/prod], got {value!r}"
    )


def read_stack_file(path: Path, project: str, source: str | None = None) -> StackFile:
    source = source or path.name
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise StackFileError(f"{source}: can't be read: {err.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise StackFileError(f"{source}: is not UTF-8 text (byte {err.start})") from None
    return read_stack_text(text, source, project)
