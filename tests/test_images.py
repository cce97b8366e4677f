"""The program's images under mocks: content tags, relative contexts, immutable repositories, and
no build when ECR already has the tag (a second `pulumi up`, a rollback to an earlier commit). The
program builds app/web and app/udp; UdpNlbService builds the health-check sidecar the package ships.

`RecordingMocks.ecr_images` plays ECR: which repositories exist and which tags they hold.
"""

import json
from collections.abc import Mapping
from typing import Any

import pytest

from fargatelb.build import repository_name
from fargatelb.mocks import Recording, RecordingMocks
from image_tags import APP_DIR, content_tag
from offline import stack_config, synthesize_stack

IMAGE = "docker-build:index:Image"
REPOSITORY = "aws:ecr/repository:Repository"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECR = "123456789012.dkr.ecr.{region}.amazonaws.com"
SIDECAR = APP_DIR.parent / "components" / "fargatelb" / "sidecar"
# image → (its resources' and ECR repository's name, build context relative to the project)
BUILT = {
    "web": ("web", "app/web"),
    "udp": ("udp", "app/udp"),
    "sidecar": ("udp-healthcheck", "components/fargatelb/sidecar"),  # made by UdpNlbService "udp"
}
APPS = tuple(BUILT)
CONTAINER_APP = {"app": "web", "udp": "udp", "healthcheck": "sidecar"}
PUSHED = "sha256:" + "ab" * 32


def synth(
    monkeypatch: pytest.MonkeyPatch,
    ecr_images: Mapping[str, Mapping[str, str]],
    stack: str = "dev",
    config: dict[str, str] | None = None,
) -> Recording:
    monkeypatch.setattr(RecordingMocks, "ecr_images", ecr_images)
    return synthesize_stack(stack, config)


def container_images(rec: Recording) -> dict[str, str]:
    definitions = [c for t in rec.of_type(TASK_DEFINITION) for c in json.loads(t.inputs["containerDefinitions"])]
    return {c["name"]: c["image"] for c in definitions}


def tag(app: str, platform: str = "linux/amd64") -> str:
    return content_tag(APP_DIR.parent / BUILT[app][1], platform=platform)


def repo(app: str, stack: str = "dev") -> str:
    return f"fargate-lb/{stack}/{BUILT[app][0]}"


@pytest.fixture(scope="module")
def first_deploy(committed_stacks: dict[str, Recording]) -> Recording:
    return committed_stacks["dev"]


def test_each_app_gets_an_immutable_scanned_repository_named_for_project_stack_and_app(
    first_deploy: Recording,
) -> None:
    repos = {r.name: r.inputs for r in first_deploy.of_type(REPOSITORY)}
    assert set(repos) == {f"{BUILT[app][0]}-repo" for app in APPS}
    for app in APPS:
        inputs = repos[f"{BUILT[app][0]}-repo"]
        assert inputs["name"] == repo(app)
        assert inputs["imageTagMutability"] == "IMMUTABLE"
        assert inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert inputs["forceDelete"] is True


def test_a_first_deploy_builds_each_app_once_under_its_content_tag(first_deploy: Recording) -> None:
    images = {r.name: r for r in first_deploy.of_type(IMAGE)}
    assert set(images) == {f"{BUILT[app][0]}-image" for app in APPS}
    for app in APPS:
        name, context = BUILT[app]
        image = images[f"{name}-image"]
        # Relative to the project: the same input in every checkout, so no diff between a laptop and CI.
        assert image.inputs["context"] == {"location": context}
        assert image.inputs["dockerfile"] == {"location": f"{context}/Dockerfile"}
        assert image.inputs["tags"] == [f"{ECR.format(region='eu-west-1')}/{repo(app)}:{tag(app)}"]
        assert image.inputs["platforms"] == ["linux/amd64"]
        assert image.inputs["push"] is True
        (registry,) = image.inputs["registries"]
        assert registry["address"] == ECR.format(region="eu-west-1")
        # The provider's delete removes the pushed manifest from ECR: the stack must never ask for it.
        assert image.retain_on_delete is True, f"{app}: a replaced or dropped image resource would delete the image"


def test_task_definitions_name_the_pushed_image_by_digest(first_deploy: Recording) -> None:
    digests = {r.name.removesuffix("-image"): r.outputs["digest"] for r in first_deploy.of_type(IMAGE)}
    for container, image in container_images(first_deploy).items():
        app = CONTAINER_APP[container]
        assert image == f"{ECR.format(region='eu-west-1')}/{repo(app)}@{digests[BUILT[app][0]]}"


def test_an_unchanged_app_is_not_rebuilt_and_a_changed_one_is_built_under_its_new_tag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """web as on the second `pulumi up` after its push, or a rollback to a commit pushed earlier;
    udp changed since its last push; the sidecar never pushed (its repository doesn't exist)."""
    ecr = {
        repo("web"): {"ctx-" + "0" * 32: "sha256:" + "cd" * 32, tag("web"): PUSHED},
        repo("udp"): {"ctx-" + "1" * 32: PUSHED},
    }
    rec = synth(monkeypatch, ecr)
    built = {r.name: r for r in rec.of_type(IMAGE)}
    assert set(built) == {"udp-image", "udp-healthcheck-image"}
    assert built["udp-image"].inputs["tags"][0].endswith(":" + tag("udp"))
    images = container_images(rec)
    assert images["app"] == f"{ECR.format(region='eu-west-1')}/{repo('web')}@{PUSHED}"
    assert images["udp"].endswith("@" + built["udp-image"].outputs["digest"])
    listed = [token for token, _ in rec.calls if token == "aws:ecr/getRepositories:getRepositories"]
    assert len(listed) == 1, "three builds, one listing of the repositories per provider and run"
    asked = [(token, args.get("repositoryName")) for token, args in rec.calls if token == "aws:ecr/getImages:getImages"]
    assert sorted(asked) == [("aws:ecr/getImages:getImages", repo(app)) for app in ("udp", "web")]


