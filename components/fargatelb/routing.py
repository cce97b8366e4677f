"""Host and path routing on a shared ALB, decided before deploying: which rule serves a request, and
which rules can never serve one.

An ALB evaluates a listener's rules by priority (lowest number first) and the first rule whose
conditions all match serves the request. A rule's conditions are a host-header condition (any of
its patterns, case-insensitive) and a path-pattern condition (any of its patterns, case-sensitive);
`*` matches any run of characters and `?` exactly one. So a rule can be dead on arrival: a
higher-priority rule that matches every request it matches takes them all. `covered_by` decides that
exactly, with finite automata over the patterns (no sampling), and `serving_rule` is the ALB's own
evaluation, which the tests compare it with.

Pure Python, no Pulumi: the config check, the components and the verdict (`verify/paths/routing.py`)
all use it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MAX_PRIORITY = 50000
"""Listener rule priorities are 1-50000; the highest is reserved for a stack's default service."""
DEFAULT_PRIORITY = MAX_PRIORITY
MAX_RULES_PER_ALB = 100
"""Elastic Load Balancing's default quota: rules per ALB, not counting the listeners' defaults."""
MAX_CONDITION_VALUES = 5
"""Condition values per rule (hosts and paths together), and wildcards per rule."""
MAX_PATTERN = 128
HOST_PATTERN = re.compile(r"^[A-Za-z0-9.*?-]+$")
PATH_PATTERN = re.compile(r"^[A-Za-z0-9_\-.$/~\"'@:+&*?]+$")
SOURCE = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"


@dataclass(frozen=True)
class Route:
    """One listener rule as routing sees it: who it serves and on what conditions."""

    service: str
    priority: int
    hosts: tuple[str, ...] = ()
    """Host-header patterns (any matches); empty: any host."""
    paths: tuple[str, ...] = ()
    """Path patterns (any matches); empty: any path."""
    key: str = ""
    """Where it was set, for messages (a config key or a resource name)."""


@dataclass(frozen=True)
class Problem:
    message: str
    routes: tuple[Route, ...] = field(default_factory=tuple)


def pattern_problem(kind: str, pattern: str) -> str | None:
    """Why AWS refuses a host or path pattern, or None."""
    if not pattern or len(pattern) > MAX_PATTERN:
        return f"must be 1-{MAX_PATTERN} characters, got {len(pattern)}"
    if kind == "host":
        if not HOST_PATTERN.match(pattern):
            return "may hold only letters, digits, '-', '.', '*' and '?'"
        if "." not in pattern:
            return "must hold at least one '.' (a host name like api.example.com or *.example.com)"
        # API_HostHeaderConditionConfig: "You can include only alphabetical characters after the final
        # '.' character": no wildcard there either.
        if not re.search(r"\.[A-Za-z]+$", pattern):
            return "must end in letters after its last '.' (a top-level domain; no '*' or '?' there)"
    else:
        if not PATH_PATTERN.match(pattern):
            return "may hold only letters, digits and _-.$/~\"'@:+&*?"
        if not pattern.startswith(("/", "*")):
            return "must start with '/': request paths do, so it could never match"
    return None


def route_problems(route: Route, *, default: bool = False) -> list[str]:
    """What AWS refuses, or what can't be meant, in one rule on its own."""
    problems = []
    if not default and not route.hosts and not route.paths:
        problems.append("needs hosts or paths (only the stack's default service may have neither)")
    if not 1 <= route.priority <= MAX_PRIORITY:
        problems.append(f"priority must be from 1 to {MAX_PRIORITY}, got {route.priority}")
    elif route.priority == DEFAULT_PRIORITY and not default:
        problems.append(f"priority {DEFAULT_PRIORITY} is reserved for the default service")
    values = len(route.hosts) + len(route.paths)
    if values > MAX_CONDITION_VALUES:
        problems.append(f"has {values} host and path values; a rule takes at most {MAX_CONDITION_VALUES}")
    wildcards = sum(p.count("*") + p.count("?") for p in (*route.hosts, *route.paths))
    if wildcards > MAX_CONDITION_VALUES:
        problems.append(f"has {wildcards} wildcards; a rule takes at most {MAX_CONDITION_VALUES}")
    for kind, patterns in (("host", route.hosts), ("path", route.paths)):
        for pattern in patterns:
            problem = pattern_problem(kind, pattern)
            if problem:
                problems.append(f"{kind} pattern {pattern!r} {problem}")
    return problems


# ---------------------------------------------------------------------------------------------
# Glob languages: inclusion, exactly


def _step(pattern: str, states: frozenset[int], symbol: str) -> frozenset[int]:
    """The NFA of a glob: state i = "matched pattern[:i]"; '*' loops on any symbol."""
    out = set()
    for i in states:
        if i < len(pattern):
            p = pattern[i]
            if p == "*":
                out.add(i)
            elif p == "?" or p == symbol:
                out.add(i + 1)
    return _closure(pattern, frozenset(out))


def _closure(pattern: str, states: frozenset[int]) -> frozenset[int]:
    out = set(states)
    for i in sorted(states):
        j = i
        while j < len(pattern) and pattern[j] == "*":
            j += 1
            out.add(j)
    return frozenset(out)


def _accepts(pattern: str, states: frozenset[int]) -> bool:
    return len(pattern) in states


