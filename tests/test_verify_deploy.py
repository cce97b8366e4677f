"""verify_deploy.py against ECS and ELBv2 answers shaped as AWS returns them (botocore's Stubber checks
both our requests and these responses against the service models), with no AWS and no waiting."""

import datetime
import functools
import io
import json
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from fargatelb.mocks import Recording
from verify_deploy import EXIT_AWS, EXIT_FAILED, EXIT_INPUT, EXIT_OK, Deployment, VerificationFailed, Verifier, main

REGION = "eu-west-1"
ACCOUNT = "123456789012"
CLUSTER = "web-cluster-892e624"
SERVICE = "web-service-e15d119"
FAMILY = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/fargate-lb-dev-web"
NEW, OLD = f"{FAMILY}:7", f"{FAMILY}:6"
TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-tg-07be463/07be46359e9e774f"
URL = "http://web-alb-347a704-347a704d30.elb.eu-west-1.amazonaws.com"
WEB = Deployment("web", CLUSTER, SERVICE, NEW, TG, URL)
UDP = Deployment("udp", "udp-cluster", "udp-service", NEW.replace("web", "udp"), TG.replace("web", "udp"))
NOW = datetime.datetime(2026, 11, 30, 7, 0, tzinfo=datetime.UTC)


def task_arn(n: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{CLUSTER}/{n:032x}"


def deployment(task_definition: str, status: str, rollout: str, running: int = 2, reason: str = "") -> dict[str, Any]:
    return {
        "id": f"ecs-svc/{abs(hash((task_definition, status))) % 10**19}",
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": 2,
        "pendingCount": 2 - running,
        "runningCount": running,
        "failedTasks": 0 if rollout != "FAILED" else 3,
        "createdAt": NOW,
        "updatedAt": NOW,
        "launchType": "FARGATE",
        "platformVersion": "1.4.0",
        "rolloutState": rollout,
        "rolloutStateReason": reason,
    }


def service(*deployments: dict[str, Any], events: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "services": [
            {
                "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/{SERVICE}",
                "serviceName": SERVICE,
                "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": 2,
                "taskDefinition": deployments[0]["taskDefinition"],
                "deployments": list(deployments),
                "events": [{"id": str(i), "createdAt": NOW, "message": m} for i, m in enumerate(events)],
            }
        ],
        "failures": [],
    }


ROLLED_BACK = service(
    deployment(OLD, "PRIMARY", "COMPLETED"),
    deployment(NEW, "ACTIVE", "FAILED", running=0, reason="ECS deployment circuit breaker: tasks failed to start."),
    events=(f"(service {SERVICE}) (deployment ecs-svc/1) deployment failed: tasks failed to start.",),
)


def task(n: int, task_definition: str, ip: str) -> dict[str, Any]:
    return {
        "taskArn": task_arn(n),
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}",
        "taskDefinitionArn": task_definition,
        "lastStatus": "RUNNING",
        "desiredStatus": "RUNNING",
        "launchType": "FARGATE",
        "attachments": [
            {
                "id": f"eni-attachment-{n}",
                "type": "ElasticNetworkInterface",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": "subnet-0a"},
                    {"name": "networkInterfaceId", "value": f"eni-0{n:016x}"},
                    {"name": "privateIPv4Address", "value": ip},
                ],
            }
        ],
    }


def health(*targets: tuple[str, str]) -> dict[str, Any]:
    return {
        "TargetHealthDescriptions": [
            {
                "Target": {"Id": ip, "Port": 8080, "AvailabilityZone": f"{REGION}a"},
                "HealthCheckPort": "8080",
                "TargetHealth": {"State": state}
                | ({"Reason": "Target.FailedHealthChecks"} if state != "healthy" else {}),
            }
            for ip, state in targets
        ]
    }


@functools.cache
def _session() -> botocore.session.Session:
    """One session for the module: it reads each service model once (a new one per test read them again)."""
    return botocore.session.get_session()


class Clients:
    def __init__(self) -> None:
        session = _session()
        creds = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "secret", "region_name": REGION}
        self.ecs = session.create_client("ecs", **creds)
        self.elbv2 = session.create_client("elbv2", **creds)
        self.ecs_stub, self.elbv2_stub = Stubber(self.ecs), Stubber(self.elbv2)

    def describe_services(self, answer: dict[str, Any], d: Deployment = WEB) -> None:
        self.ecs_stub.add_response("describe_services", answer, {"cluster": d.cluster, "services": [d.service]})

    def target_health(self, answer: dict[str, Any], d: Deployment = WEB) -> None:
        self.elbv2_stub.add_response("describe_target_health", answer, {"TargetGroupArn": d.target_group_arn})

    def tasks(self, *tasks: dict[str, Any], d: Deployment = WEB) -> None:
        arns = [t["taskArn"] for t in tasks]
        self.ecs_stub.add_response(
            "list_tasks",
            {"taskArns": arns},
            {"cluster": d.cluster, "serviceName": d.service, "desiredStatus": "RUNNING"},
        )
        self.describe_tasks(*tasks, d=d)

    def describe_tasks(self, *tasks: dict[str, Any], d: Deployment = WEB) -> None:
        self.ecs_stub.add_response(
            "describe_tasks",
            {"tasks": list(tasks), "failures": []},
            {"cluster": d.cluster, "tasks": [t["taskArn"] for t in tasks]},
        )


