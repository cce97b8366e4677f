"""Autoscaling arguments of a service's task count: target tracking on CPU (always), memory and
ALB requests per target (optional), and schedules. Pure: validated here, built in `_service.py`."""

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from typing import Optional

from ._args import InvalidArgument, check_int, default, documented_args

MAX_TASKS = 1000


@documented_args
@dataclass
class ScheduleArgs:
    """A scheduled change of the task-count bounds, e.g. more tasks on weekday mornings."""

    name: str
    """A name for the schedule: letters, digits, hyphens, underscores."""
    cron: str
    """When, as Application Auto Scaling's six cron fields: minutes hours day-of-month month
    day-of-week year, one of the two day fields `?`; e.g. `0 8 ? * MON-FRI *`."""
    min_count: int
    """Fewest tasks from then on."""
    max_count: int
    """Most tasks from then on."""
    timezone: Optional[str] = None
    """An IANA time zone for `cron`, e.g. `Europe/Dublin`. Default UTC."""


@documented_args
@dataclass
class ScalingArgs:
    """Target-tracking autoscaling of the service's task count."""

    min_count: Optional[int] = None
    """Fewest tasks. Default 1."""
    max_count: Optional[int] = None
    """Most tasks. Default 3."""
    cpu_target: Optional[int] = None
    """Average CPU utilisation (%) the service is scaled to hold, 1–100. Default 50."""
    memory_target: Optional[int] = None
    """Average memory utilisation (%) to hold as well, 1–100. Default none (CPU only)."""
    requests_per_target: Optional[int] = None
    """ALB requests per target per minute to hold as well (`ALBRequestCountPerTarget` on this service's
    own target group). Default none."""
    scale_out_cooldown: Optional[int] = None
    """Seconds after a scale-out before another. Default 60: add capacity quickly."""
    scale_in_cooldown: Optional[int] = None
    """Seconds after a scale-in before another. Default 300: remove capacity slowly."""
    schedules: Optional[list[ScheduleArgs]] = None
    """Scheduled changes of the bounds. Default none."""


@dataclass(frozen=True)
class Schedule:
    name: str
    expression: str
    """`cron(...)` as Application Auto Scaling takes it."""
    min_count: int
    max_count: int
    timezone: str | None


@dataclass(frozen=True)
class Scaling:
    min_count: int
    max_count: int
    cpu_target: int
    memory_target: int | None
    scale_out_cooldown: int
    scale_in_cooldown: int
    requests_per_target: int | None = None
    schedules: tuple[Schedule, ...] = field(default_factory=tuple)


# Application Auto Scaling's cron: six fields; one of day-of-month and day-of-week is `?`.
# https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
_FIELD = re.compile(r"^[0-9A-Za-z*?/,#LW-]+$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_ZONE = re.compile(r"^[A-Za-z]+(?:/[A-Za-z0-9_+-]+)*$")


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names counted from `lowest`) per field, as the cron page documents them.
CRON_FIELDS = (
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day-of-week", 1, 7, DAYS),
    ("year", 1970, 2199, ()),
)


def _cron_field_problem(index: int, text: str) -> str | None:
    """Why one cron field is out of AWS's range, or None. Accepts `*`, `?`, lists, ranges, steps,
    names, and the `L`, `W`, `#` forms of the day fields."""
    label, low, high, names = CRON_FIELDS[index]
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and 1 <= int(step) <= high):
            return f"{label} step {step!r} is not 1-{high}"
        if base in ("*", "?") or (index in (2, 4) and base in ("L", "LW")):
            continue
        if index == 2:
            base = base.removesuffix("W")
        if index == 4:
            base, _, nth = base.partition("#")
            if nth and not (nth.isdigit() and 1 <= int(nth) <= 5):
                return f"day-of-week '#{nth}' is not #1-#5"
            base = base.removesuffix("L")
        for value in base.split("-", 1):
            if value.upper() in names:
                continue
            if not value.isdigit() or not low <= int(value) <= high:
                allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
                return f"{label} {value!r} is outside {allowed}"
    return None


