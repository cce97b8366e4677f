"""The post-deploy check reads the answer of the real web app: `/` names the task from the ECS task
metadata endpoint, and verify_deploy ties that task to its task-definition revision."""

from __future__ import annotations

import time
from typing import Any

import pytest

from verify_deploy import Deployment, VerificationFailed, Verifier, fetch_url

from .helpers import TASK_ARN, FakeMetadata, StartApp

REVISION = "arn:aws:ecs:eu-west-1:123456789012:task-definition/fargate-lb-dev-web:7"


class Ecs:
    """DescribeTasks for the one task the fake metadata endpoint names."""

    def __init__(self, revision: str) -> None:
        self.revision = revision
        self.asked: list[list[str]] = []

    def describe_tasks(self, cluster: str, tasks: list[str]) -> dict[str, Any]:
        self.asked.append(tasks)
        return {"tasks": [{"taskArn": t, "taskDefinitionArn": self.revision} for t in tasks if t == TASK_ARN]}


def check(port: int, ecs: Ecs) -> None:
    deployment = Deployment("web", "cluster", "service", REVISION, "tg", f"http://127.0.0.1:{port}/")
    verifier = Verifier(ecs, None, fetch=fetch_url, requests=3, log=lambda _: None)
    verifier.check_answers(deployment, deadline=time.monotonic() + 10)


def test_answers_from_the_web_app_are_tied_to_its_task_definition(start_web: StartApp, metadata: FakeMetadata) -> None:
    web = start_web("web", PORT="0", ECS_CONTAINER_METADATA_URI_V4=metadata.uri)
    ecs = Ecs(REVISION)
    check(web.listening_port(), ecs)
    assert ecs.asked == [[TASK_ARN]]  # asked once, then remembered

    with pytest.raises(VerificationFailed, match=r"fargate-lb-dev-web:6, not .*:7"):
        check(web.listening_port(), Ecs(REVISION.replace(":7", ":6")))


def test_a_web_app_without_task_metadata_fails_the_check(start_web: StartApp) -> None:
    web = start_web("web-no-metadata", PORT="0")
    with pytest.raises(VerificationFailed, match="without a task_arn"):
        check(web.listening_port(), Ecs(REVISION))
