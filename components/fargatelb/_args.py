"""Argument plumbing shared by every component: the error type, range checks, and dict → dataclass.

Arguments arrive three ways: as a dataclass from a Python program, as a plain dict from the
multi-language provider (`component_provider_host` passes schema inputs as dicts), and as a
camelCase object from a stack's config. `from_mapping` turns the last two into the first, so each
component validates one shape, and errors name the same field path whichever way it came.
"""

import dataclasses
import enum
import inspect
import re
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class InvalidArgument(ValueError):
    """A component argument is missing or out of range.

    `field` is the dotted snake_case path inside the Args dataclass (`scaling.max_count`), so the
    stack-config layer can re-label it with the config key it came from (`web.scaling.maxCount`).
    """

    def __init__(self, owner: str, field: str, problem: str) -> None:
        self.owner = owner
        self.field = field
        self.problem = problem
        super().__init__(f"{owner}.{field}: {problem}")


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(camel_case: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel_case).lower()


def default(value: T | None, fallback: T) -> T:
    """The argument, or its default when unset (None): falsy values like 0 or [] are kept."""
    return fallback if value is None else value


def check_int(owner: str, field: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(owner, field, f"must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise InvalidArgument(owner, field, f"must be from {low} to {high}, got {value}")
    return value


def check_port(owner: str, field: str, value: int) -> int:
    return check_int(owner, field, value, 1, 65535)


def check_choice(owner: str, field: str, value: Any, allowed: Iterable[Any]) -> Any:
    allowed = list(allowed)
    if value not in allowed:
        names = ", ".join(repr(a.value if isinstance(a, enum.Enum) else a) for a in allowed)
        raise InvalidArgument(owner, field, f"must be one of {names}, got {value!r}")
    return value


# Retention periods CloudWatch Logs accepts; anything else fails only at deploy time.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip


def check_retention(owner: str, field: str, value: int) -> int:
    return check_choice(owner, field, value, LOG_RETENTION_DAYS)


# AWS tag limits every taggable resource shares (Tagging AWS resources, "Tag naming limits and
# requirements": https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html).
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
_TAG_PUNCTUATION = set("_.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    return all(c.isalnum() or c.isspace() or c in _TAG_PUNCTUATION for c in text)


def check_tags(
    owner: str,
    field: str,
    tags: Any,
    *,
    reserved: tuple[str, ...] = ("Name",),
    inherited: Mapping[str, str] | None = None,
    inherited_from: str = "the AWS provider's default tags",
) -> dict[str, str]:
    """Tags AWS accepts on every resource type the components create. `reserved` keys are set by
    the components themselves (each resource's `Name`), so a stack's value would be overwritten.
    `inherited` are tags every resource also gets from elsewhere (the provider's default tags, which
    it merges in before AWS counts them: a key of both counts once)."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise InvalidArgument(owner, field, f"must be an object of tag names to values, got {tags!r}")
    extra = [key for key in inherited or {} if key not in tags and key not in reserved]
    limit = MAX_TAGS - len(reserved) - len(extra)
    if len(tags) > limit:
        also = f", {len(extra)} from {inherited_from}" if extra else ""
        raise InvalidArgument(
            owner,
            field,
            f"has {len(tags)} tags; at most {max(limit, 0)} (AWS allows {MAX_TAGS} per resource, counting "
            f"{', '.join(reserved)} which the components add{also})",
        )
    for key, value in tags.items():
        where = f"{field}.{key}"
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY:
            raise InvalidArgument(owner, where, f"a tag key must be 1–{MAX_TAG_KEY} characters, got {key!r}")
        if key.lower().startswith("aws:"):
            raise InvalidArgument(owner, where, "tag keys starting with 'aws:' are reserved for AWS")
        if key in reserved:
            raise InvalidArgument(owner, where, "is set by the components on every resource; use another key")
        if not isinstance(value, str):
            raise InvalidArgument(owner, where, f"a tag value must be a string, got {value!r}")
        if len(value) > MAX_TAG_VALUE:
            raise InvalidArgument(owner, where, f"a tag value is at most {MAX_TAG_VALUE} characters, got {len(value)}")
        for text in (key, value):
            if not _tag_text_ok(text):
                raise InvalidArgument(
                    owner, where, f"tags may hold letters, digits, spaces and _ . : / = + - @ only, got {text!r}"
                )
    return dict(tags)


def _unwrap_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _unwrap_optional(members[0])
        # pulumi.Input[T] is Union[T, Awaitable[T], Output[T]]: the plain member is the config shape.
        return _unwrap_optional(members[0])
    return tp


def _convert(owner: str, path: str, tp: Any, value: Any, *, camel_keys: bool, allow_empty: bool = False) -> Any:
    """`value` checked against the annotation `tp`. An empty string is refused unless `allow_empty`
    (values of a mapping, e.g. an environment variable or tag): `image: ""` means a mistake, never
    "use the default"."""
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if dataclasses.is_dataclass(value):
            return value
        if not isinstance(value, Mapping):
            raise InvalidArgument(owner, path, f"must be an object, got {value!r}")
        return from_mapping(tp, value, owner=owner, prefix=path, camel_keys=camel_keys)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(value, tp):
            return value
        try:
            return tp(value)
        except ValueError:
            check_choice(owner, path, value, [m.value for m in tp])
    if origin is list:
        if not isinstance(value, list | tuple):
            raise InvalidArgument(owner, path, f"must be a list, got {value!r}")
        (item,) = typing.get_args(tp)
        return [_convert(owner, f"{path}[{i}]", item, v, camel_keys=camel_keys) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise InvalidArgument(owner, path, f"must be an object, got {value!r}")
        _, item = typing.get_args(tp)
        return {
            str(k): _convert(owner, f"{path}.{k}", item, v, camel_keys=camel_keys, allow_empty=True)
            for k, v in value.items()
        }
    if tp is bool:
        if not isinstance(value, bool):
            raise InvalidArgument(owner, path, f"must be true or false, got {value!r}")
        return value
    if tp is int:
        # The provider sends numbers as floats; config may hold them as strings of digits.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(owner, path, f"must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidArgument(owner, path, f"must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise InvalidArgument(owner, path, f"must be a string, got {value!r}")
        if not value.strip() and not allow_empty:
            raise InvalidArgument(owner, path, f"must not be empty, got {value!r}; set a value or leave the key out")
        return value
    return value  # Outputs and other Inputs pass through untouched.


def from_mapping(
    cls: type[T],
    data: Mapping[str, Any],
    *,
    owner: str | None = None,
    prefix: str = "",
    camel_keys: bool = True,
    excluded: Iterable[str] = (),
    build: bool = True,
) -> Any:
    """Build the dataclass `cls` from a mapping, checking each key and value type.

    `camel_keys` reads `containerPort`-style keys (config files); unknown keys and `excluded` ones
    (fields a program wires itself) fail with the list of keys that are allowed. With `build=False`
    the checked keyword arguments are returned instead, and required fields may be missing.
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    owner = owner or cls.__name__
    # Not typing.get_type_hints: pulumi.Input holds a forward reference it can't resolve here.
    hints = {k: v for c in reversed(cls.__mro__) for k, v in inspect.get_annotations(c).items()}
    excluded = set(excluded)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in excluded}
    key_of = camel if camel_keys else (lambda s: s)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = snake(key) if camel_keys else key
        if name not in fields or (camel_keys and key != camel(name)):
            allowed = ", ".join(sorted(key_of(f) for f in fields))
            where = f"{prefix}.{key}" if prefix else key
            raise InvalidArgument(owner, where, f"is not a known setting; allowed: {allowed}")
        if value is None:
            continue
        path = f"{prefix}.{name}" if prefix else name
        kwargs[name] = _convert(owner, path, hints[name], value, camel_keys=camel_keys)
    if not build:
        return kwargs
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in kwargs:
            path = f"{prefix}.{name}" if prefix else name
            raise InvalidArgument(owner, path, "is required")
    return cls(**kwargs)  # type: ignore[return-value]


def coerce_args(cls: type[T], args: Any) -> T:
    """Accept the Args dataclass itself or the dict the multi-language provider passes."""
    if isinstance(args, cls):
        return args
    if isinstance(args, Mapping):
        return from_mapping(cls, args, camel_keys=False)
    raise TypeError(f"expected {cls.__name__} or a mapping, got {type(args).__name__}")
