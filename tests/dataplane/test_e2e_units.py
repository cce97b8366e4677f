"""The emulation's pure parts, which run anywhere (no root): what it builds from the recording."""

from __future__ import annotations

import ipaddress

import pytest

from e2e import apps, model, sgfilter, topology
from e2e.balancers import alb_config, backends_of, status_codes, status_regex
from offline import ROOT
from synth_helpers import committed_recording


@pytest.fixture(scope="module")
def dev() -> model.Stack:
    return model.read(committed_recording("dev"))


@pytest.fixture(scope="module")
def prod() -> model.Stack:
    return model.read(committed_recording("prod"))


def test_matcher_to_status_regex() -> None:
    assert status_codes("200-202,302") == [200, 201, 202, 302]
    assert status_regex("200-399") == "^(2[0-9][0-9]|3[0-9][0-9])$"
    assert status_regex("200") == "^(200)$"


def test_model_reads_services_by_type_and_dependency(dev: model.Stack) -> None:
    assert {s.name for s in dev.services} == {"web-service", "udp-service"}
    udp = next(s for s in dev.services if s.name == "udp-service")
    assert [c.name for c in udp.containers] == ["udp", "healthcheck"]
    assert all(c.context is not None and (c.context / "Dockerfile").is_file() for c in udp.containers)
    assert {lb.type for lb in dev.load_balancers} == {"application", "network"}


def test_every_interface_gets_an_address_in_its_subnet(prod: model.Stack) -> None:
    topo = topology.plan(prod, "0")
    assert len({h.ip for h in topo.hosts}) == len(topo.hosts)
    for host in topo.hosts:
        assert host.ip in host.subnet.cidr
        assert host.ns.startswith("fe2e-0-")
    assert sum(h.role == "alb-node" for h in topo.hosts) == 3  # one per zone
    assert sum(h.role == "task" for h in topo.hosts) == 4  # two per service
    assert all(h.public_ip in topology.PUBLIC_POOL for h in topo.hosts if h.role == "alb-node")


def test_security_groups_compile_from_the_recorded_rules_only(dev: model.Stack) -> None:
    topo = topology.plan(dev, "0")
    task = next(h for h in topo.hosts if h.role == "task" and "web" in h.label)
    text = sgfilter.compile_host(topo, task)
    assert text is not None
    alb_nodes = sorted(str(h.ip) for h in topo.hosts if h.role == "alb-node")
    # Ingress from the ALB's security group means: from every ALB node's address.
    assert f"ip saddr {{ {', '.join(alb_nodes)} }} tcp dport 8080 counter accept" in text
    accepts = [line for line in text.splitlines() if "accept comment" in line]
    rules = [r for g in task.groups for r in dev.rules if r.group == g]
    assert len(accepts) == len(rules)  # one nftables rule per recorded rule, nothing else admitted
    assert text.count("policy drop") == 2 and 'counter drop comment "default deny"' in text
    client = next(h for h in topo.hosts if h.role == "vpc-client")
    assert sgfilter.compile_host(topo, client) is None


def test_dockerfiles_are_read_as_the_images_they_build(tmp_path: object) -> None:
    web = apps.read_dockerfile(ROOT / "app" / "web" / "Dockerfile")[-1]
    assert web.cmd == ["python", "/app/server.py"] and web.user == "10001:10001" and web.workdir == "/app"
    assert web.env["PYTHONDONTWRITEBYTECODE"] == "1"
    udp = apps.read_dockerfile(ROOT / "app" / "udp" / "Dockerfile")
    assert [s.base.split("@")[0] for s in udp] == ["gcc:14.2.0-bookworm", "scratch"]  # the builder by digest
    assert udp[-1].entrypoint == ["/udp-service"] and udp[-1].copies[0].stage == "build"


def test_alb_config_checks_health_as_the_target_group_says(prod: model.Stack) -> None:
    lb = next(lb for lb in prod.load_balancers if lb.type == "application")
    config = alb_config(lb, prod, {}, ROOT / "x.pem", 0.05)
    assert "http-check send meth GET uri /healthz" in config
    assert "http-check expect rstatus ^(2[0-9][0-9]|3[0-9][0-9])$" in config
    assert "ssl-min-ver TLSv1.2" in config
    assert "http-request redirect location https://%[req.hdr(host),field(1,:)]:443%[capture.req.uri] code 301" in config
    assert set(backends_of(lb).values()) == {"tg0"}


def test_clients_come_from_documentation_ranges(dev: model.Stack) -> None:
    topo = topology.plan(dev, "0")
    for address in topo.clients:
        assert address in topology.CLIENT_POOL or address in ipaddress.IPv4Network("192.0.2.0/24")


def test_without_root_it_is_skipped_saying_why_never_passed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from e2e import __main__ as cli
    from e2e import run

    from .conftest import require_emulation

    monkeypatch.setattr(run.os, "geteuid", lambda: 1000)
    assert "needs root" in (run.unavailable() or "")
    with pytest.raises(pytest.skip.Exception, match=r"e2e emulation not run: .*needs root"):
        require_emulation()
    assert cli.main(["dev"]) == cli.SKIPPED
    assert "e2e dev: SKIPPED, not run: the e2e emulation needs root" in capsys.readouterr().out
