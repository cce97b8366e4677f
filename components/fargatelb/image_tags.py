"""Content-addressed image tags: a hash of exactly what `docker build` would be given.

An image built from a context directory (a program's `app/<name>`, or this package's own health-check
sidecar) is tagged `ctx-` and 32 hex digits of a SHA-256 over its build
inputs, so the tag is the same in every checkout of a commit (a laptop, CI, a clone at another
path), changes when anything the build can see changes, and never changes for another app:

- every file of the build context that Docker would send: the context minus `.dockerignore`
  (or `<Dockerfile>.dockerignore`), matched with Docker's own rules (a port of
  github.com/moby/patternmatcher `MatchesOrParentMatches` and its `ignorefile.ReadAll`), each
  by its path relative to the context, its bytes, and whether it is executable: the one mode
  bit git records. Symlinks by their target, never followed. Modification times, owners and
  the rest of the mode are left out: they differ between checkouts, not between commits.
- the Dockerfile's bytes (Docker reads it even when `.dockerignore` excludes it);
- the platform, and any build args.

Line endings are hashed as they are on disk, because that is what Docker copies into the image:
a repository pins `eol=lf` for its build contexts in `.gitattributes` (this one does, for `app/` and
the sidecar), so a checkout with `core.autocrlf=true` still has the same bytes, image and tag.

Standard library only, and cheap: a few small files per app (see `main` for the timing).

    python -m fargatelb.image_tags                       # every ./app/<name>, linux/amd64
    python -m fargatelb.image_tags --platform linux/arm64 web udp
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SCHEME = "fargate-lb build inputs v1"
TAG_PREFIX = "ctx-"
TAG_HEX_DIGITS = 32  # 128 bits; the whole tag stays far inside ECR's 128 characters
APP_DIR = Path("app")


# --- .dockerignore, as Docker reads and matches it -----------------------------------------------


def _clean(path: str) -> str:
    """Go's `filepath.Clean` for slash paths (posixpath keeps a leading `//`; Go doesn't)."""
    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def read_ignore_file(text: str) -> list[str]:
    """Patterns from a `.dockerignore`, as moby's `ignorefile.ReadAll` returns them."""
    patterns = []
    for number, line in enumerate(text.splitlines()):
        if number == 0:
            line = line.removeprefix("\ufeff")  # a UTF-8 byte-order mark
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = _clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


_REGEX_SPECIALS = set(".+()|{}$")  # escaped: regexp metacharacters with no meaning in a glob


@dataclass(frozen=True)
class _Pattern:
    exclusion: bool
    text: str
    kind: str  # "exact", "prefix", "suffix" or "regexp", as moby decides it
    regex: re.Pattern[str] | None

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":  # "dir/**": everything under dir/
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":  # "**/name": name at any depth, including the top
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self.regex is not None
        return self.regex.match(path) is not None


def _compile(text: str, exclusion: bool) -> _Pattern:
    """moby's `Pattern.compile` with `/` as the separator, including its choice of match kind."""
    out, kind, i, step = "^", "exact", 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            if text[i + 1 : i + 2] == "*":
                i += 1
                if text[i + 1 : i + 2] == "/":  # "**/" is "**"
                    i += 1
                if i + 1 == len(text):  # "**" at the end accepts everything
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        out += ".*"
                        kind = "regexp"
                else:  # any number of directories, even none
                    out += "(.*/)?"
                    kind = "regexp"
                if step == 0:
                    kind = "suffix"
            else:
                out += "[^/]*"
                kind = "regexp"
        elif ch == "?":
            out += "[^/]"
            kind = "regexp"
        elif ch in _REGEX_SPECIALS:
            out += "\\" + ch
        elif ch == "\\":
            if i + 1 < len(text):
                i += 1
                out += "\\" + text[i]
                kind = "regexp"
            else:
                out += "\\"
        elif ch in "[]":
            out += ch  # character classes mean the same in both
            kind = "regexp"
        else:
            out += ch
        i += 1
        step += 1
    regex = re.compile(out + "$") if kind == "regexp" else None
    return _Pattern(exclusion, text, kind, regex)


class DockerIgnore:
    """Docker's exclusion decision for a path in the build context."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns: list[_Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = _clean(text)
            exclusion = text.startswith("!")
            if exclusion:
                if len(text) == 1:
                    raise ValueError('illegal exclusion pattern: "!"')
                text = text[1:]
            try:
                self.patterns.append(_compile(text, exclusion))
            except re.error as exc:
                raise ValueError(f"bad .dockerignore pattern {raw!r}: {exc}") from None
        self.has_exclusions = any(p.exclusion for p in self.patterns)

    def excluded(self, path: str) -> bool:
        """`MatchesOrParentMatches`: the last pattern matching the path or a parent decides."""
        path = _clean(path)
        if path == ".":
            return False
        parents = path.split("/")[:-1]
        prefixes = ["/".join(parents[: i + 1]) for i in range(len(parents))]
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue  # only a later exception can undo a match, only a pattern can make one
            if pattern.match(path) or any(pattern.match(p) for p in prefixes):
                matched = not pattern.exclusion
        return matched


def ignore_patterns(context: Path, dockerfile: Path) -> list[str]:
    """`<Dockerfile>.dockerignore` if there is one, else the context's `.dockerignore`, else none."""
    for candidate in (Path(str(dockerfile) + ".dockerignore"), context / ".dockerignore"):
        if candidate.is_file():
            return read_ignore_file(candidate.read_text(encoding="utf-8"))
    return []


