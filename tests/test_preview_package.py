"""The offline preview as package code (`fargatelb.preview`): report.json against its schema, the
text with the verdict first, GitHub's summary and annotations, the diagram, any program directory.

The committed stacks' runs are the session's (`committed_previews`); the CLI runs once on a planted
AWS-rule error, once on a broken stack file, and on a small outside program.
"""

import copy
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from schema_lite import errors

import fargatelb.preview
from fargatelb import offline
from fargatelb.preview import diagram, github, text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((Path(fargatelb.preview.__file__).parent / "report.schema.json").read_text())
Previews = dict[str, tuple[Any, dict[str, Any]]]


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(document))
    return result


def line_of(path: Path, pattern: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line))


def test_every_committed_stacks_report_matches_the_schema(committed_previews: Previews) -> None:
    for stack, (_, document) in committed_previews.items():
        assert errors(as_json(document), SCHEMA) == [], stack


def test_the_schema_check_catches_what_the_schema_forbids(committed_previews: Previews) -> None:
    broken = copy.deepcopy(as_json(committed_previews["dev"][1]))
    del broken["verdict"]["errors"]
    broken["paths"][0]["ok"] = "yes"
    broken["cost"]["items"][0]["monthlyUsd"] = "16.06"
    broken["surprise"] = 1
    found = "\n".join(errors(broken, SCHEMA))
    for expected in ("$.verdict: errors is required", "$.paths[0].ok: 'yes' is not boolean",
                     "$.cost.items[0].monthlyUsd: '16.06' is not number", "$: surprise is not allowed"):  # fmt: skip
        assert expected in found


def test_report_cost_items_add_up_to_the_totals(committed_previews: Previews) -> None:
    for stack, (_, document) in committed_previews.items():
        cost = json.loads(json.dumps(document["cost"]), parse_float=Decimal)
        assert cost["region"] == document["region"] == "eu-west-1"
        assert sum(i["monthlyUsd"] for i in cost["items"]) == cost["monthlyUsd"] > 0, stack
        assert sum(i["monthlyUsdAtMax"] for i in cost["items"]) == cost["monthlyUsdAtMax"] > cost["monthlyUsd"]
        assert cost["tradeoff"]["sentence"].startswith("NAT vs endpoints:")


def test_the_text_has_the_verdict_first_one_line_per_path_and_short_lines(committed_previews: Previews) -> None:
    for stack, (_, document) in committed_previews.items():
        short = text.render(document).splitlines()
        resources = len(document["resources"])
        assert re.fullmatch(
            rf"stack {stack}: ok \(0 errors, 0 warnings, 0 unknown\), {resources} resources, checked offline in "
            r"[\d.]+ s(; 1 offline stand-in, below)?",
            short[0],
        )
        for path in document["paths"]:
            pattern = rf"  ✓ {path['service']} +{path['kind']} +{len(path['hops'])} hops"
            assert sum(1 for line in short if re.fullmatch(pattern, line)) == 1, pattern
        assert short.index(next(x for x in short if x.startswith("cost: $"))) > short.index("findings: none")
        assert short[-2].endswith("GB/month.") or "NAT vs endpoints" in "\n".join(short[-5:])
        verbose = text.render(document, verbose=True)
        for hop in (h for p in document["paths"] for h in p["hops"]):
            assert hop.split()[0] in verbose
        for line in (*short, *verbose.splitlines()):
            assert len(line) <= text.WIDTH or "://" in line, line
        assert len(short) < 30 and all(r["name"] in verbose for r in document["resources"])


def test_prod_lists_its_stand_in_with_the_line_of_its_section(committed_previews: Previews) -> None:
    _, document = committed_previews["prod"]
    (stand_in,) = document["standIns"]
    assert stand_in["configKey"] == "fargate-lb:web.certificateArn" and len(stand_in["commands"]) == 2
    assert stand_in["line"] == line_of(ROOT / "Pulumi.prod.yaml", r"^  fargate-lb:web:")
    (notice,) = github.annotation_lines(document, "Pulumi.prod.yaml")
    assert notice.startswith(f"::notice file=Pulumi.prod.yaml,line={stand_in['line']},title=prod%3A offline stand-in::")
    lines = text.render(document).splitlines()
    assert lines[1].startswith("stand-in: fargate-lb:web.certificateArn, offline only:")
    _, dev = committed_previews["dev"]
    assert dev["standIns"] == [] and "stand-in" not in text.render(dev), "dev needs nothing from the deployer"


def _retention_8(args: Any) -> Any:
    import pulumi

    if args.type_ == "aws:cloudwatch/logGroup:LogGroup":
        return pulumi.ResourceTransformationResult({**args.props, "retention_in_days": 8}, args.opts)
    return None


