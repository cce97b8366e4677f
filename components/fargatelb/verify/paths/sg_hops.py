"""The two security-group rules that must agree for a load balancer to reach a task: the task SG's
ingress from the load balancer SG, and the load balancer SG's egress to the task SG."""

from __future__ import annotations

from ...graph import Node
from ..context import Context
from ..values import names


def prove_sg_hops(
    ctx: Context,
    svc: Node,
    tg: Node,
    lb_sgs: list[Node],
    lb_subnets: list[Node],
    task_sgs: list[Node],
    task_subnets: list[Node],
    protocol: str,
    port: int,
    *,
    health: bool,
) -> tuple[str, bool]:
    """Task SG ingress from the LB SG on protocol/port, and the LB SG's egress to the task SG."""
    prefix = "health-check-" if health else ""
    what = "health checks" if health else "traffic"
    concern = "health_check_port" if health else "traffic_port"
    if not lb_sgs or not task_sgs:
        return f"{names(task_sgs)} ingress {protocol}/{port} from {names(lb_sgs)} ?", False
    lb_sg, task_sg = lb_sgs[0], task_sgs[0]
    rules = ctx.rules
    ingress = rules.find(rules.on(task_sgs, egress=False), protocol, port, sgs=lb_sgs, subnets=lb_subnets)
    egress = rules.find(rules.on(lb_sgs, egress=True), protocol, port, sgs=task_sgs, subnets=task_subnets)
    fix = ctx.fix(tg, concern, "port")
    tasks, lbs, flow = names(task_sgs), names(lb_sgs), f"{protocol}/{port}"
    ingress_mark = ctx.rule_finding(
        ingress,
        f"{prefix}task-sg-ingress",
        missing=f"no ingress rule on {tasks} admits {flow} from {lbs}: the load balancer's {what} can't reach "
        "the tasks" + ("" if health else ", so targets never turn healthy"),
        unknown=f"whether {tasks} admits {flow} from {lbs} is known only at deploy",
        svc=svc,
        source=lb_sg,
        target=task_sg,
        fix=fix,
    )
    egress_mark = ctx.rule_finding(
        egress,
        f"{prefix}lb-sg-egress",
        missing=f"no egress rule on {lbs} allows {flow} to {tasks}: the load balancer can't send {what} to the tasks",
        unknown=f"whether {lbs} may send {flow} to {tasks} is known only at deploy",
        svc=svc,
        source=lb_sg,
        target=task_sg,
        fix=fix,
    )
    text = f"{tasks} ingress {flow} from {lbs} {ingress_mark} ({lbs} egress {flow} to {tasks} {egress_mark})"
    broken = "missing" in (ingress.status, egress.status)
    return text, broken
