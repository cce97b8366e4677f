"""The GitHub workflows, parsed and structure-checked: what runs on pull requests and on merge, with
which credentials, and what guards the keys (pinned actions, no persisted tokens, prod only in its
protected environment, `up` applying the previewed plan, least permissions, CODEOWNERS)."""

import fnmatch
import functools
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ROOT / ".github" / "scripts"
NAMES = ("pull-request.yml", "deploy.yml")

# Every action the workflows use, at the commit its release tag points to. Each was read off the
# action's own repository (its tag, a lightweight tag on that commit) and found quoted with that
# version in other public workflows. A new action or version goes here with the same evidence.
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
    "pulumi/auth-actions": ("141415910c3beb54e03b48e9057c204c97b956f2", "v2.1.0"),
}
OIDC_ACTIONS = ("pulumi/auth-actions", "aws-actions/configure-aws-credentials")


@functools.cache
def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(name, job_name, job) for name in NAMES for job_name, job in load(name)["jobs"].items()]


def pulumi_steps(job: dict[str, Any], command: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, step)
        for i, step in enumerate(job["steps"])
        if step.get("uses", "").startswith("pulumi/actions@") and step.get("with", {}).get("command") == command
    ]


def stack_of(job: dict[str, Any]) -> set[str]:
    """The stacks a job previews or deploys: the last part of each pulumi/actions stack-name."""
    steps = uses(job, "pulumi/actions")
    return {s["with"]["stack-name"].rsplit("/", 1)[-1] for s in steps if "stack-name" in s.get("with", {})}


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
    assert "vars." not in yaml.safe_dump(checks)


def test_pull_requests_preview_dev_only_with_the_policy_pack_and_read_only_credentials(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["pulumi-preview"]
    assert job["needs"] == "checks"
    assert "environment" not in job, "a pull request's code runs in no deployment environment"
    assert "strategy" not in job
    (step,) = uses(job, "pulumi/actions")
    assert step["with"]["command"] == "preview"
    assert step["with"]["policyPacks"] == "policy"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["stack-name"] == "${{ vars.PULUMI_ORG }}/dev"
    assert job["permissions"]["pull-requests"] == "write"
    assert "head.repo.full_name == github.repository" in job["if"], "skip where fork PRs get no OIDC token"
    (aws,) = uses(job, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEV_PREVIEW_ROLE_ARN }}"
    (token,) = uses(job, "pulumi/auth-actions")
    assert token["with"]["scope"] == "team:${{ vars.PULUMI_DEV_PREVIEW_TEAM }}"


def test_merges_to_main_deploy_dev_then_prod_behind_a_protected_environment(deploy: dict[str, Any]) -> None:
    assert deploy["on"] == {"push": {"branches": ["main"]}}, "no pull_request, no manual runs from any branch"
    jobs = deploy["jobs"]
    assert jobs["up-dev"]["environment"] == "dev" and jobs["up-dev"]["needs"] == "checks"
    assert jobs["preview-prod"]["environment"] == "prod" and jobs["preview-prod"]["needs"] == "up-dev"
    assert jobs["up-prod"]["environment"] == "prod" and jobs["up-prod"]["needs"] == "preview-prod"
    for job, stack in ((jobs["up-dev"], "dev"), (jobs["up-prod"], "prod")):
        ((_, up),) = pulumi_steps(job, "up")
        assert up["with"]["stack-name"] == f"${{{{ vars.PULUMI_ORG }}}}/{stack}"
    assert deploy["concurrency"]["cancel-in-progress"] is False, "never cancel a running pulumi up"


def test_every_pulumi_up_is_followed_by_the_deploy_check_of_the_same_stack(deploy: dict[str, Any]) -> None:
    for name, job in deploy["jobs"].items():
        steps = job["steps"]
        for i, step in pulumi_steps(job, "up"):
            stack = step["with"]["stack-name"]
            after = [step.get("run", "") for step in steps[i + 1 :]]
            assert f"make verify-deploy STACK={stack}" in after, f"{name}: `pulumi up` of {stack} is not verified"
    assert sum(1 for job in deploy["jobs"].values() for s in job["steps"] if "verify-deploy" in s.get("run", "")) == 2


def test_every_make_verb_the_workflows_run_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for name, _, job in all_jobs():
        for command in runs(job):
            if command.startswith("make "):
                words = command.split()[1:]
                targets = words[: next((i for i, w in enumerate(words) if "=" in w), len(words))]
                assert targets, command
                for target in targets:
                    assert f"\n{target}:" in makefile, f"{name} runs `{command}` but the Makefile has no {target}"