@pytest.fixture
def on_github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ROOT))
    return summary


def test_a_value_aws_refuses_fails_the_preview_naming_key_and_line_also_on_github(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, on_github: Path
) -> None:
    from fargatelb.preview import cli, runner
    from preview import main

    real = runner.run_program
    monkeypatch.setattr(cli, "run_program", lambda *a, **kw: real(*a, **kw, transformations=[_retention_8]))
    assert main(["dev", "--no-png", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("stack dev: BROKEN (2 errors, 0 warnings, 0 unknown)")  # both services' log groups
    assert "[aws-enum] web-logs: retentionInDays = 8 must be one of 1, 3, 5, 7, 14" in out
    line = line_of(ROOT / "Pulumi.dev.yaml", "logRetentionDays")  # the web section's comes first
    assert f"fix: config `fargate-lb:web.logRetentionDays` (line {line}):" in out
    document = json.loads((tmp_path / "dev" / "report.json").read_text())
    assert errors(document, SCHEMA) == []
    web = next(f for f in document["findings"] if f["configKey"] == "fargate-lb:web.logRetentionDays")
    assert (web["severity"], web["layer"], web["hop"], web["line"], web["value"]) == (
        "error",
        "aws-rules",
        "aws-enum",
        line,
        8,
    )
    assert web["resources"][0]["name"] == "web-logs" and web["sourceUrl"].startswith("https://docs.aws.amazon.com/")
    assert f"::error file=Pulumi.dev.yaml,line={line},title=dev%3A [aws-enum]::retentionInDays = 8" in out
    summary = on_github.read_text()
    assert summary.startswith("### ❌ `dev`: broken") and "| error | `aws-enum` | web-logs |" in summary
    assert f"**Cost**: ${document['cost']['monthlyUsd']:.2f}/month" in summary  # the report's own figure


def test_an_invalid_stack_file_is_reported_with_its_key_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, on_github: Path
) -> None:
    from preview import main

    broken = ROOT / "tests/fixtures/stacks/broken/Pulumi.namespace-fargatelb.yaml"
    assert main([str(broken.relative_to(ROOT)), "--out", str(tmp_path)]) == 2
    document = json.loads((tmp_path / "namespace-fargatelb" / "report.json").read_text())
    assert errors(document, SCHEMA) == [] and document["verdict"]["status"] == "invalid-config"
    error = document["configError"]
    assert (error["configKey"], error["line"]) == ("fargatelb:web", line_of(broken, r"^  fargatelb:web:"))
    out = capsys.readouterr().out
    assert f"::error file=tests/fixtures/stacks/broken/{broken.name},line={error['line']}," in out
    assert "invalid-config" in on_github.read_text()


def test_the_diagram_draws_sidecar_health_check_redirect_and_one_endpoint_edge_per_task(
    committed_previews: Previews,
) -> None:
    judged, document = committed_previews["prod"]
    drawing = diagram.draw(judged.graph, document)
    by_label = {label: node for node, label in drawing.labels.items()}
    edges = {(drawing.labels[a], drawing.labels[b], label, dashed) for a, b, label, dashed in drawing.edges}
    assert ("listener HTTP:80", "listener HTTPS:443", "301 redirect", False) in edges
    assert ("target group UDP:1234", "healthcheck (sidecar) :8080/tcp", "health HTTP :8080 /healthz", True) in edges
    assert ("healthcheck (sidecar) :8080/tcp", "udp :1234/udp", "probes :1234", True) in edges
    assert ("target group HTTP:8080", "app :8080/tcp", "health HTTP :8080 /healthz", True) in edges
    endpoints = next(n for label, n in by_label.items() if label.startswith("VPC endpoints"))
    to_endpoints = [a for a, b, _, _ in drawing.edges if b == endpoints]
    assert len(to_endpoints) == 2 == len(set(to_endpoints)), "one bundled edge per task group"
    assert "-.->|probes :1234|" in diagram.mermaid(drawing) and "style=dashed" in diagram.dot(drawing)


PROGRAM = """
import pulumi
from fargatelb import PrivateNetwork, PrivateNetworkArgs, offline
from helper import ZONES  # the program's own module, beside it

cert = pulumi.Config().get("cert")
if cert is None and offline.is_offline():
    cert = offline.report_stand_in("outside:cert", "arn:stand-in", "each deployer's own", ("config set cert X",)).value
PrivateNetwork("net", PrivateNetworkArgs(az_count=ZONES))
pulumi.export("cert", cert)
pulumi.export("cwd", open("marker.txt").read())
"""


def test_any_program_directory_previews_with_its_stand_ins_and_cost_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fargatelb.preview.cli import main

    # A stand-in Graphviz: the preview runs `dot -Tpng -o PNG DOT` in the background.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "dot").write_text('#!/bin/sh\n[ "$1" = -Tpng ] && [ "$2" = -o ] && head -1 "$4" > "$3"\n')
    (tmp_path / "bin" / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")

    assert not offline.is_offline()
    with pytest.raises(RuntimeError, match="only an offline run"):
        offline.report_stand_in("x:y", "z", "why")
    (tmp_path / "Pulumi.yaml").write_text("name: outside\nruntime: python\nmain: src/\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__main__.py").write_text(PROGRAM)
    (tmp_path / "src" / "helper.py").write_text("ZONES = 2\n")
    (tmp_path / "src" / "marker.txt").write_text("src")
    config = "config:\n  aws:region: eu-west-1\n  outside:cost: {awsServiceGbPerMonth: %s}\n"
    (tmp_path / "Pulumi.test.yaml").write_text(config % "100")
    (tmp_path / "Pulumi.bad.yaml").write_text(config % "-1")
    assert main([str(tmp_path), "--stack", "test"]) == 0
    assert (tmp_path / "out" / "test" / "architecture.png").read_text() == "digraph architecture {\n"
    out = capsys.readouterr().out
    assert out.startswith("stack test: ok (0 errors, 0 warnings, 0 unknown)") and "stand-in: outside:cert" in out
    document = json.loads((tmp_path / "out" / "test" / "report.json").read_text())
    assert errors(document, SCHEMA) == [] and document["project"] == "outside"
    assumed = {a["key"]: a["value"] for a in document["cost"]["assumptions"]}
    assert assumed["outside:cost.awsServiceGbPerMonth"] == 100
    assert document["standIns"][0]["configKey"] == "outside:cert"
    assert document["files"][-1].endswith("out/test/architecture.png")
    assert main([str(tmp_path), "--stack", "bad"]) == 2
    assert "Pulumi.bad.yaml: outside:cost.awsServiceGbPerMonth: must be a number" in capsys.readouterr().err


def test_the_stack_files_cost_section_is_what_the_preview_prices_with(committed_previews: Previews) -> None:
    from fargatelb.preview import StackFile, judge, report
    from fargatelb.preview.runner import cost_assumptions
    from offline import PROJECT, parse_stack, stack_config

    judged, default = committed_previews["dev"]
    config = {**stack_config("dev"), "fargate-lb:cost": json.dumps({"awsServiceGbPerMonth": 300})}
    assumptions = cost_assumptions(PROJECT, StackFile("Pulumi.dev.yaml", config, ()))
    assert assumptions == parse_stack("dev").cost.__class__.from_mapping({"awsServiceGbPerMonth": 300})
    heavier = report.build(judge(judged.run, assumptions=assumptions))["cost"]
    by_key = {i["what"]: i["monthlyUsd"] for i in heavier["items"]}
    before = {i["what"]: i["monthlyUsd"] for i in default["cost"]["items"]}
    processed = next(what for what in by_key if what.startswith("Data processed by the interface endpoints"))
    assert by_key[processed] == 300 * 0.01 and before[next(w for w in before if w.startswith("Data processed"))] == 0.1
    # 300 GB is past the crossing: the sentence now says the endpoints cost less.
    assert (
        "At 300 GB/month to AWS services the endpoints cost $1.91 less than one NAT" in heavier["tradeoff"]["sentence"]
    )
    assert "the endpoints cost $9.11 more than one NAT" in default["cost"]["tradeoff"]["sentence"]


def test_the_package_ships_the_preview_its_schema_and_the_console_script() -> None:
    import importlib
    import tomllib

    spec = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())
    target = spec["project"]["scripts"]["fargatelb-preview"]
    module, function = target.split(":")
    assert callable(getattr(importlib.import_module(module), function))
    assert "fargatelb.preview" in spec["tool"]["setuptools"]["packages"]
    assert spec["tool"]["setuptools"]["package-data"]["fargatelb.preview"] == ["report.schema.json"]


def test_the_benchmark_programs_still_preview() -> None:
    """bench/many_services is run only by the benchmark: a small count here keeps it from rotting."""
    from fargatelb.preview.project import Project
    from fargatelb.preview.runner import judge, run_program

    project = Project.load(ROOT / "bench" / "many_services")
    run = run_program(project, "twenty", config={"aws:region": "eu-west-1", "many-services:count": "2"})
    report = judge(run, cost=False).report
    assert report.ok and {p.service for p in report.paths} == {"web00-service", "web01-service"}, report.format()
