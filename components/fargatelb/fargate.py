"""Pure rules and builders for Fargate services, shared by both load-balanced components.

No Pulumi resources here: the Fargate size table, name limits, scaling and health-check argument
types with their validation, and the container definition builder, each testable on its own.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Protocol

if TYPE_CHECKING:  # fargatelb.verify imports this module's tables without the Pulumi SDK
    import pulumi

from ._args import InvalidArgument, check_choice, check_int, check_retention, check_tags, default, documented_args
from .alarms import Alarms, AlarmsArgs, resolve_alarms
from .arns import parse_secret_arn
from .scaling import Scaling, ScalingArgs, ScheduleArgs, resolve_scaling  # noqa: F401  (re-exported)

# Fargate's CPU units → allowed memory (MiB), as AWS documents them. tests/test_aws_rules.py holds
# this table equal to cfn-lint's (E3047), which is how 32 vCPU arrived here.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
    32768: (61440, 122880, 249856),
}

CPU_ARCHITECTURES = ("X86_64", "ARM64")

# Load balancer and target group names are at most 32 characters and Pulumi's auto-name appends
# 8 ("-" and 7 random hex: its default pattern `${name}-${hex(7)}`), so the longest child suffix
# ("-alb", "-nlb", "-tg") leaves 20 for the component's own name. A load balancer's name may not
# begin with "internal-" (CreateLoadBalancer), so a component with its own load balancer can't be
# called `internal` or `internal-...`.
MAX_COMPONENT_NAME = 20
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
LB_NAME_RESERVED_PREFIX = "internal-"


def check_component_name(owner: str, name: str, *, load_balancer: str | None = None) -> str:
    """`name` as a component's, whose children are named `<name>-<role>` and auto-named by Pulumi.
    `load_balancer` is the role of the load balancer the component creates (`alb`, `nlb`), if any."""
    if len(name) > MAX_COMPONENT_NAME or not _NAME.match(name):
        raise InvalidArgument(
            owner,
            "name",
            f"must be 1–{MAX_COMPONENT_NAME} letters, digits or hyphens, not starting or ending with a "
            f"hyphen, so '<name>-alb' plus Pulumi's 8-character suffix fits the 32-character load balancer "
            f"and target group limit; got {name!r} ({len(name)} characters)",
        )
    if load_balancer is not None and f"{name}-{load_balancer}".startswith(LB_NAME_RESERVED_PREFIX):
        raise InvalidArgument(
            owner,
            "name",
            f"can't be {name!r}: its load balancer would be auto-named '{name}-{load_balancer}-' plus 7 random "
            f"characters, and AWS refuses a load balancer name beginning {LB_NAME_RESERVED_PREFIX!r} "
            "(CreateLoadBalancer); choose another name (an internal load balancer is `internal: true`)",
        )
    return name


def check_image(owner: str, field: str, image: object) -> None:
    """A plain image reference must say something: `""` would fail only when ECS pulls it."""
    if isinstance(image, str) and (not image.strip() or image != image.strip()):
        raise InvalidArgument(
            owner, field, f"must be an image URI like <account>.dkr.ecr.<region>.amazonaws.com/web:1, got {image!r}"
        )


def check_fargate_size(owner: str, cpu: int, memory: int) -> tuple[int, int]:
    if cpu not in FARGATE_MEMORY:
        allowed = ", ".join(str(c) for c in FARGATE_MEMORY)
        raise InvalidArgument(owner, "cpu", f"must be one of {allowed} (Fargate CPU units), got {cpu!r}")
    allowed_memory = FARGATE_MEMORY[cpu]
    if memory not in allowed_memory:
        step = allowed_memory[1] - allowed_memory[0]
        listed = (
            ", ".join(map(str, allowed_memory))
            if len(allowed_memory) <= 4
            else f"{allowed_memory[0]} to {allowed_memory[-1]} in steps of {step}"
        )
        raise InvalidArgument(owner, "memory", f"with cpu {cpu} must be {listed} MiB, got {memory!r}")
    return cpu, memory


@documented_args
@dataclass
class ContainerArgs:
    """How one container runs."""

    user: Optional[str] = None
    """Numeric `uid:gid` the process runs as, matching the image's `USER`; uid 0 (Security Hub ECS.20)
    and gid 0 (the root group) are refused. Default `10001:10001`; an image built from app/<name>
    brings its Dockerfile's `USER`."""
    health_check_command: Optional[list[str]] = None
    """ECS container health check, e.g. `["CMD", "python", "/app/healthcheck.py"]` (ECS ignores a
    Dockerfile HEALTHCHECK). Default none."""
    ports: Optional[list[int]] = None
    """TCP ports the process listens on besides the service's own port, e.g. a separate health or
    admin port; each gets a port mapping, and a web health check may probe one. Default none."""