def test_every_app_already_pushed_means_no_build_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    ecr = {repo(app): {tag(app): PUSHED} for app in APPS}
    rec = synth(monkeypatch, ecr)
    assert not rec.of_type(IMAGE)
    assert all(image.endswith("@" + PUSHED) for image in container_images(rec).values())


def test_another_region_and_platform_get_their_own_repository_and_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev") | {"aws:region": "us-east-1"}
    config["fargate-lb:images"] = json.dumps({"platform": "linux/arm64"})
    rec = synth(monkeypatch, {"fargate-lb/dev/web": {tag("web"): PUSHED}}, config=config)  # amd64's tag
    (web,) = [r for r in rec.of_type(IMAGE) if r.name == "web-image"]
    assert web.inputs["tags"] == [f"{ECR.format(region='us-east-1')}/fargate-lb/dev/web:{tag('web', 'linux/arm64')}"]
    assert web.inputs["platforms"] == ["linux/arm64"]
    (sidecar,) = [r for r in rec.of_type(IMAGE) if r.name == "udp-healthcheck-image"]  # the component's own
    assert sidecar.inputs["platforms"] == ["linux/arm64"]
    assert sidecar.inputs["tags"][0].endswith(":" + tag("sidecar", "linux/arm64"))


def test_prod_repositories_are_not_force_deleted(committed_stacks: dict[str, Recording]) -> None:
    for repo in committed_stacks["prod"].of_type(REPOSITORY):
        assert repo.inputs["forceDelete"] is False
        assert repo.inputs["name"].startswith("fargate-lb/prod/")


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (("fargate-lb", "dev", "web"), "fargate-lb/dev/web"),
        (("Fargate_LB", "Prod.EU", "web"), "fargate-lb/prod-eu/web"),
        (("p", "my--stack__", "udp"), "p/my-stack/udp"),
    ],
)
def test_repository_names_are_what_ecr_accepts(parts: tuple[str, str, str], name: str) -> None:
    assert repository_name(*parts) == name


def test_an_image_the_stack_names_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev")
    web: dict[str, Any] = json.loads(config["fargate-lb:web"])
    image = f"{ECR.format(region='eu-west-1')}/mine@{PUSHED}"
    config["fargate-lb:web"] = json.dumps({**web, "image": image})
    rec = synth(monkeypatch, {}, config=config)
    assert container_images(rec)["app"] == image
    assert "web-image" not in {r.name for r in rec.of_type(IMAGE)}
    assert "web-repo" not in {r.name for r in rec.of_type(REPOSITORY)}


def test_images_settings_reach_every_repository_the_stack_builds_the_sidecars_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`fargate-lb:images`: forceDelete, protect and one customer-managed key for every repository."""
    config = stack_config("dev")
    config["fargate-lb:images"] = json.dumps({"forceDelete": False, "protect": True, "encryptRepositories": True})
    rec = synth(monkeypatch, {}, config=config)
    key = rec.one("aws:kms/key:Key", "images-key")
    assert key.protect is True and key.inputs["enableKeyRotation"] is True
    repos = rec.of_type(REPOSITORY)
    assert {r.name for r in repos} == {f"{BUILT[app][0]}-repo" for app in APPS}
    for repo_ in repos:
        assert repo_.inputs["forceDelete"] is False and repo_.protect is True, repo_.name
        assert repo_.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}]


def test_no_key_is_made_when_no_repository_is(monkeypatch: pytest.MonkeyPatch) -> None:
    config = stack_config("dev")
    config["fargate-lb:images"] = json.dumps({"encryptRepositories": True})
    for section in ("web", "udp"):
        settings = json.loads(config[f"fargate-lb:{section}"])
        settings["image"] = f"{ECR.format(region='eu-west-1')}/{section}:1"
        if section == "udp":
            settings["healthCheckImage"] = f"{ECR.format(region='eu-west-1')}/healthcheck:1"
        config[f"fargate-lb:{section}"] = json.dumps(settings)
    rec = synth(monkeypatch, {}, config=config)
    assert not rec.of_type(REPOSITORY) and not rec.of_type("aws:kms/key:Key")


@pytest.mark.parametrize(("key", "value"), [("forceDelete", "no"), ("protect", 1), ("encryptRepositories", "true")])
def test_images_flags_are_booleans_named_by_their_key(key: str, value: Any) -> None:
    from stack_config import ConfigError, parse

    config = stack_config("dev") | {"fargate-lb:images": json.dumps({key: value})}
    with pytest.raises(ConfigError, match=rf"fargate-lb:images\.{key}: must be true or false, got {value!r}"):
        parse(config, source="Pulumi.dev.yaml")
