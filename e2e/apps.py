"""The real apps, run the way their images and task definitions say, without a container engine.

For each container of a task, `ContainerRun` starts the image's process directly, under
bubblewrap, inside the task's network namespace (so a task's containers share `localhost` and the
task's address, as in awsvpc mode):

- the file system is what the Dockerfile's final stage builds: the files its `COPY` lines bring
  (bound read-only where they land), artifacts of earlier stages built on this machine
  (`COPY --from=...`: the stage's `RUN` lines run under bubblewrap with no network), and for any
  base but `scratch` this machine's Debian `/usr` standing in for the base image's (for
  `python:*`, `/usr/local/bin/python` is Debian's python3);
- the command is ENTRYPOINT + CMD (or the task definition's `entryPoint`/`command`), the user is
  the task definition's `user` or the Dockerfile's `USER` (a real uid, through setpriv), the
  environment is the Dockerfile's ENV under the task definition's `environment`;
- with `readonlyRootFilesystem` the root is remounted read-only; each `mountPoints` entry binds
  the task's volume directory there (root-owned, 0755, as Fargate creates bind-mount volumes);
- the hostname is the task's name, so the apps answer with it (there is no task metadata endpoint).

Each container's stdout and stderr go to a log file whose tail the report shows when it fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import select
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .topology import NETNS_DIR, Host

HOST_USERSPACE = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
HOST_ETC = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "passwd",
    "group",
    "nsswitch.conf",
    "ssl",
    "localtime",
)
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BUILD_USER = 65534  # nobody: builds run unprivileged, with no network


class ImageError(RuntimeError):
    """The image can't be reproduced here: the path through it is unknown, never passed."""


@dataclass
class Copy:
    sources: list[str]
    dest: str
    stage: str | None
    """`--from=` stage, or None for the build context."""


@dataclass
class Stage:
    base: str
    name: str | None = None
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    copies: list[Copy] = field(default_factory=list)
    runs: list[tuple[str, str]] = field(default_factory=list)
    """(shell command, workdir) of each RUN."""
    volumes: list[str] = field(default_factory=list)
    cmd: list[str] | None = None
    entrypoint: list[str] | None = None


