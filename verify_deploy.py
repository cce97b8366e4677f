"""Verify, after `pulumi up`, that each ECS service really runs what the stack declares.

`pulumi up` reports success when the ECS deployment circuit breaker has rolled a failed rollout
back to the previous task definition: the service is steady, on the old revision. This reads the
stack's `deployments` output (`pulumi stack output --json`) and, for every service in it, checks:

1. ECS: the service's PRIMARY deployment uses the task-definition revision the stack names, its
   rollout COMPLETED (not FAILED, not still IN_PROGRESS when --timeout runs out), it is the only
   deployment, and it runs as many tasks as it wants (at least one).
2. Load balancer: at least one target of the service's target group is healthy, and every
   healthy target is the IP of a running task of that revision.
3. HTTP, for a service with a `url`: each of --requests answers from `/` names its task (the web
   app answers `{"task_arn": ...}` from the ECS task metadata endpoint), and `describe-tasks`
   says that task runs that revision.

Exit status: 0 verified; 1 a check failed (each failure is printed with what ECS said); 2 bad
input (no outputs, a missing key); 3 an AWS API call failed (credentials, permissions, throttling).
Needs ecs:DescribeServices, ecs:ListTasks, ecs:DescribeTasks, elasticloadbalancing:DescribeTargetHealth.

    pulumi stack output --json > outputs.json && python verify_deploy.py --outputs outputs.json
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_AWS = 0, 1, 2, 3
REQUIRED = ("cluster", "service", "taskDefinitionArn", "targetGroupArn")


class InputError(Exception):
    """The stack outputs don't say what to verify."""


class VerificationFailed(Exception):
    """The service doesn't run what the stack declares."""


@dataclass(frozen=True)
class Deployment:
    """One service as the stack declares it."""

    name: str
    cluster: str
    service: str
    task_definition_arn: str
    target_group_arn: str
    url: str | None = None

    @staticmethod
    def from_outputs(outputs: Mapping[str, Any]) -> list[Deployment]:
        declared = outputs.get("deployments")
        if not isinstance(declared, Mapping) or not declared:
            raise InputError("the stack outputs have no `deployments`: was this stack deployed by this program?")
        found = []
        for name, entry in sorted(declared.items()):
            missing = [key for key in REQUIRED if not isinstance(entry, Mapping) or not entry.get(key)]
            if missing:
                raise InputError(f"deployments.{name} lacks {', '.join(missing)}")
            url = entry.get("url")
            found.append(
                Deployment(
                    name,
                    entry["cluster"],
                    entry["service"],
                    entry["taskDefinitionArn"],
                    entry["targetGroupArn"],
                    url if isinstance(url, str) and url else None,
                )
            )
        return found


Fetch = Callable[[str, float], bytes]


def fetch_url(url: str, timeout: float, *, insecure: bool = False) -> bytes:
    context = ssl._create_unverified_context() if insecure else None  # a self-signed dev stack
    request = urllib.request.Request(url, headers={"Cache-Control": "no-cache", "User-Agent": "verify_deploy"})
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        return bytes(response.read(1 << 20))


