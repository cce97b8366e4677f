"""The GitHub workflows, parsed and structure-checked: what runs on pull requests and on merge."""

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


@pytest.fixture(scope="module")
def pr() -> dict[str, Any]:
    return load("pull-request.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load("deploy.yml")


def test_pull_requests_lint_test_and_preview_offline_without_secrets(pr: dict[str, Any]) -> None:
    assert "pull_request" in pr["on"]
    checks = pr["jobs"]["checks"]
    commands = " ".join(runs(checks))
    for verb in ("make lint", "make test", "make preview-all"):
        assert verb in commands, f"pull requests must run `{verb}`"
    assert "secrets." not in yaml.safe_dump(checks), "the offline checks must work for forks, with no secrets"


def test_pull_requests_run_pulumi_preview_with_the_policy_pack_for_each_stack(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["pulumi-preview"]
    assert job["needs"] == "checks"
    assert set(job["strategy"]["matrix"]["stack"]) == {"dev", "prod"}
    (step,) = uses(job, "pulumi/actions")
    assert step["with"]["command"] == "preview"
    assert step["with"]["policyPacks"] == "policy"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["stack-name"].endswith("${{ matrix.stack }}")
    assert job["permissions"]["pull-requests"] == "write"
    assert "head.repo.full_name == github.repository" in job["if"], "skip where fork PRs have no secrets"


def test_merges_to_main_deploy_dev_then_prod_behind_a_protected_environment(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    dev, prod = deploy["jobs"]["up-dev"], deploy["jobs"]["up-prod"]
    for job, stack in ((dev, "dev"), (prod, "prod")):
        (step,) = uses(job, "pulumi/actions")
        assert step["with"]["command"] == "up" and step["with"]["stack-name"].endswith(f"/{stack}")
        assert step["with"]["policyPacks"] == "policy"
    assert prod["environment"] == "prod" and prod["needs"] == "up-dev"
    assert deploy["concurrency"]["cancel-in-progress"] is False, "never cancel a running pulumi up"


def test_every_pulumi_up_is_followed_by_the_deploy_check_of_the_same_stack(deploy: dict[str, Any]) -> None:
    for name, job in deploy["jobs"].items():
        steps = job["steps"]
        ups = [i for i, step in enumerate(steps) if step.get("with", {}).get("command") == "up"]
        for i in ups:
            stack = steps[i]["with"]["stack-name"]
            after = [step.get("run", "") for step in steps[i + 1 :]]
            assert f"make verify-deploy STACK={stack}" in after, f"{name}: `pulumi up` of {stack} is not verified"
    assert sum(1 for job in deploy["jobs"].values() for s in job["steps"] if "verify-deploy" in s.get("run", "")) == 2


def test_every_make_verb_the_workflows_run_exists() -> None:
    makefile = (WORKFLOWS.parent.parent / "Makefile").read_text()
    for name in ("pull-request.yml", "deploy.yml"):
        for job in load(name)["jobs"].values():
            for command in runs(job):
                if command.startswith("make "):
                    target = command.split()[1]
                    assert f"\n{target}:" in makefile, f"{name} runs `{command}` but the Makefile has no {target}"


def test_the_offline_preview_step_publishes_its_reports(pr: dict[str, Any]) -> None:
    # fargatelb.preview writes the job summary and annotations itself when GitHub's variables are set;
    # the step must leave them alone, and the reports (out/<stack>/report.json) are uploaded.
    checks = pr["jobs"]["checks"]
    (step,) = [s for s in checks["steps"] if s.get("run") == "make preview-all"]
    assert not {"GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"} & set(step.get("env", {}))
    (upload,) = uses(checks, "actions/upload-artifact")
    assert upload["with"]["path"] == "out/" and upload["if"] == "always()"
