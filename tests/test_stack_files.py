"""The corpus of stack files a new user might write: every broken one refused naming its file and key.

Each file in fixtures/stacks/broken states, in its header, the key its error must name and what
the error must say; each one in fixtures/stacks/valid must preview offline with every path proven.
Then fuzzing: whatever a stack file holds, reading and parsing it ends in a StackConfig or a
ConfigError, never another exception.
"""

import dataclasses
import enum
import inspect
import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fargatelb import LoadBalancedFargateServiceArgs, PrivateNetworkArgs, UdpNlbServiceArgs, verify
from fargatelb._args import _unwrap_optional, camel
from offline import parse_stack, read_stack, read_stack_text, stack_config, synthesize_stack
from stack_config import WIRED_BY_PROGRAM, ConfigError, OfflineRun, parse

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"
BROKEN = sorted((FIXTURES / "broken").glob("Pulumi.*.yaml"))
VALID = sorted((FIXTURES / "valid").glob("Pulumi.*.yaml"))
# A file with no room for a header.
EXPECTED = {"Pulumi.empty.yaml": ("(the file)", r"is empty; a stack file needs a `config:` section")}


def expectation(path: Path) -> tuple[str, str]:
    if path.name in EXPECTED:
        return EXPECTED[path.name]
    header = dict(re.findall(r"^# (key|expect): (.*)$", path.read_text(), re.M))
    return header["key"], header["expect"]


def test_the_corpus_is_big_enough_and_every_file_states_what_it_expects() -> None:
    assert len(BROKEN) >= 25 and len(VALID) >= 5
    for path in BROKEN:
        assert expectation(path), path.name


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name[len("Pulumi.") : -len(".yaml")])
def test_a_broken_stack_file_is_refused_naming_the_file_and_the_key(path: Path) -> None:
    key, expect = expectation(path)
    source = str(path)
    with pytest.raises(ConfigError) as raised:
        parse_stack(path)
    message = str(raised.value)
    assert message.startswith(source + ":"), f"the error must name the file first: {message}"
    if not key.startswith("("):
        assert f": {key}: " in message or f": {key} " in message, f"the error must name {key}: {message}"
    assert re.search(expect, message), f"expected /{expect}/ in: {message}"
    assert "Traceback" not in message
    try:
        file = read_stack(path)
    except ConfigError:
        return  # refused as a file, before any config reaches the program
    with pytest.raises(ConfigError) as real:
        parse(file.config, source=file.source)  # the program under the CLI: no offline switch
    assert str(real.value) == message, "a real run must refuse the file with the same words"