@dataclass
class Verifier:
    """The three checks for one service, against injected ECS and ELBv2 clients (boto3 in use)."""

    ecs: Any
    elbv2: Any
    fetch: Fetch = fetch_url
    timeout: float = 600.0
    interval: float = 15.0
    requests: int = 6
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = print
    _task_definitions: dict[str, str] = field(default_factory=dict)

    def verify(self, d: Deployment) -> None:
        deadline = self.clock() + self.timeout
        self.check_rollout(d, deadline)
        self.check_targets(d, deadline)
        if d.url:
            self.check_answers(d, deadline)

    # 1. the ECS deployment ---------------------------------------------------------------------

    def check_rollout(self, d: Deployment, deadline: float) -> None:
        while True:
            service = self.describe_service(d)
            deployments = service.get("deployments", [])
            primary = next((x for x in deployments if x.get("status") == "PRIMARY"), None)
            if primary is None:
                raise VerificationFailed(f"{d.name}: the service has no PRIMARY deployment{events(service)}")
            runs = primary.get("taskDefinition")
            failed = [x for x in deployments if x.get("rolloutState") == "FAILED"]
            if runs != d.task_definition_arn:
                why = "".join(f"; a FAILED deployment of {x.get('taskDefinition')}: {x.get('rolloutStateReason')}"
                              for x in failed)  # fmt: skip
                raise VerificationFailed(
                    f"{d.name}: the PRIMARY deployment runs {runs}, not {d.task_definition_arn} the stack declares"
                    f" (the circuit breaker rolled back, or someone deployed over it){why}{events(service)}"
                )
            state = primary.get("rolloutState")
            if state == "FAILED":
                raise VerificationFailed(
                    f"{d.name}: the rollout of {runs} FAILED: {primary.get('rolloutStateReason')}{events(service)}"
                )
            running, desired = primary.get("runningCount", 0), primary.get("desiredCount", 0)
            if state == "COMPLETED" and len(deployments) == 1 and desired > 0 and running == desired:
                self.log(f"{d.name}: ECS runs {runs} ({running}/{desired} tasks), rollout COMPLETED ✓")
                return
            if self.clock() >= deadline:
                raise VerificationFailed(
                    f"{d.name}: after {self.timeout:g}s the rollout of {runs} is {state} with {running}/{desired} "
                    f"tasks and {len(deployments)} deployments{events(service)}"
                )
            self.sleep(self.interval)

    def describe_service(self, d: Deployment) -> dict[str, Any]:
        answer = self.ecs.describe_services(cluster=d.cluster, services=[d.service])
        if answer.get("failures") or not answer.get("services"):
            raise VerificationFailed(
                f"{d.name}: ECS has no service {d.service} in {d.cluster}: {answer.get('failures')}"
            )
        service: dict[str, Any] = answer["services"][0]
        if service.get("status") != "ACTIVE":
            raise VerificationFailed(f"{d.name}: the service is {service.get('status')}, not ACTIVE")
        return service

    # 2. the load balancer's targets -----------------------------------------------------------

    def check_targets(self, d: Deployment, deadline: float) -> None:
        while True:
            health = self.elbv2.describe_target_health(TargetGroupArn=d.target_group_arn)["TargetHealthDescriptions"]
            healthy = sorted(t["Target"]["Id"] for t in health if t.get("TargetHealth", {}).get("State") == "healthy")
            if healthy:
                tasks = self.running_tasks(d)
                by_ip = {ip: task for task in tasks for ip in task_ips(task)}
                strangers = [ip for ip in healthy if ip not in by_ip]
                wrong = {ip: by_ip[ip]["taskDefinitionArn"] for ip in healthy
                         if ip in by_ip and by_ip[ip]["taskDefinitionArn"] != d.task_definition_arn}  # fmt: skip
                if strangers or wrong:
                    raise VerificationFailed(
                        f"{d.name}: healthy targets that are not tasks of {d.task_definition_arn}: "
                        f"{', '.join(strangers)}{' (no running task of the service has that IP)' if strangers else ''}"
                        f"{'; '.join(f'{ip} runs {arn}' for ip, arn in wrong.items())}"
                    )
                self.log(f"{d.name}: {len(healthy)} healthy target(s), all tasks of {d.task_definition_arn} ✓")
                return
            if self.clock() >= deadline:
                states = ", ".join(
                    f"{t['Target']['Id']} {t.get('TargetHealth', {}).get('State')} "
                    f"({t.get('TargetHealth', {}).get('Reason', '')})"
                    for t in health
                )
                raise VerificationFailed(f"{d.name}: no healthy target after {self.timeout:g}s: {states or 'none'}")
            self.sleep(self.interval)

    def running_tasks(self, d: Deployment) -> list[dict[str, Any]]:
        arns: list[str] = []
        token = None
        while True:
            page = self.ecs.list_tasks(
                cluster=d.cluster,
                serviceName=d.service,
                desiredStatus="RUNNING",
                **({"nextToken": token} if token else {}),
            )
            arns += page.get("taskArns", [])
            token = page.get("nextToken")
            if not token:
                break
        return self.describe_tasks(d, arns)

    def describe_tasks(self, d: Deployment, arns: Sequence[str]) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):  # DescribeTasks takes at most 100
            answer = self.ecs.describe_tasks(cluster=d.cluster, tasks=list(arns[start : start + 100]))
            tasks += answer.get("tasks", [])
        for task in tasks:
            self._task_definitions[task["taskArn"]] = task["taskDefinitionArn"]
        return tasks

    # 3. who answers the url ------------------------------------------------------------------

    def check_answers(self, d: Deployment, deadline: float) -> None:
        assert d.url is not None
        answered: list[str] = []
        while len(answered) < self.requests:
            try:
                body = json.loads(self.fetch(d.url, 10.0))
            except (OSError, ValueError) as exc:  # URLError, timeouts, resets, a non-JSON body
                if self.clock() >= deadline:
                    raise VerificationFailed(f"{d.name}: {d.url} doesn't answer: {exc}") from None
                self.log(f"{d.name}: {d.url}: {exc}; retrying")
                self.sleep(min(self.interval, 5.0))
                continue
            task_arn = body.get("task_arn") if isinstance(body, dict) else None
            if not isinstance(task_arn, str) or not task_arn:
                raise VerificationFailed(
                    f"{d.name}: {d.url} answered without a task_arn (the app couldn't read the ECS task metadata "
                    f"endpoint), so its revision can't be told: {body!r:.200}"
                )
            if task_arn not in self._task_definitions:
                self.describe_tasks(d, [task_arn])
            runs = self._task_definitions.get(task_arn)
            if runs != d.task_definition_arn:
                raise VerificationFailed(
                    f"{d.name}: {d.url} answered from {task_arn}, which runs {runs or 'nothing ECS knows of'}, "
                    f"not {d.task_definition_arn}"
                )
            answered.append(task_arn)
        self.log(f"{d.name}: {len(answered)} answers from {d.url}, from {len(set(answered))} task(s) of the revision ✓")


