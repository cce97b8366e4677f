"""A stack's production declaration, read from its stack tags.

    fargatelb:profile: production                      # the stack is production
    fargatelb:override:ELB.5: "<why, for whom, until>"  # waive one control, with its reason

In a stack file the tags are the `pulumi:tags` object (the CLI applies it as the stack's tags); any
stack can also be tagged with `pulumi stack tag set`. Stack tag names are at most 40 characters of
letters, digits and `- _ . :`, values at most 256 characters (the Pulumi service's rules), so a
reason fits in one tag.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .controls import CONTROLS

PROFILE_TAG = "fargatelb:profile"
OVERRIDE_PREFIX = "fargatelb:override:"
PROFILES = ("production", "development")
"""`development` (or no tag) enforces nothing."""
MAX_TAG_NAME = 40
MAX_TAG_VALUE = 256
_TAG_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")


class DeclarationError(ValueError):
    """A `fargatelb:` stack tag that can't be what its author meant: `tag` names it."""

    def __init__(self, tag: str, problem: str) -> None:
        self.tag = tag
        self.problem = problem
        super().__init__(f"{tag}: {problem}")


@dataclass(frozen=True)
class Declaration:
    production: bool = False
    overrides: Mapping[str, str] = field(default_factory=dict)
    """Control id → the reason it is waived."""

    def waived(self, control: str) -> str | None:
        """The reason `control` is overridden, or None."""
        return self.overrides.get(control)


def override_tag(control: str) -> str:
    return f"{OVERRIDE_PREFIX}{control}"


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _ours(name: str) -> bool:
    """`fargatelb:…`, or a near miss of it (`fargate-lb:profile`, `FargateLB:override:…`)."""
    prefix = name.split(":", 1)[0]
    return name.startswith("fargatelb:") or _squash(prefix) in ("fargatelb", "fargate")


def _override_problem(name: str, reason: str) -> str | None:
    control = name[len(OVERRIDE_PREFIX) :]
    if control not in CONTROLS:
        close = [c for c in CONTROLS if c.lower() == control.lower()]
        close = close or difflib.get_close_matches(control, list(CONTROLS), n=1, cutoff=0.6)
        hint = f"; did you mean {override_tag(close[0])}?" if close else ""
        return f"{control!r} is not a production control{hint} (controls: {', '.join(CONTROLS)})"
    if not reason.strip():
        return (
            f"overrides {control} without a reason: the tag's value is the reason the preview prints, e.g. "
            f'"{override_tag(control)}": "access logs go to the platform\'s own collector (ticket OPS-12)"'
        )
    if len(reason) > MAX_TAG_VALUE:
        return f"the reason is {len(reason)} characters; a stack tag's value is at most {MAX_TAG_VALUE}"
    return None


def declaration(tags: Mapping[str, str]) -> Declaration:
    """The declaration in `tags` (a stack's tags); a `fargatelb:` tag that can't be read is a
    DeclarationError naming it. Tags of other namespaces are not ours to judge."""
    profile = "development"
    overrides: dict[str, str] = {}
    for name in sorted(tags):
        if not _ours(name):
            continue
        value = tags[name]
        if not isinstance(value, str):
            raise DeclarationError(name, f"a stack tag's value is a string, got {value!r}")
        if not _TAG_NAME.match(name):
            raise DeclarationError(
                name,
                f"stack tag names are at most {MAX_TAG_NAME} characters of letters, digits and - _ . : "
                "(the Pulumi service refuses others)",
            )
        if name == PROFILE_TAG:
            if value not in PROFILES:
                raise DeclarationError(name, f"must be one of {', '.join(PROFILES)}, got {value!r}")
            profile = value
        elif name.startswith(OVERRIDE_PREFIX):
            problem = _override_problem(name, value)
            if problem:
                raise DeclarationError(name, problem)
            overrides[name[len(OVERRIDE_PREFIX) :]] = value.strip()
        else:
            candidates = [PROFILE_TAG, override_tag("<control>")]
            close = difflib.get_close_matches(name, [PROFILE_TAG], n=1, cutoff=0.6)
            if name.lower().replace("-", "").startswith("fargatelb:override"):
                close = [override_tag(name.rsplit(":", 1)[-1])]
            hint = f"; did you mean {close[0]}?" if close else ""
            raise DeclarationError(name, f"is not a fargatelb stack tag{hint} (tags: {', '.join(candidates)})")
    if overrides and profile != "production":
        first = override_tag(next(iter(overrides)))
        raise DeclarationError(
            first, f"overrides a production control, but {PROFILE_TAG} is not production: remove the override"
        )
    return Declaration(production=profile == "production", overrides=overrides)