# --- Pinned actions -----------------------------------------------------------------------------


def uses_lines() -> list[tuple[str, int, str]]:
    return [
        (name, number, line)
        for name in NAMES
        for number, line in enumerate((WORKFLOWS / name).read_text().splitlines(), 1)
        if re.match(r"\s*(-\s+)?uses:", line)
    ]


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment() -> None:
    lines = uses_lines()
    assert len(lines) > 10
    for name, number, line in lines:
        match = re.fullmatch(r"\s*(?:-\s+)?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)", line)
        assert match, f"{name}:{number}: `{line.strip()}` is not `owner/repo@<40-hex sha> # vX.Y.Z`"
        action, sha, version = match.groups()
        assert action in PINNED, f"{name}:{number}: {action} has no verified pin in PINNED"
        assert (sha, version) == PINNED[action], f"{name}:{number}: {action}@{sha} # {version} is not the verified pin"


def test_no_action_is_referenced_by_a_tag_or_branch_anywhere() -> None:
    # Also catches `uses:` in flow style or a reusable workflow, which the line check above would miss.
    for name, job_name, job in all_jobs():
        assert "uses" not in job, f"{name}: {job_name}: a reusable workflow must be pinned like an action"
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), (name, step["uses"])


def test_every_checkout_leaves_no_credentials_in_the_git_config() -> None:
    checkouts = [(name, job_name, step) for name, job_name, job in all_jobs() for step in uses(job, "actions/checkout")]
    assert len(checkouts) == 6
    for name, job_name, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name}: {job_name}'s checkout persists"


# --- Who gets which keys ------------------------------------------------------------------------


def test_workflows_hold_no_stored_secret_only_oidc() -> None:
    for name in NAMES:
        text = (WORKFLOWS / name).read_text()
        assert "secrets." not in text, f"{name}: credentials come by OIDC, not from stored secrets"
        assert "PULUMI_ACCESS_TOKEN:" not in text, f"{name}: the Pulumi token comes from pulumi/auth-actions"
        assert "aws-access-key-id" not in text


def test_prod_runs_only_in_the_prod_environment_and_never_for_a_pull_request(pr: dict[str, Any]) -> None:
    pr_text = (WORKFLOWS / "pull-request.yml").read_text()
    assert "PROD" not in pr_text and "/prod" not in pr_text, "a pull request gets nothing of prod's"
    for name, job_name, job in all_jobs():
        text = yaml.safe_dump(job)
        touches_prod = "prod" in stack_of(job) or "PROD" in text or "set-prod-certificate" in text
        assert touches_prod == (job.get("environment") == "prod"), f"{name}: {job_name}"
        if job.get("environment") == "prod":
            assert name == "deploy.yml"
            assert "DEV" not in text, f"{job_name}: prod's jobs use prod's settings only"
        if job.get("environment") == "dev":
            assert "PROD" not in text
    prod_workflows = {name for name, _, job in all_jobs() if job.get("environment") == "prod"}
    for name in prod_workflows:
        triggers = load(name)["on"]
        assert set(triggers) == {"push"} and triggers["push"] == {"branches": ["main"]}, name