def task_ips(task: Mapping[str, Any]) -> Iterable[str]:
    for attachment in task.get("attachments", []):
        if attachment.get("type") == "ElasticNetworkInterface":
            for detail in attachment.get("details", []):
                if detail.get("name") == "privateIPv4Address" and detail.get("value"):
                    yield detail["value"]


def events(service: Mapping[str, Any], count: int = 5) -> str:
    recent = [f"  {e.get('createdAt', '')} {e.get('message', '')}" for e in service.get("events", [])[:count]]
    return ("\n  recent service events:\n" + "\n".join(recent)) if recent else ""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="verify_deploy.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--outputs", default="-", help="`pulumi stack output --json` as a file, or - for standard input (default)"
    )
    parser.add_argument("--region", help="AWS region (default: the AWS SDK's, e.g. AWS_REGION)")
    parser.add_argument("--service", action="append", help="verify only this deployment (web, udp); repeatable")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait per service (default 600)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between polls (default 15)")
    parser.add_argument("--requests", type=int, default=6, help="requests to each url (default 6)")
    parser.add_argument("--insecure", action="store_true", help="don't verify TLS (a selfSignedCertificate stack)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, *, clients: tuple[Any, Any] | None = None) -> int:
    args = parse_args(argv)
    try:
        text = sys.stdin.read() if args.outputs == "-" else Path(args.outputs).read_text(encoding="utf-8")
        deployments = Deployment.from_outputs(json.loads(text))
        if args.service:
            unknown = set(args.service) - {d.name for d in deployments}
            if unknown:
                raise InputError(f"no deployment named {', '.join(sorted(unknown))} in the outputs")
            deployments = [d for d in deployments if d.name in args.service]
    except (OSError, ValueError, InputError) as exc:
        print(f"verify_deploy: {exc}", file=sys.stderr)
        return EXIT_INPUT

    if clients is None:
        import boto3  # only when talking to AWS: the tests pass stubbed clients

        session = boto3.session.Session(region_name=args.region)
        clients = (session.client("ecs"), session.client("elbv2"))
    ecs, elbv2 = clients
    verifier = Verifier(
        ecs,
        elbv2,
        fetch=lambda url, timeout: fetch_url(url, timeout, insecure=args.insecure),
        timeout=args.timeout,
        interval=args.interval,
        requests=args.requests,
    )
    failures = []
    for deployment in deployments:
        try:
            verifier.verify(deployment)
        except VerificationFailed as exc:
            failures.append(str(exc))
            print(f"✗ {exc}", file=sys.stderr)
        except Exception as exc:  # botocore's ClientError, NoCredentialsError, EndpointConnectionError...
            if type(exc).__module__.startswith("botocore"):
                print(f"verify_deploy: {deployment.name}: AWS API call failed: {exc}", file=sys.stderr)
                return EXIT_AWS
            raise
    if failures:
        return EXIT_FAILED
    print(f"verified: {', '.join(d.name for d in deployments)} run what the stack declares")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
