"""Argument plumbing shared by every component: the error type, range checks, and dict → dataclass.

Arguments arrive three ways: as a dataclass from a Python program, as a plain dict from the
multi-language provider (`component_provider_host` passes schema inputs as dicts), and as a
camelCase object from a stack's config. `from_mapping` turns the last two into the first, so each
component validates one shape, and errors name the same field path whichever way it came.

Through the provider, an input computed from another resource, or holding a secret, arrives as an
`Output` (nested objects as dicts that may hold Outputs; in a preview a bare unknown value too).
Fields annotated `pulumi.Input[...]` take them as they are; every other field (ports, sizes,
switches, choices: what the component derives resources from) refuses them, naming the field.
`coerce_args`, which every component calls first, also builds nested Args given as dicts.

An object (a handle such as `network`, nested Args, a map such as `environment`) may also arrive as
one Output as a whole: the engine delivers a top-level input that way when the caller's SDK sends
dependencies rather than output values, and an Output the caller made of a whole object arrives so
either way. The provider hands such a value on as a `Delivered` snapshot (its value, dependencies
and secretness, already known to the engine), and it is lifted here: each field at a
`pulumi.Input` position becomes an Output carrying the whole's dependencies and secretness, since
the engine no longer says which part depended on what; a plain field keeps its value if it is known
and the whole is not secret, and is refused by name otherwise. Fields the object lacks stay unset,
so what the component builds matches what a Python program passing the same object builds.
"""

import ast
import collections.abc
import dataclasses
import enum
import inspect
import re
import sys
import textwrap
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