@dataclass(frozen=True)
class Container:
    user: str
    health_check_command: list[str] | None
    ports: tuple[int, ...] = ()


DEFAULT_USER = "10001:10001"
_USER = re.compile(r"^(\d+)(?::(\d+))?$")


def check_user(owner: str, field: str, user: str) -> str:
    """A numeric `uid:gid`, neither root. A bare uid is refused: without a group the process runs in
    the image's passwd group for that uid, or in group 0 (root) when it has none, as on `scratch`."""
    match = _USER.match(user)
    if not match:
        raise InvalidArgument(owner, field, f"must be a numeric uid:gid like '10001:10001', got {user!r}")
    uid, gid = match.groups()
    if int(uid) == 0:
        raise InvalidArgument(owner, field, "must not be root (uid 0): Security Hub ECS.20")
    if gid is None:
        raise InvalidArgument(
            owner,
            field,
            f"must name the group too, like '{uid}:{uid}': with a bare uid a container without that uid in "
            f"its /etc/passwd runs in group 0 (root); got {user!r}",
        )
    if int(gid) == 0:
        raise InvalidArgument(owner, field, f"must not run in the root group (gid 0), got {user!r}")
    return f"{int(uid)}:{int(gid)}"


def resolve_container(owner: str, field: str, args: ContainerArgs | None) -> Container:
    a = args or ContainerArgs()
    user = check_user(owner, f"{field}.user", default(a.user, DEFAULT_USER))
    command = a.health_check_command
    if command is not None and (not command or command[0] not in ("CMD", "CMD-SHELL")):
        raise InvalidArgument(
            owner, f"{field}.health_check_command", f"must start with 'CMD' or 'CMD-SHELL', got {command!r}"
        )
    ports = []
    for i, port in enumerate(a.ports or []):
        check_int(owner, f"{field}.ports[{i}]", port, 1, 65535)
        if port in ports:
            raise InvalidArgument(owner, f"{field}.ports[{i}]", f"lists {port} twice")
        ports.append(port)
    return Container(user, list(command) if command else None, tuple(ports))


@documented_args
@dataclass
class HealthCheckArgs:
    """How the load balancer decides a task is healthy."""

    path: Optional[str] = None
    """HTTP path probed. Default `/` for the web service, `/healthz` for the UDP service's sidecar."""
    port: Optional[int] = None
    """Port probed. Default: the traffic port for the web service, 8080 (the sidecar) for UDP."""
    protocol: Optional[str] = None
    """`HTTP` or `TCP` (UDP service), `HTTP` (web service). Default `HTTP`."""
    matcher: Optional[str] = None
    """HTTP codes counted as healthy. Default `200-399`."""
    interval: Optional[int] = None
    """Seconds between probes, 5–300. Default 10."""
    timeout: Optional[int] = None
    """Seconds before a probe fails, 2–120 and less than the interval. Default 5."""
    healthy_threshold: Optional[int] = None
    """Consecutive successes before a task turns healthy, 2–10. Default 2 (healthy in 20 s, not 150)."""
    unhealthy_threshold: Optional[int] = None
    """Consecutive failures before a task turns unhealthy, 2–10. Default 3."""


@dataclass(frozen=True)
class HealthCheck:
    path: str
    port: int
    protocol: str
    matcher: str
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int

    def target_group_args(self, traffic_port: int) -> dict[str, Any]:
        """The target group's `health_check` block; the traffic port is named, not repeated."""
        block: dict[str, Any] = {
            "enabled": True,
            "protocol": self.protocol,
            "port": "traffic-port" if self.port == traffic_port else str(self.port),
            "interval": self.interval,
            "timeout": self.timeout,
            "healthy_threshold": self.healthy_threshold,
            "unhealthy_threshold": self.unhealthy_threshold,
        }
        if self.protocol in ("HTTP", "HTTPS"):
            block |= {"path": self.path, "matcher": self.matcher}
        return block