def test_each_job_assumes_its_own_environments_role_and_pulumi_team() -> None:
    expected = {
        ("pull-request.yml", "pulumi-preview"): (
            "AWS_DEV_PREVIEW_ROLE_ARN",
            "AWS_DEV_ACCOUNT_ID",
            "PULUMI_DEV_PREVIEW_TEAM",
        ),
        ("deploy.yml", "up-dev"): ("AWS_DEV_DEPLOY_ROLE_ARN", "AWS_DEV_ACCOUNT_ID", "PULUMI_DEV_TEAM"),
        ("deploy.yml", "preview-prod"): ("AWS_PROD_DEPLOY_ROLE_ARN", "AWS_PROD_ACCOUNT_ID", "PULUMI_PROD_TEAM"),
        ("deploy.yml", "up-prod"): ("AWS_PROD_DEPLOY_ROLE_ARN", "AWS_PROD_ACCOUNT_ID", "PULUMI_PROD_TEAM"),
    }
    credentialed = {(name, job_name) for name, job_name, job in all_jobs() if any(uses(job, a) for a in OIDC_ACTIONS)}
    assert credentialed == set(expected)
    for name, job_name, job in all_jobs():
        if (name, job_name) not in expected:
            continue
        role, account, team = expected[name, job_name]
        (aws,) = uses(job, "aws-actions/configure-aws-credentials")
        assert aws["with"]["role-to-assume"] == f"${{{{ vars.{role} }}}}"
        assert aws["with"]["allowed-account-ids"] == f"${{{{ vars.{account} }}}}", "fail on the wrong account"
        (token,) = uses(job, "pulumi/auth-actions")
        assert token["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:team"
        assert token["with"]["scope"] == f"team:${{{{ vars.{team} }}}}"
        # Their settings are checked before any is used, each by name.
        check = next(i for i, s in enumerate(job["steps"]) if s.get("run", "").startswith(".github/scripts/require-"))
        assert {role, account, team, "PULUMI_ORG"} <= set(job["steps"][check]["run"].split()[1:])
        first_use = min(job["steps"].index(aws), job["steps"].index(token))
        assert check < first_use, f"{job_name}: check the settings before asking for credentials"


def test_permissions_are_minimal_per_job() -> None:
    for name in NAMES:
        assert load(name)["permissions"] == {}, f"{name}: no workflow-wide permissions"
    for name, job_name, job in all_jobs():
        permissions = job.get("permissions")
        assert permissions is not None, f"{name}: {job_name} must state its permissions"
        assert permissions.get("contents") == "read", f"{name}: {job_name}"
        oidc = any(uses(job, action) for action in OIDC_ACTIONS)
        assert (permissions.get("id-token") == "write") == oidc, f"{name}: {job_name}: id-token only for OIDC"
        comments = any(step.get("with", {}).get("comment-on-pr") for step in job["steps"])
        assert (permissions.get("pull-requests") == "write") == comments, f"{name}: {job_name}"
        allowed = {"contents", "id-token", "pull-requests"}
        assert set(permissions) <= allowed, f"{name}: {job_name} asks for {set(permissions) - allowed}"


def test_the_pulumi_cli_is_the_sdks_release() -> None:
    pin = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pin
    for name in NAMES:
        assert load(name)["env"]["PULUMI_VERSION"] == pin.group(1), name
    for name, job_name, job in all_jobs():
        for step in uses(job, "pulumi/actions"):
            assert step["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}", f"{name}: {job_name}"


# --- What is applied is what was previewed ------------------------------------------------------


def test_every_real_preview_and_up_enforces_the_policy_pack_on_the_hashed_install() -> None:
    for name, job_name, job in all_jobs():
        steps = pulumi_steps(job, "preview") + pulumi_steps(job, "up")
        for _, step in steps:
            assert step["with"]["policyPacks"] == "policy", f"{name}: {job_name}"
        if steps:
            assert "make setup policy-venv" in runs(job), f"{name}: {job_name}: the pack runs on the locked venv"


def test_dev_applies_the_plan_its_preview_saved_in_the_same_job(deploy: dict[str, Any]) -> None:
    job = deploy["jobs"]["up-dev"]
    ((i, preview),) = pulumi_steps(job, "preview")
    ((j, up),) = pulumi_steps(job, "up")
    assert i < j
    assert preview["with"]["plan"] == up["with"]["plan"] == "${{ runner.temp }}/dev.plan.json"
    assert preview["with"]["stack-name"] == up["with"]["stack-name"]


def test_prod_applies_the_plan_the_prod_preview_saved_checked_by_its_sha256(deploy: dict[str, Any]) -> None:
    preview_job, up_job = deploy["jobs"]["preview-prod"], deploy["jobs"]["up-prod"]
    ((i, preview),) = pulumi_steps(preview_job, "preview")
    assert not pulumi_steps(preview_job, "up")
    saved = preview["with"]["plan"]
    assert saved == "${{ runner.temp }}/prod.plan.json"
    fingerprint = next(s for s in preview_job["steps"] if s.get("id") == "plan")
    assert preview_job["steps"].index(fingerprint) > i and "sha256sum" in fingerprint["run"]
    assert preview_job["outputs"] == {
        "plan-artifact": "${{ steps.plan.outputs.artifact }}",
        "plan-sha256": "${{ steps.plan.outputs.sha256 }}",
    }
    (upload,) = uses(preview_job, "actions/upload-artifact")
    assert upload["with"]["path"] == saved and upload["with"]["name"] == "${{ steps.plan.outputs.artifact }}"
    assert upload["with"]["retention-days"] == 1 and upload["with"]["if-no-files-found"] == "error"

    steps = up_job["steps"]
    (download,) = uses(up_job, "actions/download-artifact")
    assert download["with"]["name"] == "${{ needs.preview-prod.outputs.plan-artifact }}"
    assert download["with"]["path"] == "${{ runner.temp }}/plan"
    check = next(s for s in steps if "sha256sum --check" in s.get("run", ""))
    assert check["env"]["PLAN_SHA256"] == "${{ needs.preview-prod.outputs.plan-sha256 }}"
    assert "$RUNNER_TEMP/plan/prod.plan.json" in check["run"]
    ((j, up),) = pulumi_steps(up_job, "up")
    assert up["with"]["plan"] == "${{ runner.temp }}/plan/prod.plan.json"
    assert steps.index(download) < steps.index(check) < j
    assert up["with"]["stack-name"] == preview["with"]["stack-name"]


def test_no_pulumi_up_runs_without_a_plan() -> None:
    for name, job_name, job in all_jobs():
        for _, step in pulumi_steps(job, "up"):
            assert step["with"].get("plan"), f"{name}: {job_name} runs `pulumi up` without the previewed plan"
        for command in runs(job):
            assert not re.search(r"\bpulumi (up|update)\b", command) and "make up" not in command, (name, job_name)


def test_prod_gets_its_certificate_from_the_environment_before_preview_and_up(deploy: dict[str, Any]) -> None:
    for job_name in ("preview-prod", "up-prod"):
        job = deploy["jobs"][job_name]
        steps = job["steps"]
        (step,) = [s for s in steps if "set-prod-certificate" in s.get("run", "")]
        assert step["run"] == '.github/scripts/set-prod-certificate "$STACK"'
        assert step["env"] == {
            "STACK": "${{ vars.PULUMI_ORG }}/prod",
            "WEB_CERTIFICATE_ARN": "${{ vars.WEB_CERTIFICATE_ARN }}",
            "WEB_DOMAIN_NAME": "${{ vars.WEB_DOMAIN_NAME }}",
            "WEB_DOMAIN_HOSTED_ZONE": "${{ vars.WEB_DOMAIN_HOSTED_ZONE }}",
        }
        (install,) = [s for s in uses(job, "pulumi/actions") if "command" not in s["with"]]
        (pulumi_step,) = [i for i, s in enumerate(steps) if s.get("with", {}).get("command") in ("preview", "up")]
        assert steps.index(install) < steps.index(step) < pulumi_step, job_name


# --- The scripts the workflows run ---------------------------------------------------------------


@pytest.fixture
def fake_pulumi(tmp_path: Path) -> Path:
    """A `pulumi` on PATH that records its arguments, one call per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text('#!/bin/sh\necho "$*" >> "$PULUMI_CALLS"\n')
    (bin_dir / "pulumi").chmod(0o755)
    return bin_dir


def certificate(fake_pulumi: Path, **values: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    calls = fake_pulumi.parent / "calls"
    env = {"PATH": f"{fake_pulumi}:{os.environ['PATH']}", "PULUMI_CALLS": str(calls), **values}
    result = subprocess.run(
        [str(SCRIPTS / "set-prod-certificate"), "acme/prod"], capture_output=True, text=True, env=env, timeout=10
    )
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_the_prod_certificate_comes_from_an_arn(fake_pulumi: Path) -> None:
    arn = "arn:aws:acm:eu-west-1:111122223333:certificate/abc"
    result, calls = certificate(fake_pulumi, WEB_CERTIFICATE_ARN=arn)
    assert result.returncode == 0, result.stdout
    assert calls == [f"config set --stack acme/prod --path fargate-lb:web.certificateArn {arn}"]


def test_the_prod_certificate_comes_from_a_domain_in_a_zone(fake_pulumi: Path) -> None:
    result, calls = certificate(fake_pulumi, WEB_DOMAIN_NAME="app.example.com", WEB_DOMAIN_HOSTED_ZONE="example.com")
    assert result.returncode == 0, result.stdout
    assert calls == [
        "config set --stack acme/prod --path fargate-lb:web.domain.name app.example.com",
        "config set --stack acme/prod --path fargate-lb:web.domain.hostedZone example.com",
    ]


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({}, "prod serves HTTPS and holds no certificate: set WEB_CERTIFICATE_ARN"),
        ({"WEB_DOMAIN_NAME": "app.example.com"}, "WEB_DOMAIN_HOSTED_ZONE is not"),
        ({"WEB_DOMAIN_HOSTED_ZONE": "example.com"}, "WEB_DOMAIN_NAME is not"),
        ({"WEB_CERTIFICATE_ARN": "arn:x", "WEB_DOMAIN_NAME": "app.example.com"}, "both set"),
    ],
    ids=["unset", "name-only", "zone-only", "both"],
)
def test_without_exactly_one_certificate_prod_stops_saying_what_to_set(
    fake_pulumi: Path, values: dict[str, str], says: str
) -> None:
    result, calls = certificate(fake_pulumi, **values)
    assert result.returncode == 1 and calls == []
    assert result.stdout.startswith("::error title=Prod's certificate::") and says in result.stdout
    assert "'prod' environment" in result.stdout


def test_require_vars_names_every_unset_variable() -> None:
    env = {"PATH": os.environ["PATH"], "SET_ONE": "x", "EMPTY_ONE": ""}
    script = str(SCRIPTS / "require-vars")
    ok = subprocess.run([script, "SET_ONE"], capture_output=True, text=True, env=env, timeout=10)
    assert ok.returncode == 0 and ok.stdout == ""
    bad = subprocess.run([script, "SET_ONE", "EMPTY_ONE", "MISSING_ONE"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    errors = bad.stdout.splitlines()
    assert [line.split("::")[2].split()[0] for line in errors] == ["EMPTY_ONE", "MISSING_ONE"]


def test_the_scripts_are_executable_in_git() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-s", ".github/scripts"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if not listed:
        pytest.skip("not a git checkout")
    for line in listed:
        assert line.startswith("100755 "), line


# --- CODEOWNERS ----------------------------------------------------------------------------------


def owners_of(path: str) -> list[str]:
    """The owners of `path` by .github/CODEOWNERS: the last matching rule wins (gitignore-style
    patterns: a leading / anchors at the root, a trailing / means everything under it)."""
    owners: list[str] = []
    for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, *names = line.split()
        anchored = pattern.startswith("/")
        pattern = pattern.lstrip("/")
        if pattern.endswith("/"):
            matches = path.startswith(pattern) if anchored else f"/{pattern}" in f"/{path}"
        else:
            matches = fnmatch.fnmatch(path, pattern) if anchored else fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern)
        if matches:
            owners = names
    return owners


@pytest.mark.parametrize(
    "path",
    [
        "policy/__main__.py",
        "policy/fargatelb_policies.py",
        "policy/requirements.txt",
        "Pulumi.prod.yaml",
        ".github/CODEOWNERS",
        ".github/workflows/deploy.yml",
        ".github/workflows/pull-request.yml",
        ".github/scripts/set-prod-certificate",
        "requirements.txt",
        "requirements-dev.txt",
        "requirements-nodeps.txt",
        "requirements.lock",
        "requirements-dev.lock",
        "requirements-nodeps.lock",
        "app/web/Dockerfile",
        "app/udp/Dockerfile",
        "components/fargatelb/sidecar/Dockerfile",
    ],
)
def test_codeowners_require_a_review_for_what_guards_prod(path: str) -> None:
    assert (ROOT / path).exists(), f"{path} no longer exists: update this list"
    owners = owners_of(path)
    assert owners, f"{path} has no code owner"
    for owner in owners:
        assert re.fullmatch(r"@[\w-]+(/[\w-]+)?|[^@\s]+@[^@\s]+", owner), f"{path}: {owner!r} is not an owner"


def test_codeowners_do_not_claim_everything() -> None:
    assert owners_of("README.md") == [] and owners_of("components/fargatelb/__init__.py") == []


def test_the_offline_preview_step_publishes_its_reports(pr: dict[str, Any]) -> None:
    # fargatelb.preview writes the job summary and annotations itself when GitHub's variables are set;
    # the step must leave them alone, and the reports (out/<stack>/report.json) are uploaded.
    checks = pr["jobs"]["checks"]
    (step,) = [s for s in checks["steps"] if s.get("run") == "make preview-all"]
    assert not {"GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS"} & set(step.get("env", {}))
    (upload,) = uses(checks, "actions/upload-artifact")
    assert upload["with"]["path"] == "out/" and upload["if"] == "always()"