def _is_input(tp: Any) -> bool:
    """Whether the annotation is `pulumi.Input[T]` (optionally Optional): a value the component only
    hands on to resources, so an Output, an awaitable or an unknown value is as good as a plain one.

    `pulumi.Input[T]` is `Union[T, Awaitable[T], "Output[T]"]`; the forward reference stays unresolved
    at runtime, so it is recognised by name."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return False
    for member in typing.get_args(tp):
        if typing.get_origin(member) is collections.abc.Awaitable:
            return True
        if isinstance(member, typing.ForwardRef) and member.__forward_arg__.startswith("Output["):
            return True
        if getattr(typing.get_origin(member) or member, "__qualname__", None) == "Output":
            return True
    return False


def deferred_kind(value: Any) -> str | None:
    """What kind of not-yet-known value this is (`an Output`, `an unknown value`, `an awaitable`), or
    None for a plain value. Through the provider host, an input computed from another resource or
    marked secret arrives as an Output, and in a preview an unknown one may arrive bare.

    Without the SDK loaded (`fargatelb.verify` imports this module without it) nothing is an Output."""
    if isinstance(value, Delivered):
        return "an unknown value" if _is_unknown(value.value) else "an Output"
    output = sys.modules.get("pulumi.output")
    if output is not None and isinstance(value, output.Output):
        return "an Output"
    if output is not None and isinstance(value, output.Unknown):
        return "an unknown value"
    if inspect.isawaitable(value):
        return "an awaitable"
    return None


def _plain_only(owner: str, path: str, kind: str) -> InvalidArgument:
    return InvalidArgument(
        owner,
        path,
        f"must be a plain value known at preview, not {kind} (a value computed from another resource, or a "
        "secret): the component derives its resources from it. Pass a literal value",
    )


def _deferred_input(value: Any) -> Any:
    """An unknown value stands for an Output whose value is not known yet: make it one, so the
    component can `apply` on it like any other Input."""
    from pulumi.output import Output, Unknown

    return Output.from_input(value) if isinstance(value, Unknown) else value


@dataclasses.dataclass(frozen=True)
class Delivered:
    """An Output the engine delivered whole where an object, list or map belongs, with what the engine
    told of it: its value (Python field names; `pulumi.output.Unknown` when unknown as a whole in a
    preview, or holding unknowns), the resources it depends on, and whether it is secret.

    `FargatelbProvider` makes these from the Outputs `Construct` receives (`fargatelb.provider`);
    `_convert` lifts them into the Args, see the module docstring. A Python program never sees one."""

    value: Any
    resources: frozenset[Any]
    secret: bool

    def output(self, value: Any = None, *, whole: bool = False) -> Any:
        """An Output of `value` (the whole value with `whole`) that carries this delivery's
        dependencies and secretness; unknown when the value is or holds an unknown. A part that is
        itself an Output (an output value inside the delivered one) keeps its own too."""
        from pulumi.output import Output, contains_unknowns

        value = self.value if whole else value
        if deferred_kind(value) == "an Output":
            return Output.all(self.output(None), value).apply(lambda both: both[1])
        resources, secret, known = set(self.resources), self.secret, not contains_unknowns(value)

        async def ready(result: Any) -> Any:
            return result

        return Output(resources, ready(value), ready(known), ready(secret))


def _is_unknown(value: Any) -> bool:
    output = sys.modules.get("pulumi.output")
    return output is not None and isinstance(value, output.Unknown)


def _structured(tp: Any) -> bool:
    """An object, list or map."""
    return (dataclasses.is_dataclass(tp) and isinstance(tp, type)) or typing.get_origin(tp) in (list, dict)


def _holds_inputs(tp: Any) -> bool:
    """Whether an object, list or map of this type has a `pulumi.Input` anywhere inside: only then
    may it legitimately arrive as one Output (because a part of it did). One made only of plain
    values (ports, sizes, CIDRs, tags) that arrives as an Output had an Output put in it somewhere,
    and is refused as a whole, since the engine no longer says where."""
    if _is_input(tp):
        return True
    tp = _unwrap_optional(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return any(_holds_inputs(h) for h in _hints(tp).values())
    if typing.get_origin(tp) in (list, dict):
        return _holds_inputs(typing.get_args(tp)[-1])
    return False


def _liftable(tp: Any) -> bool:
    """A handle whose every field is an Input (`NetworkRef`, `LoadBalancerRef`): unknown as a whole in
    a preview, it can still be built, with an unknown Output per field."""
    return dataclasses.is_dataclass(tp) and isinstance(tp, type) and all(_is_input(h) for h in _hints(tp).values())


def _lift(owner: str, path: str, tp: Any, delivered: Delivered, *, camel_keys: bool | None) -> Any:
    """`tp` built from a value delivered whole (see the module docstring)."""
    if _is_unknown(delivered.value):
        if not _liftable(tp):
            raise _plain_only(owner, path, "an unknown value as a whole")
        # Only a preview has whole unknowns: every field is unknown there, the optional ones too (the
        # update, with the value known, builds exactly the fields it holds).
        return tp(**{name: delivered.output(delivered.value) for name in _hints(tp)})
    return _convert(owner, path, tp, delivered.value, camel_keys=camel_keys, carried=delivered)


def _reference_hint(value: Any, tp: Any) -> str:
    """What to do instead, when an object was given a component reference (which another language's
    SDK sends as the component's URN)."""
    if isinstance(value, str) and value.startswith("urn:pulumi:"):
        fields = ", ".join(camel(name) for name in _hints(tp))
        return (
            ": a component reference reaches the provider as its URN, which says nothing of the component's "
            f"outputs. Pass the handle's fields as an object ({fields}), from the component's outputs"
        )
    return ""


def _convert(
    owner: str,
    path: str,
    tp: Any,
    value: Any,
    *,
    camel_keys: bool | None,
    allow_empty: bool = False,
    in_input: bool = False,
    carried: Delivered | None = None,
) -> Any:
    """`value` checked against the annotation `tp`. An empty string is refused unless `allow_empty`
    (values of a mapping, e.g. an environment variable or tag): `image: ""` means a mistake, never
    "use the default".

    Where the annotation is `pulumi.Input[...]` (`in_input` below one), an Output, awaitable or
    unknown value is accepted at any depth; anywhere else it is refused, naming the field: ports,
    sizes, switches and choices decide which resources exist, so they must be known at preview.
    `carried` is the `Delivered` whole `value` is part of: its Input parts become Outputs carrying
    the whole's dependencies and secretness."""
    in_input = in_input or _is_input(tp)
    if isinstance(value, Delivered):
        if in_input:
            return value.output(whole=True)
        if _structured(_unwrap_optional(tp)) and _holds_inputs(tp):
            return _lift(owner, path, _unwrap_optional(tp), value, camel_keys=camel_keys)
    if carried is not None and in_input:
        return carried.output(value)
    kind = deferred_kind(value)
    if kind is not None:
        if in_input:
            return _deferred_input(value)
        raise _plain_only(owner, path, kind)
    tp = _unwrap_optional(tp)
    if carried is not None and carried.secret and not _structured(tp):
        raise _plain_only(owner, path, "part of an object that arrived as one secret value")
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, tp):
            return normalise_args(value, owner=owner, prefix=path)
        if not isinstance(value, Mapping):
            raise InvalidArgument(owner, path, f"must be an object, got {value!r}{_reference_hint(value, tp)}")
        return from_mapping(tp, value, owner=owner, prefix=path, camel_keys=camel_keys, carried=carried)
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
        return [
            _convert(owner, f"{path}[{i}]", item, v, camel_keys=camel_keys, in_input=in_input, carried=carried)
            for i, v in enumerate(value)
        ]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise InvalidArgument(owner, path, f"must be an object, got {value!r}")
        _, item = typing.get_args(tp)
        return {
            str(k): _convert(
                owner,
                f"{path}.{k}",
                item,
                v,
                camel_keys=camel_keys,
                allow_empty=True,
                in_input=in_input,
                carried=carried,
            )
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
    return value


def _hints(cls: type) -> dict[str, Any]:
    # Not typing.get_type_hints: pulumi.Input holds a forward reference it can't resolve here.
    return {k: v for c in reversed(cls.__mro__) for k, v in inspect.get_annotations(c).items()}


def from_mapping(
    cls: type[T],
    data: Mapping[str, Any],
    *,
    owner: str | None = None,
    prefix: str = "",
    camel_keys: bool | None = True,
    excluded: Iterable[str] = (),
    build: bool = True,
    carried: Delivered | None = None,
) -> Any:
    """Build the dataclass `cls` from a mapping, checking each key and value type.

    `camel_keys=True` reads `containerPort`-style keys only (config files), `False` snake_case only,
    `None` either (a program's own dicts). Unknown keys and `excluded` ones (fields a program wires
    itself) fail with the list of keys that are allowed. With `build=False` the checked keyword
    arguments are returned instead, and required fields may be missing. `carried`: the `Delivered`
    whole `data` is (part of).
    """
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    owner = owner or cls.__name__
    hints = _hints(cls)
    excluded = set(excluded)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in excluded}
    key_of = camel if camel_keys else (lambda s: s)
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        # None (either style): a key that is a field's own name is that field, else its camelCase form.
        name = key if camel_keys is False or (camel_keys is None and key in fields) else snake(key)
        where = f"{prefix}.{key}" if prefix else key
        if name not in fields or (name != key and key != camel(name)) or (camel_keys and key != camel(name)):
            allowed = ", ".join(sorted(key_of(f) for f in fields))
            either = " (or their camelCase forms)" if camel_keys is None else ""
            raise InvalidArgument(owner, where, f"is not a known setting; allowed: {allowed}{either}")
        if name in kwargs:
            raise InvalidArgument(owner, where, f"is given twice, as {name} and as {camel(name)}")
        if value is None:
            continue
        path = f"{prefix}.{name}" if prefix else name
        kwargs[name] = _convert(owner, path, hints[name], value, camel_keys=camel_keys, carried=carried)
    if not build:
        return kwargs
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in kwargs:
            path = f"{prefix}.{name}" if prefix else name
            raise InvalidArgument(owner, path, "is required")
    return cls(**kwargs)  # type: ignore[return-value]


