"""The image-pull and logs paths of one service: private ECR needs `ecr.api` (auth, manifests),
`ecr.dkr` (the registry) and the image layers from S3 (gateway endpoint on every route table);
the awslogs driver needs `logs`. Each through its endpoint, or through NAT with internet egress.
An image outside ECR needs NAT."""

from __future__ import annotations

import re
from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Severity
from ..tokens import UDP_COMPONENT, VPC_ENDPOINT
from ..values import names
from .reach import HTTPS, Reach, internet_egress_finding, nat_route, prove_interface

# A private ECR image: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")
ECR_ENDPOINTS = ("ecr.api", "ecr.dkr")
LOGS_ENDPOINT = "logs"
_NO_PULL = "tasks can't pull their image from ECR (CannotPullContainerError)"
_NO_LOGS = "the awslogs driver can't deliver logs, so the task fails to start"


def prove_pull_and_logs(ctx: Context, reach: Reach, containers: list[dict[str, Any]] | None) -> None:
    svc = reach.svc
    images = [c.get("image") for c in containers] if containers is not None else None
    public = [i for i in images or [] if isinstance(i, str) and not ECR_IMAGE.match(i)]
    unknown_images = images is None or any(not isinstance(i, str) for i in images)
    uses_awslogs = containers is None or any(
        ((c.get("logConfiguration") or {}).get("logDriver") == "awslogs") for c in containers
    )
    pull_hops, pull_ok = [reach.base], True

    if unknown_images and not reach.all_nat:
        ctx.add(
            Severity.UNKNOWN,
            "image",
            "an image is unknown until deploy; with no NAT route only an image in this account's ECR can be pulled",
            service=svc,
            source=svc,
        )
    if (images and len(public) < len(images)) or unknown_images:
        for endpoint in ECR_ENDPOINTS:
            text, ok = prove_interface(ctx, reach, endpoint, _NO_PULL)
            pull_hops.append(text)
            pull_ok &= ok
        text, ok = prove_s3(ctx, reach)
        pull_hops.append(text)
        pull_ok &= ok
    for image in public:
        if reach.all_nat and reach.internet.status == "ok":
            pull_hops.append(f"{image} via NAT ({names(reach.nat_tables)}) ✓")
            continue
        pull_hops.append(f"{image} ✗")
        container = next(c for c in containers or [] if c.get("image") == image)
        if not reach.all_nat:
            no_nat = [rt for rt in reach.tables if rt not in reach.nat_tables]
            pull_ok = pull_ok and reach.no_route_severity is Severity.UNKNOWN
            ctx.add(
                reach.no_route_severity,
                "public-image",
                f"public registry image with no NAT: {image!r} (container {container.get('name')!r}) is not in "
                f"ECR, and route tables {names(no_nat)} have no 0.0.0.0/0 route to a NAT gateway; push it to "
                "ECR, or give the network a NAT gateway and the service internet egress",
                service=svc,
                source=svc,
                target=no_nat[0] if no_nat else None,
                fix=ctx.fix(svc, image_concern(ctx, svc, container), "containerDefinitions"),
            )
        else:
            pull_ok = internet_egress_finding(ctx, reach, f"pull {image!r}") and pull_ok
    ctx.add_path(svc, "image-pull", pull_hops, pull_ok)

    if uses_awslogs:
        text, ok = prove_interface(ctx, reach, LOGS_ENDPOINT, _NO_LOGS)
        ctx.add_path(svc, "logs", [reach.base, text], ok)


def image_concern(ctx: Context, svc: Node, container: dict[str, Any]) -> str:
    component = ctx.g.component_of(svc)
    if component is not None and component.type == UDP_COMPONENT and container.get("name") == "healthcheck":
        return "health_check_image"
    return "image"


def prove_s3(ctx: Context, reach: Reach) -> tuple[str, bool]:
    """ECR's image layers come from S3: a gateway endpoint on each route table (or NAT), and task
    egress to the endpoint's prefix list."""
    svc, task_sgs = reach.svc, reach.task_sgs
    gateways = [
        ep
        for ep in ctx.g.of_type(VPC_ENDPOINT)
        if isinstance(ep.get("serviceName"), str)
        and ep.get("serviceName").endswith(".s3")
        and ep.get("vpcEndpointType") == "Gateway"
    ]
    ok, texts = True, []
    for rt in reach.tables:
        on_table = [ep for ep in gateways if rt.urn in ep.property_dependencies.get("routeTableIds", ())]
        if on_table:
            ep = on_table[0]
            egress = ctx.rules.find(
                ctx.rules.on(task_sgs, egress=True), "tcp", HTTPS, prefix_lists=[ep], internet=False
            )
            mark = ctx.rule_finding(
                egress,
                "task-sg-egress-s3",
                missing=f"no egress rule on {names(task_sgs)} allows tcp/443 to {ep.name}'s prefix list: tasks "
                "fetch the image manifest but can't download its layers from S3",
                unknown=f"whether {names(task_sgs)} may reach {ep.name}'s prefix list is known only at deploy",
                svc=svc,
                source=task_sgs[0] if task_sgs else svc,
                target=ep,
                fix=ctx.fix(svc, "s3_prefix_list", "prefixListId"),
            )
            ok = ok and egress.status != "missing"
            if egress.status == "ok":
                mark = f"({names(task_sgs)} egress tcp/443 to prefix list ✓)"
            texts.append(f"s3 via {ep.name} on {rt.name} {mark}")
        elif nat_route(ctx, rt) and reach.internet.status == "ok":
            texts.append(f"s3 via NAT on {rt.name} ✓")
        elif nat_route(ctx, rt):
            ok = internet_egress_finding(ctx, reach, "download image layers from S3") and ok
            texts.append(f"s3 via NAT on {rt.name} ✗")
        else:
            ok = False
            texts.append(f"s3 on {rt.name} ✗")
            ctx.add(
                Severity.ERROR,
                "s3-gateway-endpoint",
                f"route table {rt.name} has no S3 gateway endpoint and no NAT route: tasks can't download ECR "
                "image layers (they live in S3)",
                service=svc,
                source=rt,
                target=gateways[0] if gateways else None,
                fix=ctx.fix(rt, "nat_strategy", "routeTableIds"),
            )
    return "; ".join(texts) or "s3 ?", ok
