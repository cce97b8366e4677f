"""Content-addressed image tags: same inputs → same tag in any checkout; one app's change → its tag only.

The `.dockerignore` matcher is checked against cases from moby/patternmatcher's own tests, since a
tag that ignores a file Docker sends (or hashes one it doesn't) is wrong either way.
"""

import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fargatelb.image_tags import (
    DockerIgnore,
    app_tags,
    build_inputs_digest,
    content_tag,
    context_entries,
    ignore_patterns,
    main,
    read_ignore_file,
)
from image_tags import APP_DIR  # this program's apps

ROOT = APP_DIR.parent
APPS = sorted(p.parent.name for p in APP_DIR.glob("*/Dockerfile"))
SIDECAR = ROOT / "components" / "fargatelb" / "sidecar"  # the package's own context, built by UdpNlbService
CONTEXTS = {**{app: APP_DIR / app for app in APPS}, "sidecar": SIDECAR}
PLATFORM = "linux/amd64"

# (pattern, path, excluded) from moby/patternmatcher patternmatcher_test.go (TestMatches and the
# folder-exclusion tests), whose expectations hold for MatchesOrParentMatches, which Docker uses.
MOBY_CASES = [
    ("**", "file", True),
    ("**", "dir/file", True),
    ("**/", "dir/file", True),
    ("**/**", "dir/file", True),
    ("dir/**", "dir/file", True),
    ("dir/**", "dir/dir2/file", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**file", "file", True),
    ("**file", "dir/file", True),
    ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True),
    ("**/file*txt", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcdef", False),
    ("abc.def", "abc.def", True),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "azb", False),
    ("*", "fileutils.go", True),
    ("*.go", "fileutils.go", True),
]


@pytest.mark.parametrize(("pattern", "path", "excluded"), MOBY_CASES)
def test_dockerignore_patterns_match_as_moby_matches_them(pattern: str, path: str, excluded: bool) -> None:
    assert DockerIgnore([pattern]).excluded(path) is excluded


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["!fileutils.go", "*.go"], "fileutils.go", True),  # the last matching pattern decides
        (["*.go", "!fileutils.go"], "fileutils.go", False),
        (["docs", "!docs/README.md"], "docs/README.md", False),
        (["docs/", "!docs/README.md"], "docs/README.md", False),
        (["docs"], "docs/deep/README.md", True),  # a parent directory's match excludes its files
        (["*", "!server.py"], "server.py", False),  # the apps' whitelists
        (["*", "!server.py"], "sub/server.py", True),
        (["*.go"], ".", False),
    ],
)
def test_dockerignore_exceptions_and_parents(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).excluded(path) is excluded


def test_ignore_file_is_read_as_docker_reads_it() -> None:
    text = "\ufeff# comment\n  /abs/path/  \n!  ./keep\n\n   # not a comment: whitespace first\n"
    assert read_ignore_file(text) == ["abs/path", "!keep", "# not a comment: whitespace first"]
    with pytest.raises(ValueError, match="illegal exclusion"):
        DockerIgnore(["!"])


def test_the_dockerfile_ignore_file_wins_over_the_context_one(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".dockerignore").write_text("a\n")
    assert ignore_patterns(tmp_path, tmp_path / "Dockerfile") == ["a"]
    (tmp_path / "Dockerfile.dockerignore").write_text("b\n")
    assert ignore_patterns(tmp_path, tmp_path / "Dockerfile") == ["b"]


@pytest.mark.parametrize("app", CONTEXTS)
def test_each_app_context_sends_exactly_what_its_dockerfile_copies(app: str) -> None:
    context = CONTEXTS[app]
    sent = [e.path for e in context_entries(context, DockerIgnore(ignore_patterns(context, context / "Dockerfile")))]
    expected = {"web": ["healthcheck.py", "server.py"], "sidecar": ["healthcheck.py", "sidecar.py"]}
    assert sent == expected.get(app, ["Makefile", "udp_service.c"])  # not the package's __init__.py or README


# --- tags across checkouts and changes ------------------------------------------------------------


def copy_apps(dest: Path) -> Path:
    shutil.copytree(APP_DIR, dest / "app", symlinks=True)
    return dest / "app"


def test_tags_are_content_addressed_and_well_formed() -> None:
    tags = app_tags(APPS, PLATFORM)
    assert len(set(tags.values())) == len(APPS)
    for tag in tags.values():
        assert tag.startswith("ctx-") and len(tag) == 36 and all(c in "0123456789abcdef" for c in tag[4:])


def test_a_copy_at_another_path_with_other_mtimes_and_modes_has_the_same_tags(tmp_path: Path) -> None:
    here = app_tags(APPS, PLATFORM)
    copy = copy_apps(tmp_path / "elsewhere" / "deeper")
    later = time.time() + 86_400
    for path in copy.rglob("*"):
        os.utime(path, (later, later))
        if path.is_file():  # another umask: group-writable, not executable unless it was
            path.chmod(path.stat().st_mode | stat.S_IWGRP)
    assert app_tags(APPS, PLATFORM, copy) == here


def test_changing_one_app_changes_only_its_tag(tmp_path: Path) -> None:
    copy = copy_apps(tmp_path)
    before = app_tags(APPS, PLATFORM, copy)
    with (copy / "web" / "server.py").open("a") as f:
        f.write("# one more line\n")
    after = app_tags(APPS, PLATFORM, copy)
    assert after["web"] != before["web"]
    assert {a: t for a, t in after.items() if a != "web"} == {a: t for a, t in before.items() if a != "web"}


