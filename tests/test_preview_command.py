"""`./preview` is the documented command: its exit status reaches the shell, unlike make's.

The preview exits 0 (every path proven), 1 (a path broken) or 2 (config invalid); GNU make exits 2
whenever a recipe fails, so `make preview` can't tell 1 from 2. The pass-through is shown with a
stand-in interpreter in a copy of the repo's wrapper and Makefile; the real preview runs on a
broken and on the committed prod stack.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "stacks"


def run(*command: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """The wrapper and Makefile beside a virtualenv whose python exits with $FAKE_EXIT."""
    shutil.copy(ROOT / "preview", tmp_path / "preview")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    locks = ["requirements.lock", "requirements-dev.lock", "requirements-nodeps.lock"]
    requirements = [*locks, "components/pyproject.toml", "policy/requirements.txt"]
    earlier = time.time() - 100  # older than .venv/.installed: set up, nothing to do
    for requirement in requirements:
        (tmp_path / requirement).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / requirement).write_text("")
        os.utime(tmp_path / requirement, (earlier, earlier))
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "preview $*"\nexit "$FAKE_EXIT"\n')
    python.chmod(0o755)
    (tmp_path / ".venv" / ".installed").touch()
    return tmp_path


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_wrapper_passes_the_preview_exit_status_through(fake_repo: Path, code: int) -> None:
    result = run("./preview", "dev", cwd=fake_repo, env={"FAKE_EXIT": str(code)})
    assert result.returncode == code, result.stderr
    assert result.stdout.strip() == f"preview {fake_repo}/preview.py dev"
    assert result.stderr == "", "an up-to-date virtualenv is set up silently"


def test_make_cannot_tell_a_broken_path_from_invalid_config(fake_repo: Path) -> None:
    # Why ./preview exists: make reports every failing recipe as 2.
    codes = [run("make", "-s", "preview", cwd=fake_repo, env={"FAKE_EXIT": str(c)}).returncode for c in (0, 1, 2)]
    assert codes == [0, 2, 2]


def test_a_failed_setup_is_3_not_a_verdict(fake_repo: Path) -> None:
    (fake_repo / ".venv" / ".installed").unlink()
    result = run("./preview", "dev", cwd=fake_repo, env={"FAKE_EXIT": "0", "PYTHON": "false"})
    assert result.returncode == 3


def test_a_broken_stack_file_exits_2_naming_the_file_and_key_without_a_traceback() -> None:
    broken = "tests/fixtures/stacks/broken/Pulumi.namespace-fargatelb.yaml"
    result = run("./preview", broken)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"{broken}: fargatelb:web: namespace 'fargatelb' is not this project's")
    assert "did you mean fargate-lb:web?" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_prod_previews_ok_offline_verdict_first_then_what_a_real_preview_needs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fargatelb.preview import cli
    from preview import main
    from synth_helpers import committed_run

    # The session's run of prod (the same runner, stand-in marker and all), rendered by the command.
    monkeypatch.setattr(cli, "run_program", lambda project, stack, **_: committed_run(stack))
    assert main(["prod", "--no-png", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"stack prod: ok \(0 errors, 0 warnings, 0 unknown\), \d+ resources, checked offline in [\d.]+ s; "
        r"1 offline stand-in, below",
        lines[0],
    ), lines[0]
    assert lines[1].startswith("stand-in: fargate-lb:web.certificateArn, offline only: Pulumi.prod.yaml sets")
    assert "value: arn:aws:acm:eu-west-1:123456789012:certificate/0000" in lines[3]
    commands = "\n".join(lines[4:10])
    assert "pulumi config set --stack prod --path 'fargate-lb:web.domain.name' app.example.com" in commands
    assert "pulumi config set --stack prod --path 'fargate-lb:web.certificateArn' \\" in commands
    assert (tmp_path / "prod" / "report.json").is_file()


def test_a_missing_stack_is_a_usage_error_listing_the_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    from preview import main

    with pytest.raises(SystemExit) as raised:
        main(["nope"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))
    assert "no Pulumi.nope.yaml in" in err and f"stacks: {', '.join(stacks)}" in err


# --- the production profile -----------------------------------------------------------------------

WEAKENED = sorted(p for p in (FIXTURES / "broken").glob("Pulumi.prod-*.yaml") if "-override-" not in p.name)


@pytest.mark.parametrize("path", WEAKENED, ids=lambda p: p.name[len("Pulumi.") : -len(".yaml")])
def test_each_weakened_production_variant_is_refused_naming_its_key_the_control_and_the_override(
    path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from preview import main

    key = re.search(r"^# key: (.*)$", path.read_text(), re.M)
    assert key is not None
    assert main([str(path), "--no-png", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: {key[1]}: "), err
    control = re.search(r"needs .*, for ((?:ELB|EC2|ECR|KMS)\.\d+ \(Security Hub|FLB\.[A-Z]+ \(fargatelb): ", err)
    assert control, f"the control is named: {err}"
    assert 'Or override the control with its reason in pulumi:tags: {"fargatelb:override:' in err


def test_an_overridden_control_previews_and_the_preview_prints_its_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from preview import main

    path = FIXTURES / "valid" / "Pulumi.prod-override-access-logs.yaml"
    assert main([str(path), "--no-png", "--out", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # unwrapped
    assert out.startswith("stack prod-override-access-logs: ok (0 errors, 0 warnings, 0 unknown)")
    assert (
        "production (fargatelb:profile: production): 10 of 11 controls enforced, 1 overridden; the resources meet "
        "them override ELB.5 (application load balancers write access logs), lets through web-alb; reason: the "
        "platform's edge proxy logs every request (ticket OPS-1234)"
    ) in out
    report = json.loads((tmp_path / "prod-override-access-logs" / "report.json").read_text())
    assert report["production"]["overrides"][0]["letsThrough"] == ["web-alb"]


def test_dev_declares_no_profile_and_prints_none(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from preview import main

    assert main(["dev", "--no-png", "--out", str(tmp_path)]) == 0
    assert "production" not in capsys.readouterr().out
    assert json.loads((tmp_path / "dev" / "report.json").read_text())["production"] is None