def check_cron(owner: str, field_name: str, cron: str) -> str:
    parts = cron.removeprefix("cron(").removesuffix(")").split()
    problem = None
    if len(parts) != 6:
        problem = f"has {len(parts)} fields; Application Auto Scaling's cron has 6: minutes hours day-of-month " \
                  "month day-of-week year, e.g. '0 8 ? * MON-FRI *'"  # fmt: skip
    elif not all(_FIELD.match(p) for p in parts):
        problem = "may hold only digits, names (JAN, MON), and * ? / , - # L W"
    elif (parts[2] == "?") == (parts[4] == "?"):
        problem = "needs exactly one of day-of-month (3rd field) and day-of-week (5th) to be '?'"
    else:
        problem = next((p for i, text in enumerate(parts) if (p := _cron_field_problem(i, text))), None)
    if problem:
        raise InvalidArgument(owner, field_name, f"{cron!r}: {problem}")
    return f"cron({' '.join(parts)})"


@cache
def _zones() -> frozenset[str]:
    """The IANA zones this machine knows (Application Auto Scaling takes Joda-Time's, which follow IANA).
    Empty where the system has no tz database: then only the shape is checked."""
    return frozenset(zoneinfo.available_timezones())


def check_schedule_names(owner: str, component: str, scaling: "Scaling") -> None:
    """The scheduled action is named `<component>-<schedule>`: AWS allows 1-256 characters."""
    for i, schedule in enumerate(scaling.schedules):
        full = f"{component}-{schedule.name}"
        if len(full) > 256:
            raise InvalidArgument(
                owner,
                f"scaling.schedules[{i}].name",
                f"makes the scheduled action name {full[:40]}... {len(full)} characters; AWS allows 256, so "
                f"the name may have at most {255 - len(component)}",
            )


def resolve_schedule(owner: str, i: int, a: ScheduleArgs) -> Schedule:
    where = f"scaling.schedules[{i}]"
    if not isinstance(a.name, str) or not _NAME.match(a.name):
        raise InvalidArgument(owner, f"{where}.name", f"must be 1-256 letters, digits, '-' or '_', got {a.name!r}")
    low = check_int(owner, f"{where}.min_count", a.min_count, 0, MAX_TASKS)
    high = check_int(owner, f"{where}.max_count", a.max_count, 0, MAX_TASKS)
    if low > high:
        raise InvalidArgument(owner, f"{where}.min_count", f"({low}) must not exceed max_count ({high})")
    if a.timezone is not None and (not _ZONE.match(a.timezone) or (_zones() and a.timezone not in _zones())):
        raise InvalidArgument(
            owner, f"{where}.timezone", f"must be an IANA time zone like Europe/Dublin, got {a.timezone!r}"
        )
    return Schedule(a.name, check_cron(owner, f"{where}.cron", a.cron), low, high, a.timezone)


def resolve_scaling(owner: str, args: ScalingArgs | None, *, alb: bool = True) -> Scaling:
    """`alb`: the service is behind an ALB target group (the only kind with a request count)."""
    a = args or ScalingArgs()
    if not alb and a.requests_per_target is not None:
        raise InvalidArgument(
            owner,
            "scaling.requests_per_target",
            "isn't used behind an NLB: ALBRequestCountPerTarget exists only for ALB target groups; remove it",
        )
    min_count = check_int(owner, "scaling.min_count", default(a.min_count, 1), 0, MAX_TASKS)
    max_count = check_int(owner, "scaling.max_count", default(a.max_count, 3), 1, MAX_TASKS)
    if min_count > max_count:
        raise InvalidArgument(
            owner, "scaling.min_count", f"({min_count}) must not exceed scaling.max_count ({max_count})"
        )
    cpu = check_int(owner, "scaling.cpu_target", default(a.cpu_target, 50), 1, 100)
    memory = None if a.memory_target is None else check_int(owner, "scaling.memory_target", a.memory_target, 1, 100)
    requests = (
        None
        if a.requests_per_target is None
        else check_int(owner, "scaling.requests_per_target", a.requests_per_target, 1, 1_000_000)
    )
    out = check_int(owner, "scaling.scale_out_cooldown", default(a.scale_out_cooldown, 60), 0, 3600)
    in_ = check_int(owner, "scaling.scale_in_cooldown", default(a.scale_in_cooldown, 300), 0, 3600)
    schedules = tuple(resolve_schedule(owner, i, s) for i, s in enumerate(a.schedules or []))
    names = [s.name for s in schedules]
    if len(set(names)) != len(names):
        raise InvalidArgument(owner, "scaling.schedules", f"names must be unique, got {names}")
    return Scaling(min_count, max_count, cpu, memory, out, in_, requests, schedules)