def _exec_form(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        return [str(part) for part in json.loads(text)]
    return ["/bin/sh", "-c", text]


def read_dockerfile(path: Path) -> list[Stage]:
    """The Dockerfile's stages, with what this emulation uses of each instruction."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        word, _, rest = line.partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "FROM":
            parts = rest.split()
            base = next(p for p in parts if not p.startswith("--"))
            name = parts[parts.index(base) + 2] if len(parts) > parts.index(base) + 2 else None
            stages.append(Stage(base=base, name=name))
            continue
        if not stages:
            continue
        stage = stages[-1]
        if word == "WORKDIR":
            stage.workdir = os.path.normpath(os.path.join(stage.workdir, rest))
        elif word == "ENV":
            tokens = shlex.split(rest)
            if tokens and "=" not in tokens[0]:
                stage.env[tokens[0]] = " ".join(tokens[1:])
            else:
                stage.env.update(t.split("=", 1) for t in tokens if "=" in t)  # type: ignore[misc]
        elif word == "USER":
            stage.user = rest
        elif word in ("COPY", "ADD"):
            tokens = shlex.split(rest) if not rest.startswith("[") else json.loads(rest)
            flags = [t for t in tokens if t.startswith("--")]
            paths = [t for t in tokens if not t.startswith("--")]
            source_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
            dest = paths[-1] if paths[-1].startswith("/") else os.path.join(stage.workdir, paths[-1])
            if paths[-1].endswith("/") or paths[-1] in (".", "./"):
                dest += "/"
            stage.copies.append(Copy(paths[:-1], dest, source_stage))
        elif word == "RUN":
            stage.runs.append((rest, stage.workdir))
        elif word == "VOLUME":
            stage.volumes += json.loads(rest) if rest.startswith("[") else rest.split()
        elif word == "CMD":
            stage.cmd = _exec_form(rest)
        elif word == "ENTRYPOINT":
            stage.entrypoint = _exec_form(rest)
            stage.cmd = None  # Docker: a new ENTRYPOINT resets the CMD inherited so far
    if not stages:
        raise ImageError(f"{path} has no FROM")
    return stages


def _userspace_binds(base: str) -> list[str]:
    """bwrap arguments that stand this machine's Debian userspace in for a base image."""
    if base == "scratch":
        return []
    args: list[str] = []
    for name in HOST_USERSPACE:
        host = Path("/", name)
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{name}"]
        elif host.is_dir() and name != "usr":
            args += ["--ro-bind", str(host), f"/{name}"]
    for entry in sorted(Path("/usr").iterdir()):
        if entry.name != "local" and entry.is_dir() and not entry.is_symlink():
            args += ["--ro-bind", str(entry), str(entry)]
    args += ["--dir", "/usr/local/bin"]
    if base.startswith("python:") and Path("/usr/bin/python3").exists():
        args += ["--symlink", "/usr/bin/python3", "/usr/local/bin/python"]
    for name in HOST_ETC:
        if Path("/etc", name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    args += ["--perms", "1777", "--dir", "/tmp"]
    return args


def _copy_binds(copy: Copy, source_root: Path) -> list[str]:
    args = []
    for source in copy.sources:
        src = (source_root / source.lstrip("/")).resolve()
        if not src.exists():
            raise ImageError(f"COPY {source}: not found in {source_root}")
        if copy.dest.endswith("/") or len(copy.sources) > 1:
            dest = copy.dest.rstrip("/") + ("" if src.is_dir() else "/" + src.name)
        else:
            dest = copy.dest
        args += ["--ro-bind", str(src), dest or "/"]
    return args


class Image:
    """An image reproduced from its build context: what to bind, run, and as whom."""

    def __init__(self, context: Path, build_dir: Path) -> None:
        self.build_dir = build_dir / hashlib.sha256(str(context).encode()).hexdigest()[:12]
        # Like `docker build`, work from a copy of the context: readable by the apps' users
        # wherever the checkout lives (a 0700 home directory, a test's temporary directory).
        self.context = self.build_dir / "context"
        if not self.context.exists():
            shutil.copytree(context, self.context, ignore=shutil.ignore_patterns("__pycache__", "build"))
            subprocess.run(["chmod", "-R", "a+rX", str(build_dir)], check=True)
        self.name = context.name
        self.stages = read_dockerfile(self.context / "Dockerfile")
        self.final = self.stages[-1]
        self.binds: list[str] = _userspace_binds(self.final.base)
        for copy in self.final.copies:
            root = self.context if copy.stage is None else self._build_stage(copy.stage, copy.sources)
            self.binds += _copy_binds(copy, root)

    def describe(self) -> str:
        return f"{self.name} (FROM {self.final.base})"

    def _build_stage(self, name: str, wanted: list[str]) -> Path:
        """Run stage `name`'s RUN lines here; returns a directory that stands in for its root."""
        stage = next((s for s in self.stages if s.name == name), None)
        if stage is None:
            raise ImageError(f"COPY --from={name}: no such stage (only named stages can be built here)")
        root = self.build_dir / "stages" / name
        if (root / ".built").exists():
            return root
        shutil.rmtree(root, ignore_errors=True)
        writable = sorted({"/" + Path(w).parts[1] for w in wanted if w.startswith("/")} | {stage.workdir})
        for top in writable:
            (root / top.lstrip("/")).mkdir(parents=True, exist_ok=True)
        for copy in stage.copies:
            if copy.stage is not None:
                raise ImageError(f"stage {name} copies from another stage: not reproduced here")
            for source in copy.sources:
                dest = root / copy.dest.lstrip("/")
                if copy.dest.endswith("/") or len(copy.sources) > 1:
                    dest = dest / Path(source).name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.context / source, dest)
        subprocess.run(["chown", "-R", f"{BUILD_USER}:{BUILD_USER}", str(root)], check=True)
        sandbox = ["bwrap", "--unshare-all", "--die-with-parent", *_userspace_binds(stage.base)]
        sandbox += ["--proc", "/proc", "--dev", "/dev"]
        for top in writable:
            sandbox += ["--bind", str(root / top.lstrip("/")), top]
        env = {"PATH": DEFAULT_PATH, **stage.env}
        for command, workdir in stage.runs:
            argv = ["setpriv", f"--reuid={BUILD_USER}", f"--regid={BUILD_USER}", "--clear-groups"]
            argv += [*sandbox, "--chdir", workdir, "--", "/bin/sh", "-c", command]
            result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
            if result.returncode != 0:
                raise ImageError(f"RUN {command} in stage {name} failed: {(result.stderr or result.stdout)[-1500:]}")
        (root / ".built").touch()
        return root


def _uid_gid(user: str | None, image: Image) -> tuple[int, int]:
    if not user:
        return 0, 0
    name, _, group = user.partition(":")
    if name.isdigit():
        uid = int(name)
        gid = int(group) if group.isdigit() else uid
        return uid, gid
    if image.final.base == "scratch":
        raise ImageError(f"user {user!r} is a name, and a scratch image has no /etc/passwd to resolve it")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ImageError(f"user {user!r} is not in the base image's /etc/passwd") from None
    return entry.pw_uid, entry.pw_gid


@dataclass
class ContainerRun:
    """One running container: its process, log and how it was started."""

    task: str
    container: model.Container
    argv: list[str]
    log: Path
    user: tuple[int, int]
    proc: subprocess.Popen[bytes] | None = None
    app_pid: int | None = None
    started_at: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.task}/{self.container.name}"

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, lines: int = 6) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(line for line in text.strip().splitlines()[-lines:])

    def signal(self, sig: int) -> None:
        if self.app_pid is not None and self.exited() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.app_pid, sig)

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` (the container's stopTimeout); the exit code."""
        if self.proc is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.kill()
            return self.proc.wait(5)


class Task:
    """A task of a service: its containers, sharing the task host's namespace and volumes."""

    def __init__(self, service: model.Service, host: Host, run_dir: Path, images: dict[Path, Image]) -> None:
        self.service = service
        self.host = host
        self.name = host.key.removeprefix("task-")
        self.dir = run_dir / "tasks" / self.name
        self.containers: list[ContainerRun] = []
        self.problems: list[str] = []
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "hosts").write_text(f"127.0.0.1\tlocalhost\n{host.ip}\t{self.name}\n")
        (self.dir / "resolv.conf").write_text("# DNS is not emulated: endpoints and targets are reached by address\n")
        for volume in service.volumes:
            path = self.dir / "volumes" / volume
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o755)  # Fargate bind-mount volumes: root-owned, 0755
        for container in service.containers:
            if container.context is None or not (container.context / "Dockerfile").is_file():
                self.problems.append(f"{container.name}: image {container.image} has no build context here")
                continue
            try:
                image = images.get(container.context) or Image(container.context, run_dir / "build")
                images[container.context] = image
                self.containers.append(self._prepare(container, image))
            except ImageError as exc:
                self.problems.append(f"{container.name}: {exc}")

    def _prepare(self, container: model.Container, image: Image) -> ContainerRun:
        final = image.final
        uid, gid = _uid_gid(container.user or final.user, image)
        entry = list(container.entry_point) if container.entry_point else (final.entrypoint or [])
        cmd = list(container.command) if container.command else ([] if container.entry_point else (final.cmd or []))
        if not entry + cmd:
            raise ImageError("the image has no ENTRYPOINT or CMD")
        env = {"PATH": DEFAULT_PATH, "HOSTNAME": self.name, "HOME": "/", **final.env, **container.environment}
        env.update({name: f"e2e-placeholder-for-{name}" for name in container.secrets})
        argv = ["bwrap", "--unshare-uts", "--unshare-ipc", "--hostname", self.name, *image.binds]
        argv += ["--proc", "/proc", "--dev", "/dev", "--dir", final.workdir]
        argv += [
            "--ro-bind",
            str(self.dir / "hosts"),
            "/etc/hosts",
            "--ro-bind",
            str(self.dir / "resolv.conf"),
            "/etc/resolv.conf",
        ]
        for mount in container.mounts:
            source = self.dir / "volumes" / mount.volume
            if mount.path in final.volumes and Path(mount.path).is_dir() and final.base != "scratch":
                source.chmod(Path(mount.path).stat().st_mode & 0o7777)  # VOLUME in the image: its permissions
            argv += ["--ro-bind" if mount.read_only else "--bind", str(source), mount.path]
        if container.read_only_root:
            argv += ["--remount-ro", "/"]
        argv += ["--chdir", final.workdir, "--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        argv += ["--info-fd", "{info_fd}", "--", *entry, *cmd]
        if uid != 0:
            argv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *argv]
        argv = ["nsenter", f"--net={NETNS_DIR / self.host.ns}", *argv]
        return ContainerRun(self.name, container, argv, self.dir / f"{container.name}.log", (uid, gid))

    def start(self) -> None:
        """Start the containers in `dependsOn` order (a dependency first)."""
        order: list[ContainerRun] = []
        pending = list(self.containers)
        for _ in range(len(pending) + 1):
            for run in list(pending):
                names = {r.container.name for r in order}
                if all(
                    d in names or d not in {c.container.name for c in self.containers} for d in run.container.depends_on
                ):
                    order.append(run)
                    pending.remove(run)
        for run in order + pending:
            self._spawn(run)

    def _spawn(self, run: ContainerRun) -> None:
        read, write = os.pipe()
        argv = [str(write) if arg == "{info_fd}" else arg for arg in run.argv]
        with open(run.log, "wb") as log:
            run.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, pass_fds=(write,),
                env={"PATH": DEFAULT_PATH},
            )  # fmt: skip
        os.close(write)
        run.started_at = time.monotonic()
        data = b""
        deadline = time.monotonic() + 5.0
        try:
            # bwrap writes {"child-pid": N, ...} in pieces once the sandbox is set up; nothing on failure.
            while not data.rstrip().endswith(b"}") and time.monotonic() < deadline:
                ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
                chunk = os.read(read, 4096) if ready else b""
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(read)
        with contextlib.suppress(ValueError, KeyError):
            run.app_pid = int(json.loads(data.decode() or "{}")["child-pid"])

    def container(self, name: str) -> ContainerRun | None:
        return next((c for c in self.containers if c.container.name == name), None)

    def stop(self) -> dict[str, int | None]:
        """Stop as ECS does: SIGTERM each container, SIGKILL after its stopTimeout (capped at 5 s here)."""
        return {run.container.name: run.stop(min(run.container.stop_timeout, 5.0)) for run in self.containers}

    def kill(self) -> None:
        for run in self.containers:
            run.signal(signal.SIGKILL)
            if run.proc is not None and run.proc.poll() is None:
                run.proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    run.proc.wait(2)