@pytest.fixture
def aws() -> Iterator[Clients]:
    clients = Clients()
    with clients.ecs_stub, clients.elbv2_stub:
        yield clients
        clients.ecs_stub.assert_no_pending_responses()
        clients.elbv2_stub.assert_no_pending_responses()


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answers(*task_numbers: int | None) -> Any:
    queue = list(task_numbers)

    def fetch(url: str, timeout: float) -> bytes:
        assert url == URL
        n = queue.pop(0)
        return json.dumps({"task_arn": None if n is None else task_arn(n), "task_id": "x"}).encode()

    return fetch


def verifier(aws: Clients, fetch: Any = None, requests: int = 3, timeout: float = 60) -> tuple[Verifier, FakeTime]:
    t = FakeTime()
    v = Verifier(aws.ecs, aws.elbv2, fetch=fetch or answers(1, 2, 1), timeout=timeout, interval=15,
                 requests=requests, clock=t.clock, sleep=t.sleep, log=lambda _: None)  # fmt: skip
    return v, t


def test_a_completed_rollout_of_the_declared_revision_answering_from_its_tasks_passes(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy"), ("10.0.2.20", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"), task(2, NEW, "10.0.2.20"))
    v, t = verifier(aws)
    v.verify(WEB)
    assert t.slept == []


def test_a_circuit_breaker_rollback_fails_naming_both_revisions_and_the_reason(aws: Clients) -> None:
    aws.describe_services(ROLLED_BACK)
    v, _ = verifier(aws)
    with pytest.raises(VerificationFailed) as failed:
        v.verify(WEB)
    message = str(failed.value)
    assert f"PRIMARY deployment runs {OLD}, not {NEW}" in message
    assert "circuit breaker: tasks failed to start" in message
    assert "deployment failed: tasks failed to start" in message  # the service's events


def test_a_rollout_in_progress_is_polled_until_it_completes(aws: Clients) -> None:
    aws.describe_services(
        service(deployment(NEW, "PRIMARY", "IN_PROGRESS", running=1), deployment(OLD, "ACTIVE", "COMPLETED"))
    )
    aws.describe_services(
        service(deployment(NEW, "PRIMARY", "IN_PROGRESS", running=2), deployment(OLD, "ACTIVE", "COMPLETED"))
    )
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"))
    v, t = verifier(aws, fetch=answers(1, 1, 1))
    v.verify(WEB)
    assert t.slept == [15, 15]


def test_a_rollout_still_in_progress_at_the_timeout_fails(aws: Clients) -> None:
    for _ in range(3):
        aws.describe_services(
            service(deployment(NEW, "PRIMARY", "IN_PROGRESS", running=0), deployment(OLD, "ACTIVE", "COMPLETED"))
        )
    v, _ = verifier(aws, timeout=30)
    with pytest.raises(VerificationFailed, match=r"after 30s the rollout of .*:7 is IN_PROGRESS with 0/2 tasks"):
        v.verify(WEB)


def test_a_failed_rollout_of_the_declared_revision_fails(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "FAILED", running=0, reason="tasks failed to start")))
    v, _ = verifier(aws)
    with pytest.raises(VerificationFailed, match="FAILED: tasks failed to start"):
        v.verify(WEB)


def test_a_healthy_target_of_another_revision_fails(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy"), ("10.0.2.20", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"), task(2, OLD, "10.0.2.20"))
    v, _ = verifier(aws)
    with pytest.raises(VerificationFailed, match=r"10\.0\.2\.20 runs .*:6"):
        v.verify(WEB)


def test_a_healthy_target_that_is_no_task_of_the_service_fails(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.9.99", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"))
    v, _ = verifier(aws)
    with pytest.raises(VerificationFailed, match=r"10\.0\.9\.99 \(no running task of the service has that IP\)"):
        v.verify(WEB)