def resolve_health_check(
    owner: str,
    args: HealthCheckArgs | None,
    *,
    default_path: str,
    default_port: int,
    protocols: tuple[str, ...],
) -> HealthCheck:
    a = args or HealthCheckArgs()
    protocol = (a.protocol or "HTTP").upper()
    if protocol not in protocols:
        allowed = ", ".join(protocols)
        raise InvalidArgument(owner, "health_check.protocol", f"must be one of {allowed}, got {a.protocol!r}")
    if protocol == "TCP":
        for given in ("path", "matcher"):
            if getattr(a, given) is not None:
                # A TCP check only opens a connection: a path or matcher would be silently unused.
                raise InvalidArgument(owner, f"health_check.{given}", "isn't used by a TCP health check; remove it")
    path = default(a.path, default_path)
    if not path.startswith("/"):
        raise InvalidArgument(owner, "health_check.path", f"must start with '/', got {path!r}")
    port = check_int(owner, "health_check.port", default(a.port, default_port), 1, 65535)
    interval = check_int(owner, "health_check.interval", default(a.interval, 10), 5, 300)
    timeout = check_int(owner, "health_check.timeout", default(a.timeout, 5), 2, 120)
    if timeout >= interval:
        raise InvalidArgument(
            owner, "health_check.timeout", f"({timeout}) must be less than health_check.interval ({interval})"
        )
    healthy = check_int(owner, "health_check.healthy_threshold", default(a.healthy_threshold, 2), 2, 10)
    unhealthy = check_int(
        owner,
        "health_check.unhealthy_threshold",
        default(a.unhealthy_threshold, 3),
        2,
        10,
    )
    matcher = a.matcher or "200-399"
    if not re.fullmatch(r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*", matcher):
        raise InvalidArgument(owner, "health_check.matcher", f"must be codes like '200' or '200-399', got {matcher!r}")
    return HealthCheck(path, port, protocol, matcher, interval, timeout, healthy, unhealthy)


def container_definition(
    *,
    name: str,
    image: str,
    port_mappings: list[tuple[int, str]],
    log_group: str,
    region: str,
    stream_prefix: str,
    environment: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    user: str = DEFAULT_USER,
    depends_on: list[str] | None = None,
    health_command: list[str] | None = None,
    stop_timeout: int = 30,
) -> dict[str, Any]:
    """One ECS container definition that meets the ECS Foundational Security controls by default:
    non-root `user` (ECS.20), read-only root filesystem (ECS.5), not privileged (ECS.4), awslogs
    logging (ECS.9), secrets by reference only (ECS.8)."""
    definition: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": True,
        "user": user,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "stopTimeout": stop_timeout,
        "portMappings": [
            {"containerPort": port, "hostPort": port, "protocol": protocol} for port, protocol in port_mappings
        ],
        "environment": [{"name": k, "value": v} for k, v in sorted((environment or {}).items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted((secrets or {}).items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group,
                "awslogs-region": region,
                "awslogs-stream-prefix": stream_prefix,
            },
        },
        # No scratch volume: the root filesystem is read-only and nothing is writable. A Fargate bind
        # mount is created root-owned 0755, so a non-root user can't write to it unless the image
        # declares `VOLUME` at the same path with its own ownership (ECS copies that path's data);
        # none of the apps writes files, so none gets one.
    }
    if depends_on:
        definition["dependsOn"] = [{"containerName": c, "condition": "START"} for c in depends_on]
    if health_command:
        definition["healthCheck"] = {
            "command": health_command,
            "interval": 10,
            "timeout": 3,
            "retries": 3,
            "startPeriod": 10,
        }
    return definition


# Environment variable names that look like credentials belong in `secrets` (ECS.8).
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)


def check_reserved_environment(
    owner: str, environment: dict[str, "pulumi.Input[str]"], reserved: tuple[str, ...], source: str
) -> None:
    """A variable the component sets itself (from `source`) can't also be the user's: it would be
    silently replaced."""
    for key in environment:
        if key in reserved:
            raise InvalidArgument(
                owner, f"environment.{key}", f"is set by the component from {source}; remove it (or rename yours)"
            )


def check_environment(owner: str, environment: dict[str, "pulumi.Input[str]"] | None) -> dict[str, "pulumi.Input[str]"]:
    env = dict(environment or {})
    for key in env:
        if _SECRET_NAME.search(key):
            raise InvalidArgument(
                owner,
                f"environment.{key}",
                "looks like a credential; pass it in `secrets` as a Secrets Manager or SSM parameter ARN "
                "so it never appears in the task definition (Security Hub ECS.8)",
            )
    return env