def append(name: str, text: bytes) -> Callable[[Path], object]:
    return lambda d: (d / name).write_bytes((d / name).read_bytes() + text)


WEB_CHANGES = [
    pytest.param(append("server.py", b"\n"), True, id="content"),
    pytest.param(
        lambda d: (d / "server.py").write_bytes((d / "server.py").read_bytes().replace(b"\n", b"\r\n")), True, id="crlf"
    ),
    pytest.param(append("Dockerfile", b"LABEL x=y\n"), True, id="dockerfile"),
    pytest.param(lambda d: (d / "healthcheck.py").chmod(0o755), True, id="exec-bit"),  # copied into the image
    pytest.param(lambda d: (d / "healthcheck.py").rename(d / "probe.py"), True, id="rename"),
    pytest.param(lambda d: (d / "notes.txt").write_text("ignored"), False, id="ignored-file"),
    pytest.param(lambda d: (d / "healthcheck.json").write_text("{}"), False, id="healthcheck-json"),  # not sent
    pytest.param(append(".dockerignore", b"# comment\n"), False, id="ignore-comment"),
    pytest.param(lambda d: os.utime(d / "server.py", (0, 0)), False, id="mtime"),
    pytest.param(lambda d: (d / "server.py").chmod(0o600), False, id="read-bits"),  # only the executable bit
]


@pytest.mark.parametrize(("change", "changes_tag"), WEB_CHANGES)
def test_what_changes_the_web_tag(tmp_path: Path, change: Callable[[Path], object], changes_tag: bool) -> None:
    copy = copy_apps(tmp_path)
    before = content_tag(copy / "web", platform=PLATFORM)
    change(copy / "web")
    assert (content_tag(copy / "web", platform=PLATFORM) != before) is changes_tag


def test_platform_and_build_args_are_inputs() -> None:
    web = APP_DIR / "web"
    amd = content_tag(web, platform="linux/amd64")
    assert content_tag(web, platform="linux/arm64") != amd
    assert content_tag(web, platform="linux/amd64", build_args={"X": "1"}) != amd
    assert build_inputs_digest(web, platform="linux/amd64").startswith(amd.removeprefix("ctx-"))


def test_symlinks_are_hashed_by_target_not_followed(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "a").write_text("A")
    (tmp_path / "b").write_text("B")
    (tmp_path / "link").symlink_to("a")
    first = content_tag(tmp_path, platform=PLATFORM)
    (tmp_path / "a").write_text("changed")  # the link's target content is hashed once, as the file a
    (tmp_path / "link").unlink()
    (tmp_path / "link").symlink_to("b")
    assert content_tag(tmp_path, platform=PLATFORM) != first
    assert [e.kind for e in context_entries(tmp_path, DockerIgnore([]))] == ["file", "file", "file", "symlink"]


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def two_clones(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two clones of this commit at different paths, one with Windows-style `core.autocrlf=true`."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and this project's repository")
    base = tmp_path_factory.mktemp("clones")
    plain, crlf = base / "a" / "fargate-lb", base / "b" / "c" / "checkout"
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(plain))
    git("clone", "--quiet", "--no-hardlinks", "--config", "core.autocrlf=true", str(ROOT), str(crlf))
    return plain, crlf


@pytest.mark.slow  # a scale or process-level check: make test-all
def test_two_clones_of_a_commit_have_the_same_tags_whatever_their_line_ending_setting(
    two_clones: tuple[Path, Path],
) -> None:
    plain, crlf = two_clones
    assert git("config", "core.autocrlf", cwd=crlf).strip() == "true"
    assert git("check-attr", "eol", "--", "app/web/server.py", cwd=crlf).strip().endswith("eol: lf")
    assert b"\r\n" not in (crlf / "app" / "web" / "server.py").read_bytes()
    tags = app_tags(APPS, PLATFORM, plain / "app")
    assert app_tags(APPS, PLATFORM, crlf / "app") == tags
    if not git("status", "--porcelain", "--", "app", cwd=ROOT).strip():
        assert app_tags(APPS, PLATFORM) == tags  # and this working tree, when app/ is as committed
    sidecar = SIDECAR.relative_to(ROOT)
    assert git("check-attr", "eol", "--", f"{sidecar}/sidecar.py", cwd=crlf).strip().endswith("eol: lf")
    assert content_tag(crlf / sidecar, platform=PLATFORM) == content_tag(plain / sidecar, platform=PLATFORM)


def test_hashing_every_app_is_cheap() -> None:
    start = time.perf_counter()
    for _ in range(10):
        app_tags(APPS, PLATFORM)
    assert (time.perf_counter() - start) / 10 < 0.05  # measured about 1-2 ms for the three apps


def test_the_command_prints_each_app_and_its_tag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--platform", PLATFORM, "--app-dir", str(APP_DIR)]) == 0
    out = capsys.readouterr()
    printed = dict(line.split("\t") for line in out.out.splitlines())
    assert printed == {**app_tags(APPS, PLATFORM), "sidecar": content_tag(SIDECAR, platform=PLATFORM)}
    assert "hashed 3 build contexts in" in out.err
