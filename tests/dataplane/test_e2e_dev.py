"""The dev stack's data plane, emulated: each claim of the e2e run as its own test.

`dev_report` runs the emulation once; each test asserts the verdicts of one kind of path and, on
failure, shows the hop and what the packets did there.
"""

from __future__ import annotations

import pytest

from e2e.report import PASSED, PathResult, Report

pytestmark = pytest.mark.e2e


def _of(report: Report, kind: str, claim: str = "") -> list[PathResult]:
    found = [r for r in report.results if r.kind == kind and claim in r.claim]
    assert found, f"the run proved no {kind} path{' about ' + claim if claim else ''}:\n{report.format()}"
    return found


def _assert_passed(results: list[PathResult]) -> None:
    broken = [r for r in results if r.verdict != PASSED]
    assert not broken, "\n".join(r.format() for r in broken)


def test_every_target_turns_healthy_within_threshold_times_interval(dev_report: Report) -> None:
    results = _of(dev_report, "health")
    _assert_passed(results)
    assert {r.service for r in results} == {"web-service", "udp-service"}


def test_client_reaches_every_listener_and_a_task_answers(dev_report: Report) -> None:
    results = _of(dev_report, "traffic")
    _assert_passed(results)
    observed = "\n".join(line for r in results for line in r.observed)
    assert "HTTP 200 from web-service-" in observed
    assert "PONG from udp-service-" in observed


def test_both_tasks_serve(dev_report: Report) -> None:
    _assert_passed(_of(dev_report, "both-tasks"))


def test_client_outside_the_allowed_cidrs_is_refused(dev_report: Report) -> None:
    # dev's ALB admits 0.0.0.0/0 (nothing is outside it); the internal NLB refuses the internet.
    _assert_passed(_of(dev_report, "refused", "outside the allowed CIDRs"))
    assert any("admits every address" in note for note in dev_report.notes)


def test_client_reaching_a_task_directly_is_refused(dev_report: Report) -> None:
    results = _of(dev_report, "refused", "reaching a task directly")
    _assert_passed(results)
    assert any("ingress default deny" in line for r in results for line in r.observed)


def test_load_balancer_reaching_a_task_on_another_port_is_refused(dev_report: Report) -> None:
    results = _of(dev_report, "refused", "any port but its targets'")
    _assert_passed(results)
    assert any("egress default deny" in line for r in results for line in r.observed)


def test_tasks_reach_the_endpoints_and_nothing_else_on_the_internet(dev_report: Report) -> None:
    results = _of(dev_report, "egress")
    _assert_passed(results)
    observed = "\n".join(line for r in results for line in r.observed)
    for endpoint in ("ecr.api", "ecr.dkr", "logs", "s3 prefix list"):
        assert f"{endpoint}" in observed
    assert "internet host" in observed and "no route" in observed


def test_a_stopped_task_drains_within_the_deregistration_delay(dev_report: Report) -> None:
    results = _of(dev_report, "drain")
    _assert_passed(results)
    assert {r.service for r in results} == {"web-service", "udp-service"}


def test_a_killed_udp_process_turns_unhealthy_and_traffic_moves(dev_report: Report) -> None:
    _assert_passed(_of(dev_report, "failover"))


def test_the_whole_run_passes_and_prints_each_path(dev_report: Report) -> None:
    assert dev_report.ok, dev_report.format()
    text = dev_report.format()
    assert text.splitlines()[-1].startswith("e2e dev: ok")