def _nested(owner: str, path: str, tp: Any, value: Any) -> Any:
    """`value` with every dict that stands for a nested Args dataclass built into one (at any depth,
    inside lists and dicts too). Anything else is returned as it is: the same object when nothing
    inside it changed."""
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if isinstance(value, Mapping):
            return from_mapping(tp, value, owner=owner, prefix=path, camel_keys=None)
        if isinstance(value, tp):
            return normalise_args(value, owner=owner, prefix=path)
        return value
    if origin is list and isinstance(value, list | tuple):
        (item,) = typing.get_args(tp)
        items = [_nested(owner, f"{path}[{i}]", item, v) for i, v in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if origin is dict and isinstance(value, Mapping):
        _, item = typing.get_args(tp)
        entries = {k: _nested(owner, f"{path}.{k}", item, v) for k, v in value.items()}
        return entries if any(entries[k] is not v for k, v in value.items()) else value
    return value


def normalise_args(args: T, *, owner: str | None = None, prefix: str = "") -> T:
    """An Args dataclass instance whose nested Args fields may hold dicts (snake_case or camelCase
    keys), with each such dict built into its dataclass, checked as `from_mapping` checks it and
    failing with the same field path. Returns `args` itself when nothing needed building; otherwise
    a copy (the caller's object is never changed)."""
    cls = type(args)
    owner = owner or cls.__name__
    hints = _hints(cls)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(args):  # type: ignore[arg-type]
        value = getattr(args, f.name)
        if value is None or f.name not in hints:
            continue
        built = _nested(owner, f"{prefix}.{f.name}" if prefix else f.name, hints[f.name], value)
        if built is not value:
            changes[f.name] = built
    return dataclasses.replace(args, **changes) if changes else args  # type: ignore[type-var]


def coerce_args(cls: type[T], args: Any) -> T:
    """The component's Args, from the dataclass itself (nested Args fields may be dicts) or from a
    mapping: the dict the multi-language provider passes (snake_case keys, Outputs where the field is
    an Input), or a program's own dict (snake_case or camelCase keys)."""
    if isinstance(args, cls):
        return normalise_args(args)
    if isinstance(args, Mapping):
        return from_mapping(cls, args, camel_keys=None)  # type: ignore[no-any-return]
    raise TypeError(f"expected {cls.__name__} or a mapping, got {type(args).__name__}")


def attribute_docstrings(cls: type) -> dict[str, tuple[str, str]]:
    """Each annotated class attribute's (annotation as written, docstring), read from the source of
    `cls` and its bases: the string literal right after a field is its docstring, which Python
    doesn't keep at runtime (the schema analyzer reads it the same way). Empty without source."""
    found: dict[str, tuple[str, str]] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = next((n.body for n in tree.body if isinstance(n, ast.ClassDef)), [])
        for node, after in zip(body, [*body[1:], None], strict=True):
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            is_literal = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            literal = after.value.value if is_literal else None  # type: ignore[union-attr]
            doc = inspect.cleandoc(literal) if isinstance(literal, str) else ""
            found[node.target.id] = (ast.unparse(node.annotation), doc)
    return found


def _fields_doc(cls: type, summary: str) -> str:
    docs = attribute_docstrings(cls)
    lines = [summary, "", "Fields", "------"]
    for f in dataclasses.fields(cls):
        annotation, text = docs.get(f.name, (str(f.type), ""))
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required:
            default_text = "  (required)"
        elif f.default is None:
            default_text = "  (optional)"
        else:
            default_text = f" = {f.default!r}" if f.default is not dataclasses.MISSING else "  (optional)"
        lines += ["", f"{f.name}: {annotation}{default_text}"]
        lines += [textwrap.indent(text or "(undocumented)", "    ")]
    return "\n".join(lines)


class _FieldsDoc:
    """A class's `__doc__`, rendered when first read: `type.__doc__` calls a descriptor it finds in
    the class's dict, so `help()` and `cls.__doc__` see the text."""

    def __init__(self, summary: str) -> None:
        self.summary = summary
        self.text: str | None = None

    def __get__(self, instance: object, owner: type | None = None) -> str:
        if self.text is None:
            self.text = _fields_doc(owner if owner is not None else type(instance), self.summary)
        return self.text


def documented_args(cls: type[T]) -> type[T]:
    """Class decorator for an Args dataclass (put it above `@dataclass`): `help(cls)` and
    `pydoc` then show a Fields section, each field with its type, whether it is required, and its
    docstring, which states the default. The class's own docstring (or, without one, a line naming the
    component) is kept as `__args_summary__`: what the provider's schema describes the type with."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"@documented_args goes above @dataclass: {cls.__name__} is not a dataclass yet")
    doc = cls.__doc__ or ""
    if not doc or doc.startswith(f"{cls.__name__}("):  # the signature @dataclass writes when there is none
        doc = f"The arguments of {cls.__name__.removesuffix('Args')}."
    summary = inspect.cleandoc(doc)
    cls.__args_summary__ = summary  # type: ignore[attr-defined]
    # Rendered on first read (help(), pydoc, the schema): reading every Args class's source at import
    # cost the program a tenth of a second on every run.
    cls.__doc__ = _FieldsDoc(summary)  # type: ignore[assignment]
    return cls