@pytest.mark.parametrize("path", BROKEN[:: max(1, len(BROKEN) // 3)], ids=lambda p: p.name)
def test_the_program_refuses_a_broken_file_the_same_way_when_run_offline(path: Path) -> None:
    _, expect = expectation(path)
    with pytest.raises(ConfigError, match=expect):
        synthesize_stack(path)


_synthesized: dict[str, Any] = {}


def synthesized(name: str) -> Any:
    """A valid variant's recording, synthesized once per session."""
    if name not in _synthesized:
        _synthesized[name] = synthesize_stack(FIXTURES / "valid" / f"Pulumi.{name}.yaml")
    return _synthesized[name]


@pytest.fixture(params=VALID, ids=lambda p: p.name[len("Pulumi.") : -len(".yaml")])
def valid(request: pytest.FixtureRequest) -> tuple[Path, Any]:
    path: Path = request.param
    return path, synthesized(path.name[len("Pulumi.") : -len(".yaml")])


def test_a_valid_variant_previews_with_every_path_proven(valid: tuple[Path, Any]) -> None:
    path, rec = valid
    report = verify.check(rec.graph())
    assert report.ok, [str(f) for f in report.findings]
    assert rec.outputs["url" if "web" in path.read_text() else "udpEndpoint"]


def test_four_zones_in_us_east_1_build_subnets_in_four_zones() -> None:
    rec = synthesized("us-east-1-four-zones")
    zones = {r.inputs["availabilityZone"] for r in rec.of_type("aws:ec2/subnet:Subnet")}
    assert zones == {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"}


def test_the_domain_variant_serves_at_its_name() -> None:
    rec = synthesized("domain")
    assert rec.outputs["url"] == "https://shop.example.com"
    assert parse_stack(FIXTURES / "valid" / "Pulumi.domain.yaml").stand_ins == ()


def test_an_esc_environment_is_reported_unresolved_not_ignored() -> None:
    parsed = parse_stack(FIXTURES / "valid" / "Pulumi.esc-environment.yaml")
    assert parsed.unresolved_environments == ("my-org/fargate-lb-prod",)


def test_a_missing_region_names_the_esc_environment_that_might_have_set_it() -> None:
    text = "environment: [my-org/prod]\nconfig:\n  fargate-lb:web: {}\n"
    file = read_stack_text(text, "Pulumi.esc.yaml")
    with pytest.raises(ConfigError, match=r"Pulumi\.esc\.yaml: aws:region: is required.*my-org/prod"):
        parse(file.config, source=file.source, offline=OfflineRun(file.source, file.environments))


# --- the committed prod stack: https required, certificate from the deployer ----------------------


def test_a_real_run_refuses_prod_naming_the_keys_and_the_commands() -> None:
    with pytest.raises(ConfigError) as raised:
        parse(stack_config("prod"), source="Pulumi.prod.yaml")  # no offline switch: a real run
    message = str(raised.value)
    assert message.startswith("Pulumi.prod.yaml: fargate-lb:web.https: is true, but the stack names no certificate")
    assert (
        "pulumi config set --stack prod --path 'fargate-lb:web.domain.name' app.example.com && "
        "pulumi config set --stack prod --path 'fargate-lb:web.domain.hostedZone' example.com"
    ) in message
    assert (
        "pulumi config set --stack prod --path 'fargate-lb:web.certificateArn' arn:aws:acm:eu-west-1:<your account>"
        in message
    )


def test_the_offline_run_of_prod_stands_in_a_labelled_certificate_and_lists_it() -> None:
    parsed = parse_stack("prod")
    (stand_in,) = parsed.stand_ins
    assert stand_in.key == "fargate-lb:web.certificateArn"
    assert stand_in.value == "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
    assert "offline stand-in" in str(stand_in) and "leaves the certificate to each deployer" in str(stand_in)
    assert len(stand_in.commands) == 2
    assert parsed.web is not None and parsed.web["certificate_arn"] == stand_in.value


def test_the_committed_prod_stack_holds_no_certificate_of_its_own() -> None:
    web = json.loads(stack_config("prod")["fargate-lb:web"])
    assert web["https"] is True
    assert not {"certificateArn", "domain", "selfSignedCertificate"} & set(web), "a deployer's own value"


# --- fuzzing: a ConfigError or a StackConfig, nothing else -----------------------------------------

KEYS = [
    "aws:region", "aws:regoin", "aws:defaultTags", "aws:profile", "pulumi:tags", "pulumi:disable-default-providers",
    "fargate-lb:web", "fargate-lb:udp", "fargate-lb:network", "fargate-lb:images", "fargatelb:web", "web", "x:y",
]  # fmt: skip
FIELDS = [
    "containerPort", "listenerPort", "httpsPort", "https", "certificateArn", "domain", "name", "hostedZone",
    "selfSignedCertificate", "image", "healthCheckImage", "cpu", "memory", "healthCheck", "port", "path",
    "protocol", "interval", "timeout", "scaling", "minCount", "maxCount", "secrets", "environment", "tags",
    "container", "ports", "user", "sidecar", "azCount", "natStrategy", "cidrBlock", "platform", "udpPort",
    "allowedCidrs", "internal", "flowLogs", "extraInterfaceEndpoints", "secure", "value",
]  # fmt: skip
STRINGS = [
    "eu-west-1", "us-east-1", "cn-north-1", "", " ", "none", "single", "HTTP", "TCP", "/healthz", "10.0.0.0/16",
    "linux/arm64", "10001", "app.example.com", "example.com", "*.example.com",
    "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "arn:aws:acm:eu-west-1:123456789012:certificate/x",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    "arn:aws:ssm:us-east-1:123456789012:parameter/x", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.integers(0, 70000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(STRINGS),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)
# Anything at all, in a stack file's top-level shape.
documents = st.dictionaries(
    st.sampled_from(["config", "environment", "secretsprovider", "stack"]),
    st.dictionaries(st.sampled_from(KEYS), values, max_size=6) | values,
    max_size=3,
)


def mostly(likely: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`likely` 19 times in 20, anything at all otherwise."""
    return st.integers(0, 19).flatmap(lambda i: scalars if i == 0 else likely)


ECR_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"
# Strings a field plausibly holds: valid ones, then near misses.
FIELD_STRINGS = {
    "image": ([ECR_IMAGE], ["nginx:1.27", ""]),
    "health_check_image": ([ECR_IMAGE], ["busybox"]),
    "certificate_arn": ([STRINGS[13]], [STRINGS[14], STRINGS[13].replace("eu-west-1", "us-east-1")]),
    "cluster_arn": (["arn:aws:ecs:eu-west-1:123456789012:cluster/c"], [""]),
    "path": (["/healthz", "/"], ["healthz"]),
    "protocol": (["HTTP", "TCP"], ["UDP"]),
    "matcher": (["200", "200-399"], ["ok"]),
    "user": (["10001", "2000:2000"], ["0", "www"]),
    "cidr_block": (["10.0.0.0/16", "10.1.0.0/22"], ["10.0.0.0/8"]),
    "name": (["app.example.com"], ["*.example.com", "app.example.org"]),
    "hosted_zone": (["example.com", "example.com."], ["com"]),
    "secrets": ([STRINGS[15]], [STRINGS[16], "db-password"]),
    "allowed_cidrs": (["0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32"], ["10.0.0.0/33"]),
    "extra_interface_endpoints": (["secretsmanager", "ssm"], ["s3", "Bad Name"]),
    "health_check_command": (["CMD", "CMD-SHELL"], ["curl"]),
    "tags": (["platform", "web team"], ["x" * 257, "a,b"]),
}


def settings_of(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Objects shaped like `cls`'s config (its fields, camelCase), each value plausible or anything."""
    hints = {k: v for c in reversed(cls.__mro__) for k, v in inspect.get_annotations(c).items()}
    fields = {
        camel(f.name): mostly(plausible(hints[f.name], f.name))
        for f in dataclasses.fields(cls)
        if f.name not in WIRED_BY_PROGRAM
    }
    # A few settings at a time, as stack files hold them: all of them at once would almost never be valid.
    chosen = st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)
    return chosen.flatmap(lambda names: st.fixed_dictionaries({n: fields[n] for n in names}))


def plausible(tp: Any, name: str) -> st.SearchStrategy[Any]:
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return st.deferred(lambda: settings_of(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from([m.value for m in tp] + ["double"])
    if origin is list:
        (item,) = typing.get_args(tp)
        return st.lists(plausible(item, name), max_size=3)
    if origin is dict:
        keys = st.sampled_from(["PORT", "DB", "team", "aws:x", "Name"])
        return st.dictionaries(keys, plausible(str, name), max_size=3)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.sampled_from([1, 2, 3, 4, 7, 14, 30, 60, 80, 256, 443, 512, 1024, 2048, 8080, 9090, 0, 65536])
    good, near = FIELD_STRINGS.get(name, (STRINGS, []))
    return (
        st.sampled_from(good)
        if not near
        else st.integers(0, 4).flatmap(lambda i: st.sampled_from(near if i == 0 else good))
    )


# Well-formed stacks with wrong values deep inside: these reach the components' validation.
configs = st.fixed_dictionaries(
    {"aws:region": st.sampled_from(["eu-west-1"] * 4 + ["us-east-1", "us-west-1", "eu-west-9"])},
    optional={
        "fargate-lb:network": settings_of(PrivateNetworkArgs),
        "fargate-lb:web": settings_of(LoadBalancedFargateServiceArgs),
        "fargate-lb:udp": settings_of(UdpNlbServiceArgs),
        "fargate-lb:images": st.fixed_dictionaries({}, optional={"platform": st.sampled_from(["linux/arm64", "x"])}),
    },
).map(lambda config: {"config": config})


def read_and_parse(text: str) -> None:
    try:
        file = read_stack_text(text, "Pulumi.fuzz.yaml")
        parse(file.config, source=file.source, offline=OfflineRun(file.source, file.environments))
    except ConfigError as err:
        assert str(err).startswith("Pulumi.fuzz.yaml"), str(err)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(documents, configs, configs))
def test_any_document_parses_or_is_refused_with_a_config_error(document: dict[str, Any]) -> None:
    read_and_parse(yaml.safe_dump(document, allow_unicode=True))


DEV = (Path(__file__).parent.parent / "Pulumi.dev.yaml").read_text()


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(0, len(DEV)), st.integers(0, 8), st.text(alphabet=" \t\n:-[]{}&*!|>'\"#%@`,?0aZ", max_size=6))
def test_any_edit_of_a_real_stack_file_parses_or_is_refused(at: int, cut: int, insert: str) -> None:
    read_and_parse(DEV[:at] + insert + DEV[at + cut :])