def counterexample(sub: Sequence[str], sup: Sequence[str]) -> str | None:
    """A string matched by a pattern of `sub` and by none of `sup`; None when every string any
    `sub` pattern matches, some `sup` pattern matches too (the union of `sub` ⊆ the union of `sup`)."""
    alphabet = sorted({c for p in (*sub, *sup) for c in p if c not in "*?"} | {"\x00"})  # \x00: any other
    start = (
        tuple(_closure(p, frozenset({0})) for p in sub),
        tuple(_closure(p, frozenset({0})) for p in sup),
    )
    seen = {start}
    queue: list[tuple[tuple[frozenset[int], ...], tuple[frozenset[int], ...], str]] = [(*start, "")]
    while queue:
        a, b, word = queue.pop(0)
        if any(_accepts(p, s) for p, s in zip(sub, a, strict=True)) and not any(
            _accepts(p, s) for p, s in zip(sup, b, strict=True)
        ):
            return word.replace("\x00", "z")
        for symbol in alphabet:
            na = tuple(_step(p, s, symbol) for p, s in zip(sub, a, strict=True))
            if not any(na):
                continue
            nb = tuple(_step(p, s, symbol) for p, s in zip(sup, b, strict=True))
            if (na, nb) not in seen:
                seen.add((na, nb))
                queue.append((na, nb, word + symbol))
    return None


@functools.lru_cache(maxsize=4096)
def _within(sub: tuple[str, ...], sup: tuple[str, ...]) -> bool:
    """Every value `sub` admits, `sup` admits (an empty condition admits everything)."""
    if not sup:
        return True
    sub = sub or ("*",)
    if not any("*" in p or "?" in p for p in sub):  # literal values: just match them
        return all(any(glob_match(q, value, fold=False) for q in sup) for value in sub)
    return counterexample(sub, sup) is None


def request_paths(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The patterns narrowed to what requests carry: a path always starts with '/' ("*" → "/*")."""
    out = []
    for p in patterns or ("*",):
        if p.startswith("/"):
            out.append(p)
        elif p.startswith("*"):
            out.append("/" + p)
        elif p.startswith("?"):
            out.append("/" + p[1:])
    return tuple(out) or ("/",)


def covered_by(route: Route, earlier: Route) -> bool:
    """Does `earlier` match every request `route` matches (so `route` never serves one after it)?
    Hosts compare case-insensitively; paths as requests carry them, starting with '/'."""
    hosts = _within(tuple(h.lower() for h in route.hosts), tuple(h.lower() for h in earlier.hosts))
    return hosts and _within(request_paths(route.paths), earlier.paths)


def glob_match(pattern: str, value: str, *, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    states = _closure(pattern, frozenset({0}))
    for c in value:
        states = _step(pattern, states, c)
        if not states:
            return False
    return _accepts(pattern, states)


def matches(route: Route, host: str, path: str) -> bool:
    return (not route.hosts or any(glob_match(p, host, fold=True) for p in route.hosts)) and (
        not route.paths or any(glob_match(p, path, fold=False) for p in route.paths)
    )


def serving_rule(routes: Iterable[Route], host: str, path: str) -> Route | None:
    """The ALB's evaluation: the lowest-priority-number rule whose conditions all match."""
    return next((r for r in sorted(routes, key=lambda r: r.priority) if matches(r, host, path)), None)


# ---------------------------------------------------------------------------------------------
# A listener's rules together


def listener_problems(routes: Sequence[Route]) -> list[Problem]:
    """Duplicate priorities, two services on the same conditions, rules a higher-priority rule
    shadows, and more rules than an ALB takes."""
    problems = []
    by_priority: dict[int, list[Route]] = {}
    for route in routes:
        by_priority.setdefault(route.priority, []).append(route)
    for priority, same in sorted(by_priority.items()):
        if len(same) > 1:
            names = " and ".join(f"{r.service} ({r.key})" for r in same)
            problems.append(Problem(f"{names} share priority {priority}: each rule needs its own", tuple(same)))
    ordered = sorted(routes, key=lambda r: r.priority)
    for i, route in enumerate(ordered):
        for earlier in ordered[:i]:
            if earlier.priority == route.priority:
                continue
            if set(earlier.hosts) == set(route.hosts) and set(earlier.paths) == set(route.paths):
                problems.append(
                    Problem(
                        f"{route.service} ({route.key}) and {earlier.service} ({earlier.key}) route the same "
                        f"hosts {list(route.hosts) or ['any']} and paths {list(route.paths) or ['any']}: "
                        f"{earlier.service} (priority {earlier.priority}) takes every request",
                        (route, earlier),
                    )
                )
                break
            if covered_by(route, earlier):
                problems.append(
                    Problem(
                        f"{route.service}'s rule ({route.key}, priority {route.priority}) can never match: "
                        f"{earlier.service}'s rule (priority {earlier.priority}: hosts "
                        f"{list(earlier.hosts) or ['any']}, paths {list(earlier.paths) or ['any']}) matches every "
                        f"request it would; give {route.service} a lower priority number or narrower neighbours",
                        (route, earlier),
                    )
                )
                break
    if len(routes) > MAX_RULES_PER_ALB:
        problems.append(
            Problem(f"{len(routes)} rules on one ALB; Elastic Load Balancing allows {MAX_RULES_PER_ALB}", tuple(routes))
        )
    return problems