def test_no_healthy_target_until_the_timeout_fails_with_each_targets_state(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    for _ in range(3):
        aws.target_health(health(("10.0.1.10", "unhealthy")))
    v, _ = verifier(aws, timeout=30)
    with pytest.raises(
        VerificationFailed, match=r"no healthy target after 30s: 10\.0\.1\.10 unhealthy \(Target\.FailedHealthChecks\)"
    ):
        v.verify(WEB)


def test_an_answer_from_a_task_of_another_revision_fails(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"))
    aws.describe_tasks(task(9, OLD, "10.0.3.30"))  # the answer names a task the service list didn't have
    v, _ = verifier(aws, fetch=answers(1, 9))
    with pytest.raises(VerificationFailed, match=rf"answered from {task_arn(9)}, which runs .*:6, not .*:7"):
        v.verify(WEB)


def test_an_answer_that_names_no_task_fails(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"))
    v, _ = verifier(aws, fetch=answers(None))
    with pytest.raises(VerificationFailed, match="without a task_arn"):
        v.verify(WEB)


def test_a_url_that_fails_at_first_is_retried(aws: Clients) -> None:
    aws.describe_services(service(deployment(NEW, "PRIMARY", "COMPLETED")))
    aws.target_health(health(("10.0.1.10", "healthy")))
    aws.tasks(task(1, NEW, "10.0.1.10"))
    ok = answers(1)
    calls = iter([ConnectionResetError("reset"), None])

    def flaky(url: str, timeout: float) -> bytes:
        error = next(calls)
        if error:
            raise error
        return ok(url, timeout)

    v, t = verifier(aws, fetch=flaky, requests=1)
    v.verify(WEB)
    assert t.slept == [5.0]


def test_the_udp_service_is_checked_in_ecs_and_at_its_targets_without_a_url(aws: Clients) -> None:
    aws.describe_services(service(deployment(UDP.task_definition_arn, "PRIMARY", "COMPLETED")), d=UDP)
    aws.target_health(health(("10.0.1.10", "healthy")), d=UDP)
    aws.tasks(task(1, UDP.task_definition_arn, "10.0.1.10"), d=UDP)
    v, _ = verifier(aws, fetch=answers())  # any request would fail: the queue is empty
    v.verify(UDP)


# --- the command ----------------------------------------------------------------------------------


def outputs() -> dict[str, Any]:
    return {"url": URL, "deployments": {"web": {"cluster": CLUSTER, "service": SERVICE, "taskDefinitionArn": NEW,
                                                "targetGroupArn": TG, "url": URL}}}  # fmt: skip


def run(monkeypatch: pytest.MonkeyPatch, document: Any, aws: Clients, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(document)))
    return main(["--timeout", "0", *args], clients=(aws.ecs, aws.elbv2))


def test_the_program_exports_what_the_command_reads(committed_stacks: dict[str, Recording]) -> None:
    dev = committed_stacks["dev"]
    found = {d.name: d for d in Deployment.from_outputs(dev.outputs)}
    assert set(found) == {"web", "udp"}
    web_task = dev.one("aws:ecs/taskDefinition:TaskDefinition", "web-task")
    assert found["web"].task_definition_arn == web_task.outputs["arn"] and found["web"].url == dev.outputs["url"]
    assert found["web"].service == dev.one("aws:ecs/service:Service", "web-service").outputs["name"]
    assert found["udp"].url is None
    assert found["udp"].target_group_arn == dev.one("aws:lb/targetGroup:TargetGroup", "udp-tg").outputs["arn"]


def test_the_command_exits_1_on_a_rollback(
    monkeypatch: pytest.MonkeyPatch, aws: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.describe_services(ROLLED_BACK)
    assert run(monkeypatch, outputs(), aws) == EXIT_FAILED
    assert "✗ web: the PRIMARY deployment runs" in capsys.readouterr().err


def test_the_command_exits_3_when_aws_refuses(
    monkeypatch: pytest.MonkeyPatch, aws: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.ecs_stub.add_client_error(
        "describe_services", "AccessDeniedException", "not authorized to ecs:DescribeServices"
    )
    assert run(monkeypatch, outputs(), aws) == EXIT_AWS
    assert "AccessDeniedException" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "args", "problem"),
    [
        ({"url": URL}, (), "no `deployments`"),
        ({"deployments": {"web": {"cluster": CLUSTER}}}, (), "deployments.web lacks service, taskDefinitionArn"),
        (outputs(), ("--service", "api"), "no deployment named api"),
        ("not json", (), "Expecting value"),
    ],
)
def test_the_command_exits_2_on_outputs_it_cannot_use(
    monkeypatch: pytest.MonkeyPatch,
    aws: Clients,
    capsys: pytest.CaptureFixture[str],
    document: Any,
    args: tuple[str, ...],
    problem: str,
) -> None:
    if document == "not json":
        monkeypatch.setattr("sys.stdin", io.StringIO("not json"))
        code = main(list(args), clients=(aws.ecs, aws.elbv2))
    else:
        code = run(monkeypatch, document, aws, *args)
    assert code == EXIT_INPUT
    assert problem in capsys.readouterr().err


def test_help_states_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("PRIMARY deployment", "circuit breaker", "--outputs", "--timeout", "Exit status: 0 verified"):
        assert needle in text
    assert EXIT_OK == 0