# --- what Docker would send, and its digest --------------------------------------------------------


@dataclass(frozen=True)
class ContextEntry:
    path: str  # relative to the context, with "/"
    kind: str  # "file" or "symlink"
    executable: bool
    digest: str  # SHA-256 of the bytes, or of the symlink's target

    def record(self) -> list[str]:
        return [self.kind, self.path, "x" if self.executable else "-", self.digest]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def context_entries(context: Path, ignore: DockerIgnore) -> list[ContextEntry]:
    """Every regular file and symlink Docker would send from `context`, sorted by path."""
    entries: list[ContextEntry] = []

    def walk(directory: Path, relative: str) -> Iterator[ContextEntry]:
        with os.scandir(directory) as it:
            children = sorted(it, key=lambda e: e.name)
        for child in children:
            path = f"{relative}/{child.name}" if relative else child.name
            mode = child.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                # As Docker does: skip an excluded directory unless an exception could re-include
                # something below it.
                if not (ignore.excluded(path) and not ignore.has_exclusions):
                    yield from walk(Path(child.path), path)
            elif ignore.excluded(path):
                continue
            elif stat.S_ISLNK(mode):
                target = os.readlink(child.path)
                yield ContextEntry(path, "symlink", False, hashlib.sha256(target.encode()).hexdigest())
            elif stat.S_ISREG(mode):
                yield ContextEntry(path, "file", bool(mode & 0o111), _sha256_file(Path(child.path)))

    entries.extend(walk(context, ""))
    return sorted(entries, key=lambda e: e.path)


def build_inputs_digest(
    context: Path,
    *,
    platform: str,
    dockerfile: Path | None = None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """SHA-256 over the build's inputs, in one canonical, versioned serialization."""
    dockerfile = dockerfile or context / "Dockerfile"
    if not dockerfile.is_file():
        raise FileNotFoundError(f"{dockerfile} is missing: nothing to build in {context}")
    ignore = DockerIgnore(ignore_patterns(context, dockerfile))
    h = hashlib.sha256()

    def add(record: list[str]) -> None:
        h.update(json.dumps(record, ensure_ascii=False).encode() + b"\n")

    add([SCHEME])
    add(["platform", platform])
    add(["dockerfile", _sha256_file(dockerfile)])
    for key, value in sorted((build_args or {}).items()):
        add(["build-arg", key, value])
    for entry in context_entries(context, ignore):
        add(entry.record())
    return h.hexdigest()


def content_tag(
    context: Path,
    *,
    platform: str,
    dockerfile: Path | None = None,
    build_args: Mapping[str, str] | None = None,
) -> str:
    """The image tag for these build inputs: `ctx-` and the first 32 hex digits of their digest."""
    digest = build_inputs_digest(context, platform=platform, dockerfile=dockerfile, build_args=build_args)
    return TAG_PREFIX + digest[:TAG_HEX_DIGITS]


def app_tags(apps: Sequence[str], platform: str, app_dir: Path = APP_DIR) -> dict[str, str]:
    return {app: content_tag(app_dir / app, platform=platform) for app in apps}


SIDECAR = "sidecar"
"""The name the command prints the package's own health-check sidecar under."""


def sidecar_tag(platform: str) -> str:
    """The tag `UdpNlbService` pushes its built sidecar under (`<project>/<stack>/<name>-healthcheck`)."""
    from .sidecar import CONTEXT

    return content_tag(CONTEXT, platform=platform)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # the command only: the program imports this module on every run
    import time

    parser = argparse.ArgumentParser(
        description="Print the content-addressed image tag of each app/<name>, and of the package's "
        "health-check sidecar (what `pulumi up` pushes).",
    )
    parser.add_argument(
        "apps",
        nargs="*",
        help=f"app names under app/, or {SIDECAR} (default: every app with a Dockerfile, and {SIDECAR})",
    )
    parser.add_argument("--platform", default="linux/amd64", help="the stack's platform (default linux/amd64)")
    parser.add_argument("--app-dir", type=Path, default=APP_DIR, help="where the apps are (default ./app)")
    args = parser.parse_args(argv)
    apps = args.apps or [*sorted(p.parent.name for p in args.app_dir.glob("*/Dockerfile")), SIDECAR]
    start = time.perf_counter()
    tags = app_tags([a for a in apps if a != SIDECAR], args.platform, args.app_dir)
    if SIDECAR in apps:
        tags[SIDECAR] = sidecar_tag(args.platform)
    elapsed = time.perf_counter() - start
    for app, tag in tags.items():
        print(f"{app}\t{tag}")
    print(f"hashed {len(tags)} build contexts in {elapsed * 1000:.1f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
