"""What gets installed and built from: Python packages from hashed locks that agree with the pins
in requirements*.txt, and the apps' base images pinned by digest."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Human-facing pins -> their hashed lock (`make lock` writes the locks: scripts/lock_requirements.py).
LOCKS = {
    "requirements.txt": "requirements.lock",
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements-nodeps.txt": "requirements-nodeps.lock",
}
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: str) -> dict[str, str]:
    """name -> version of each `name==version` line, following `-r` includes."""
    found: dict[str, str] = {}
    for raw in (ROOT / requirements).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(line[3:].strip()))
        elif match := _ENTRY.match(line):
            found[canonical(match.group(1))] = match.group(2)
        elif line:
            assert line == "-e ./components", f"{requirements}: `{line}` is neither an exact pin nor the components"
    return found


def lock_entries(lock: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes) of each entry of a lock; refuses lines a lock can't hold."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            match = _ENTRY.match(line)
            assert match, f"{lock}: `{line}` is not a `name==version` entry (no -e, URLs or options)"
            current = canonical(match.group(1))
            assert current not in entries, f"{lock}: {current} twice"
            entries[current] = (match.group(2), [])
        else:
            assert current is not None
            entries[current][1].extend(_HASH.findall(line))
    return entries


@pytest.mark.parametrize(("requirements", "lock"), LOCKS.items())
def test_the_lock_pins_every_requirement_at_its_version(requirements: str, lock: str) -> None:
    entries = lock_entries(lock)
    for name, version in pins(requirements).items():
        assert name in entries, f"{lock} lacks {name}=={version}: run `make lock`"
        assert entries[name][0] == version, f"{lock} has {name}=={entries[name][0]}, {requirements} says {version}"


@pytest.mark.parametrize("lock", LOCKS.values())
def test_every_lock_entry_has_hashes(lock: str) -> None:
    entries = lock_entries(lock)
    assert entries
    for name, (version, hashes) in entries.items():
        assert hashes, f"{lock}: {name}=={version} has no --hash"
        assert len(hashes) == len(set(hashes)), f"{lock}: {name} lists a hash twice"


def test_the_program_lock_is_the_dev_lock_minus_the_dev_tools() -> None:
    program, dev = lock_entries("requirements.lock"), lock_entries("requirements-dev.lock")
    for name, (version, hashes) in program.items():
        assert name in dev, f"make setup (requirements-dev.lock) would not install {name}"
        assert dev[name] == (version, hashes), f"{name}: the two locks disagree"


def test_the_components_dependencies_are_locked() -> None:
    # `-e ./components` is installed with --no-deps: its dependencies must come from the lock.
    project = tomllib.loads((ROOT / "components" / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    locked = lock_entries("requirements.lock")
    for requirement in wanted:
        name = canonical(re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0])
        assert name in locked, f"components needs {requirement}, which requirements.lock doesn't pin"


def test_the_nodeps_lock_holds_only_what_is_installed_without_dependencies() -> None:
    assert set(lock_entries("requirements-nodeps.lock")) == set(pins("requirements-nodeps.txt"))


def installed_by_setup() -> list[str]:
    """The recipe lines of the Makefile rule that builds the virtualenv."""
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(r"^\$\(VENV\)/\.installed:(.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert rule, "the Makefile has no $(VENV)/.installed rule"
    prerequisites = rule.group(1)
    assert "$(LOCKS)" in prerequisites, "a changed lock must reinstall"
    return [line.strip() for line in rule.group(2).splitlines()]


def test_setup_installs_every_package_from_a_lock_with_its_hashes() -> None:
    recipe = installed_by_setup()
    installs = [line for line in recipe if " pip install " in line]
    assert installs == [
        "$(PY) -m pip install --progress-bar off --require-hashes -r requirements-dev.lock",  # pip lists each package
        "$(PY) -m pip install --quiet --no-deps --no-build-isolation -e ./components",
        "$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-nodeps.lock",
    ]
    assert not any("--upgrade" in line for line in recipe), "nothing is installed but what the locks pin"
    locks = re.search(r"^LOCKS := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert locks and set(locks.group(1).split()) == set(LOCKS.values())


def test_the_packaging_tools_are_locked_too() -> None:
    dev = lock_entries("requirements-dev.lock")
    assert "pip" in dev and "setuptools" in dev, "pip upgrades itself and setuptools builds ./components from the lock"
    assert "setuptools" in lock_entries("requirements.lock"), "the program's lock can build ./components alone"


# --- Base images ---------------------------------------------------------------------------------

# Each digest is the one public Dockerfiles and build records pin for that exact tag (there is no
# registry access here to read it): the image index for gcc (records give its linux/amd64 manifest
# as sha256:82549aa8…), and for python the digest `docker pull` reports for the tag.
DIGESTS = {
    "python:3.12.8-slim-bookworm": "sha256:2199a62885a12290dc9c5be3ca0681d367576ab7bf037da120e564723292a2f0",
    "gcc:14.2.0-bookworm": "sha256:b99b86a28812b1e6453a231a947dc43d76fe192788a12f344a9b568bf9f5d24c",
}
DOCKERFILES = sorted(
    [*(ROOT / "app").glob("*/Dockerfile"), ROOT / "components" / "fargatelb" / "sidecar" / "Dockerfile"]
)


def base_images(dockerfile: Path) -> list[str]:
    """The images each FROM starts from, leaving out `scratch` and earlier stages."""
    stages: set[str] = set()
    images = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] != ["FROM"]:
            continue
        words = [w for w in words[1:] if not w.startswith("--")]
        image = words[0]
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2])
        if image != "scratch" and image not in stages:
            images.append(image)
    return images


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=[d.parent.name for d in DOCKERFILES])
def test_every_base_image_is_pinned_by_digest(dockerfile: Path) -> None:
    images = base_images(dockerfile)
    assert images, f"{dockerfile} starts from no image"
    for image in images:
        match = re.fullmatch(r"([\w./-]+:[\w.-]+)@(sha256:[0-9a-f]{64})", image)
        assert match, f"{dockerfile.parent.name}: FROM {image} is not `name:tag@sha256:<digest>`"
        tag, digest = match.groups()
        assert DIGESTS.get(tag) == digest, f"{dockerfile.parent.name}: {tag}@{digest} is not a corroborated digest"


def test_the_dockerfile_readers_still_see_the_base_image() -> None:
    # images.py and the e2e emulation read FROM lines: a digest must not confuse them.
    from e2e.apps import read_dockerfile

    for dockerfile in DOCKERFILES:
        stages = read_dockerfile(dockerfile)
        assert stages[0].base in base_images(dockerfile) or stages[0].base == "scratch"


# --- make lock's post-processing -----------------------------------------------------------------

COMPILED = """#
# This file is autogenerated by pip-compile with Python 3.11
#
# WARNING: pip install will require the following package to be hashed.
# Consider using a hashable URL like https://github.com/jazzband/pip-tools/archive/SOMECOMMIT.zip
-e ./components
    # via -r requirements.txt
cfn-lint==1.58.0 \\
    --hash=sha256:aa
    # via -r requirements-nodeps.txt
jsonschema==4.0.0 \\
    --hash=sha256:bb
    # via cfn-lint

# The following packages are considered to be unsafe in a requirements file:
setuptools==84.2.1 \\
    --hash=sha256:cc
"""


def test_make_lock_leaves_the_editable_components_out_of_the_lock() -> None:
    from scripts.lock_requirements import without_editables

    text = without_editables(COMPILED)
    assert not any(line.startswith("-e ") for line in text.splitlines())
    assert "WARNING" not in text and "hashable URL" not in text and "# via -r requirements.txt" not in text
    assert "installed apart: `pip install --no-deps -e ./components`" in text
    assert "cfn-lint==1.58.0 \\\n    --hash=sha256:aa" in text and "setuptools==84.2.1" in text


def test_make_lock_keeps_only_the_named_packages_for_the_nodeps_lock() -> None:
    from scripts.lock_requirements import only_named, without_editables

    text = without_editables(only_named(COMPILED, {"cfn-lint"}))
    entries = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert entries == ["cfn-lint==1.58.0 \\"]
    assert "    --hash=sha256:aa" in text and "# via" not in text
