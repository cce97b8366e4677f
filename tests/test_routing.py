"""Routing on a shared ALB (fargatelb.routing): which rule serves a request, which rules can never
serve one. The exact answers (glob languages, rule shadowing) are checked against a brute-force
evaluation of the ALB's own rule order over generated rules and requests."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from fargatelb.routing import (
    DEFAULT_PRIORITY,
    Route,
    counterexample,
    covered_by,
    glob_match,
    listener_problems,
    matches,
    request_paths,
    route_problems,
    serving_rule,
)

PATH_PATTERNS = ["/", "/*", "/a*", "/a/*", "/a/b", "/a?", "/?/b", "/b*", "*b", "/a/*/c"]
HOST_PATTERNS = ["a.com", "*.com", "b.a.com", "*.a.com", "?.com", "a.*", "A.COM"]
ALPHABET = "ab/c"


def words(max_length: int) -> list[str]:
    return ["".join(w) for n in range(max_length + 1) for w in itertools.product(ALPHABET, repeat=n)]


WORDS = words(4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "/", "*", "?"]), min_size=1, max_size=5).map("".join),
       st.lists(st.lists(st.sampled_from(["a", "b", "/", "*", "?"]), min_size=1, max_size=5).map("".join),
                min_size=1, max_size=3))  # fmt: skip
def test_inclusion_agrees_with_brute_force(sub: str, sups: list[str]) -> None:
    witness = counterexample([sub], sups)
    if witness is not None:
        assert glob_match(sub, witness, fold=False) and not any(glob_match(q, witness, fold=False) for q in sups)
    else:
        for word in WORDS:
            if glob_match(sub, word, fold=False):
                assert any(glob_match(q, word, fold=False) for q in sups), (sub, sups, word)


def test_glob_matching_follows_the_alb() -> None:
    assert glob_match("/api/*", "/api/", fold=False) and glob_match("/api/*", "/api/v1/x", fold=False)
    assert not glob_match("/api/*", "/api", fold=False)
    assert glob_match("/v?/x", "/v1/x", fold=False) and not glob_match("/v?/x", "/v10/x", fold=False)
    assert glob_match("*.Example.com", "API.example.COM", fold=True)  # hosts are case-insensitive
    assert not glob_match("/Docs/*", "/docs/a", fold=False)  # paths are not


routes_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(HOST_PATTERNS), max_size=2, unique=True),
        st.lists(st.sampled_from(PATH_PATTERNS), max_size=2, unique=True),
    ),
    min_size=2,
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(routes_strategy)
def test_a_rule_the_check_calls_shadowed_never_serves_a_request(specs: list[tuple[list[str], list[str]]]) -> None:
    routes = [Route(f"s{i}", (i + 1) * 10, tuple(h), tuple(p), key=f"s{i}") for i, (h, p) in enumerate(specs)]
    hosts = ["a.com", "b.a.com", "c.com", "a.org", "x.a.com", "A.com"]
    paths = ["/", "/a", "/a/", "/a/b", "/ab", "/b", "/a/x/c", "/c/b", "/bb"]
    served = {r.key: False for r in routes}
    for host, path in itertools.product(hosts, paths):
        rule = serving_rule(routes, host, path)
        if rule is not None:
            served[rule.key] = True
    shadowed = {p.routes[0].key for p in listener_problems(routes) if p.routes and len(p.routes) == 2}
    for key in shadowed:
        assert not served[key], f"{key} is called shadowed but serves a request: {routes}"
    # And the converse, exactly: a rule one earlier rule doesn't cover has a request that rule
    # misses and it matches, built from the counterexample of the condition that isn't covered.
    for i, route in enumerate(routes):
        for earlier in routes[:i]:
            if covered_by(route, earlier):
                continue
            host, path = _instance(route.hosts, "h.com"), _instance(route.paths, "/")
            hosts_out = counterexample([h.lower() for h in route.hosts or ("*",)], [h.lower() for h in earlier.hosts])
            if earlier.hosts and hosts_out is not None:
                host = hosts_out
            else:
                path = counterexample(list(request_paths(route.paths)), list(earlier.paths)) or path
            assert matches(route, host, path) and not matches(earlier, host, path), (route, earlier, host, path)


def _instance(patterns: tuple[str, ...], fallback: str) -> str:
    """A value the first pattern matches."""
    return patterns[0].replace("*", "").replace("?", "x") if patterns else fallback


def test_same_hosts_and_paths_on_two_services_is_named() -> None:
    a = Route("api", 10, ("api.example.com",), (), key="fargate-lb:services.api.routing")
    b = Route("admin", 20, ("API.example.com",), (), key="fargate-lb:services.admin.routing")
    (problem,) = listener_problems([a, b])
    assert "can never match" in problem.message and "admin" in problem.message and "api" in problem.message


def test_duplicate_priorities_are_named_with_their_keys() -> None:
    a = Route("api", 10, ("api.example.com",), (), key="k.api")
    b = Route("docs", 10, (), ("/docs/*",), key="k.docs")
    problems = listener_problems([a, b])
    assert any("share priority 10" in p.message and "k.api" in p.message and "k.docs" in p.message for p in problems)


def test_a_narrower_rule_behind_a_wider_one_is_shadowed_and_in_front_of_it_is_fine() -> None:
    wide = Route("web", 10, (), ("/*",), key="web")
    narrow = Route("api", 20, (), ("/api/*",), key="api")
    assert [p.routes[0].service for p in listener_problems([wide, narrow])] == ["api"]
    assert listener_problems([Route("api", 5, (), ("/api/*",)), wide]) == []


def test_more_rules_than_an_alb_takes_are_refused() -> None:
    routes = [Route(f"s{i}", i + 1, (f"s{i}.example.com",), ()) for i in range(101)]
    assert any("101 rules on one ALB" in p.message for p in listener_problems(routes))


def test_a_catch_all_behind_a_rule_for_every_path_is_shadowed() -> None:
    """Requests always carry a path starting with '/': "/*" covers "*"."""
    every = Route("web", 10, (), ("/*",), key="web")
    assert covered_by(Route("rest", 20, (), ("*",)), every)
    assert covered_by(Route("default", DEFAULT_PRIORITY), every)
    assert not covered_by(Route("api", 20, ("api.a.com",), ()), Route("docs", 10, ("docs.a.com",), ()))


def test_one_rule_on_its_own() -> None:
    assert route_problems(Route("x", 1)) == ["needs hosts or paths (only the stack's default service may have neither)"]
    assert route_problems(Route("x", DEFAULT_PRIORITY), default=True) == []
    assert "reserved for the default service" in route_problems(Route("x", DEFAULT_PRIORITY, ("a.com",)))[0]
    assert "at most 5" in route_problems(Route("x", 1, tuple(f"h{i}.com" for i in range(6))))[0]
    assert "must start with '/'" in route_problems(Route("x", 1, (), ("docs/*",)))[0]
    assert "at least one '.'" in route_problems(Route("x", 1, ("localhost",)))[0]
    assert "may hold only" in route_problems(Route("x", 1, ("api_example.com",)))[0]
    # Only letters after the final '.' (API_HostHeaderConditionConfig): no wildcard in the TLD.
    for host in ("api.example.*", "api.example.c?m", "api.example.com1"):
        assert "must end in letters after its last '.'" in route_problems(Route("x", 1, (host,)))[0], host
    assert route_problems(Route("x", 1, ("*.example.com", "api-?.example.com"))) == []