class TaskArgs(Protocol):
    """The Args fields both load-balanced services share (each Args class declares them itself,
    because the schema analyzer reads a field's docstring only from its own class)."""

    cpu: Optional[int]
    memory: Optional[int]
    environment: Optional[dict[str, "pulumi.Input[str]"]]
    secrets: Optional[dict[str, "pulumi.Input[str]"]]
    secrets_kms_keys: Optional[list[str]]
    scaling: Optional[ScalingArgs]
    deregistration_delay: Optional[int]
    health_check_grace_period: Optional[int]
    log_retention_days: Optional[int]
    encrypt_logs: Optional[bool]
    internet_egress: Optional[bool]
    alarms: Optional[AlarmsArgs]
    cpu_architecture: Optional[str]
    tags: Optional[dict[str, str]]
    protect: Optional[bool]


@dataclass(frozen=True)
class TaskSettings:
    """The validated, defaulted task and service settings both components share."""

    cpu: int
    memory: int
    environment: dict[str, "pulumi.Input[str]"]
    secrets: dict[str, "pulumi.Input[str]"]
    """Each variable's ARN; an Output is checked when known (`_service.secrets_policy`)."""
    secrets_kms_keys: tuple[str, ...]
    scaling: Scaling
    deregistration_delay: int
    grace_period: int
    log_retention_days: int
    encrypt_logs: bool
    internet_egress: bool
    alarms: Alarms
    cpu_architecture: str
    tags: dict[str, str]
    protect: bool = False
    """Pulumi `protect` on the stateful resources: the log group and its KMS key."""


def resolve_task(owner: str, args: TaskArgs, *, alb: bool = True) -> TaskSettings:
    """`alb`: the service is behind an ALB (its 5xx alarm settings apply)."""
    cpu, memory = check_fargate_size(owner, default(args.cpu, 256), default(args.memory, 512))
    return TaskSettings(
        cpu=cpu,
        memory=memory,
        environment=check_environment(owner, args.environment),
        secrets=check_secrets(owner, args.secrets),
        secrets_kms_keys=check_secrets_kms_keys(owner, args.secrets, args.secrets_kms_keys),
        scaling=resolve_scaling(owner, args.scaling, alb=alb),
        # 30 s, not AWS's 300 s: a rollout shouldn't wait five minutes per batch of tasks.
        deregistration_delay=check_int(owner, "deregistration_delay", default(args.deregistration_delay, 30), 0, 3600),
        grace_period=check_int(
            owner, "health_check_grace_period", default(args.health_check_grace_period, 60), 0, 2_147_483_647
        ),
        log_retention_days=check_retention(owner, "log_retention_days", default(args.log_retention_days, 30)),
        encrypt_logs=bool(args.encrypt_logs),
        internet_egress=bool(args.internet_egress),
        alarms=resolve_alarms(owner, args.alarms, alb=alb),
        cpu_architecture=check_choice(
            owner, "cpu_architecture", default(args.cpu_architecture, "X86_64"), CPU_ARCHITECTURES
        ),
        tags=check_tags(owner, "tags", args.tags),
        protect=bool(args.protect),
    )


_KMS_KEY = re.compile(r"^arn:aws:kms:[a-z0-9-]+:\d{12}:key/(?:mrk-)?[0-9a-f-]{32,36}$")


def check_secrets_kms_keys(
    owner: str, secrets: dict[str, "pulumi.Input[str]"] | None, keys: list[str] | None
) -> tuple[str, ...]:
    """Customer-managed KMS keys the `secrets` are encrypted with, by key ARN: IAM grants
    kms:Decrypt on a key's ARN, never on an alias."""
    if not keys:
        return ()
    if not secrets:
        raise InvalidArgument(
            owner, "secrets_kms_keys", "decrypts secrets, but the service reads none: set secrets too"
        )
    for i, key in enumerate(keys):
        if isinstance(key, str) and not _KMS_KEY.match(key):
            raise InvalidArgument(
                owner,
                f"secrets_kms_keys[{i}]",
                f"must be a KMS key ARN like arn:aws:kms:<region>:<account>:key/<key id> (not an alias), got {key!r}",
            )
    if len(set(keys)) != len(keys):
        raise InvalidArgument(owner, "secrets_kms_keys", f"names a key twice: {keys}")
    return tuple(keys)


def check_secrets(owner: str, secrets: dict[str, "pulumi.Input[str]"] | None) -> dict[str, "pulumi.Input[str]"]:
    """Every `secrets` value is a Secrets Manager or SSM parameter ARN. A plain one is checked here;
    an Output (a secret created in the same program) is known only at deploy time, and checked
    then, when the execution role's policy is written from it (`_service.secrets_policy`)."""
    for key, value in (secrets or {}).items():
        if isinstance(value, str):
            parse_secret_arn(owner, f"secrets.{key}", value)
    return dict(secrets or {})
