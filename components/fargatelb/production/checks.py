"""Each production control, judged on a stack's resources by type and inputs: any program's, not
only this package's (no resource names are read). The policy pack runs these on a real preview;
the tests run them on the recorded stacks.

A value unknown in a preview (an input present but None) is never a violation: CrossGuard runs
again during `pulumi up`, when it is known. An input that is absent takes AWS's default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..graph import Graph, Node
from ..verify.tokens import LISTENER_RULES, LISTENERS, LOAD_BALANCERS
from . import ingress
from .controls import CONTROLS
from .declaration import Declaration

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"
REPOSITORY = "aws:ecr/repository:Repository"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
CERTIFICATE = "aws:acm/certificate:Certificate"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"


@dataclass(frozen=True)
class Violation:
    control: str
    node: Node | None
    message: str

    def __str__(self) -> str:
        where = f"{self.node.name}: " if self.node is not None else ""
        return f"[{self.control}] {where}{self.message}"


def _flag(node: Node, key: str) -> bool | None:
    """An input flag: False when absent (AWS's default), None when unknown in this preview."""
    if key not in node.props:
        return False
    value = node.props[key]
    return None if value is None else value is True


def _set(props: Mapping[str, Any], key: str) -> bool:
    """Is the input given (a value, or one unknown in this preview)?"""
    return key in props and props[key] != ""


def _of(graph: Graph, tokens: Iterable[str]) -> list[Node]:
    return [n for t in tokens for n in graph.of_type(t)]


def _application(lb: Node) -> bool:
    return lb.get("loadBalancerType", "application") == "application"


def _redirects_to_https(actions: object) -> bool | None:
    """Do all `actions` redirect to HTTPS? None when one is unknown in this preview."""
    if not isinstance(actions, list) or not actions:
        return False
    result: bool | None = True
    for action in actions:
        if not isinstance(action, dict) or action.get("type") is None:
            result = None  # unknown in this preview
            continue
        redirect = action.get("redirect") or {}
        if action["type"] == "redirect" and "protocol" in redirect and redirect["protocol"] is None:
            result = None
        elif action["type"] != "redirect" or redirect.get("protocol") != "HTTPS":
            return False  # a redirect without a protocol keeps the request's: HTTP stays HTTP
    return result


def elb_1(graph: Graph) -> Iterator[Violation]:
    for lb in _of(graph, LOAD_BALANCERS):
        if not _application(lb):
            continue
        for listener in (n for t in LISTENERS for n in graph.referrers(lb, t, "loadBalancerArn")):
            if (listener.get("protocol") or "HTTP") != "HTTP":
                continue
            if _redirects_to_https(listener.get("defaultActions")) is False:
                yield Violation(
                    "ELB.1",
                    listener,
                    f"HTTP listener of {lb.name} serves requests instead of redirecting them to HTTPS",
                )
            for rule in (n for t in LISTENER_RULES for n in graph.referrers(listener, t, "listenerArn")):
                if _redirects_to_https(rule.get("actions")) is False:
                    yield Violation("ELB.1", rule, f"rule on the HTTP listener of {lb.name} serves requests over HTTP")


def elb_5(graph: Graph) -> Iterator[Violation]:
    for lb in _of(graph, LOAD_BALANCERS):
        if not _application(lb) or ("accessLogs" in lb.props and lb.props["accessLogs"] is None):
            continue  # a network load balancer, or unknown in this preview
        logs = lb.get("accessLogs") or {}
        # `enabled` is false unless set, even with a bucket.
        if not _set(logs, "bucket") or logs.get("enabled", False) is False:
            yield Violation(
                "ELB.5", lb, "application load balancer without access logs (accessLogs: bucket, enabled: true)"
            )


def elb_6(graph: Graph) -> Iterator[Violation]:
    for lb in _of(graph, LOAD_BALANCERS):
        if _flag(lb, "enableDeletionProtection") is False:
            kind = "application" if _application(lb) else str(lb.get("loadBalancerType"))
            yield Violation("ELB.6", lb, f"{kind} load balancer without enableDeletionProtection: true")


def ec2_6(graph: Graph) -> Iterator[Violation]:
    logged = {u for f in graph.of_type(FLOW_LOG) for u in f.dependencies_of("vpcId")}
    logged |= {f.get("vpcId") for f in graph.of_type(FLOW_LOG)}
    for vpc in graph.of_type(VPC):
        if vpc.urn not in logged and vpc.props.get("id") not in logged:
            yield Violation("EC2.6", vpc, "VPC without a flow log (aws.ec2.FlowLog with vpcId)")


def ec2_18(graph: Graph) -> Iterator[Violation]:
    for opening in ingress.unauthorized(graph):
        yield Violation("EC2.18", opening.group, f"{opening}: only TCP 80 and 443 may be open to the world")


def ecr_5(graph: Graph) -> Iterator[Violation]:
    for repo in graph.of_type(REPOSITORY):
        configs = repo.props.get("encryptionConfigurations", [])
        if configs is None:
            continue  # unknown in this preview
        kms = [c for c in configs if isinstance(c, dict) and c.get("encryptionType") == "KMS" and _set(c, "kmsKey")]
        if not kms:
            yield Violation(
                "ECR.5", repo, "ECR repository not encrypted with a customer-managed key (encryptionType KMS, kmsKey)"
            )


def flb_forcedelete(graph: Graph) -> Iterator[Violation]:
    for repo in graph.of_type(REPOSITORY):
        if _flag(repo, "forceDelete"):
            yield Violation(
                "FLB.FORCEDELETE", repo, "forceDelete: true lets `pulumi destroy` delete the repository with its images"
            )


def flb_logkms(graph: Graph) -> Iterator[Violation]:
    for group in graph.of_type(LOG_GROUP):
        if not _set(group.props, "kmsKeyId"):
            yield Violation("FLB.LOGKMS", group, "log group without kmsKeyId (a customer-managed KMS key)")


def kms_3(graph: Graph) -> Iterator[Violation]:
    for key in graph.of_type(KMS_KEY):
        if not key.protect:
            yield Violation("KMS.3", key, "KMS key without Pulumi `protect`: `pulumi destroy` schedules its deletion")


def flb_protect(graph: Graph) -> Iterator[Violation]:
    for node in [*graph.of_type(LOG_GROUP), *_of(graph, BUCKETS), *graph.of_type(REPOSITORY)]:
        if not node.protect:
            kind = node.type.rsplit(":", 1)[-1]
            yield Violation(
                "FLB.PROTECT", node, f"{kind} without Pulumi `protect`: `pulumi destroy` deletes what it holds"
            )


def flb_cert(graph: Graph) -> Iterator[Violation]:
    for certificate in graph.of_type(CERTIFICATE):
        if graph.refs(certificate, "certificateBody", SELF_SIGNED):
            yield Violation(
                "FLB.CERT",
                certificate,
                "imported certificate is self-signed (tls.SelfSignedCert): clients can't trust it",
            )


CHECKS: dict[str, Callable[[Graph], Iterable[Violation]]] = {
    "ELB.1": elb_1, "ELB.5": elb_5, "ELB.6": elb_6, "EC2.6": ec2_6, "EC2.18": ec2_18, "ECR.5": ecr_5,
    "KMS.3": kms_3, "FLB.CERT": flb_cert, "FLB.LOGKMS": flb_logkms, "FLB.PROTECT": flb_protect,
    "FLB.FORCEDELETE": flb_forcedelete,
}  # fmt: skip
"""Each control's check, by control id: every control in CONTROLS has one."""


def violations(
    graph: Graph, declaration: Declaration | None = None, controls: Iterable[str] = CONTROLS
) -> list[Violation]:
    """What `graph` breaks of `controls`, less the controls `declaration` overrides."""
    waived = declaration.overrides if declaration is not None else {}
    return [v for c in controls if c not in waived for v in CHECKS[c](graph)]
