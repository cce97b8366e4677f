"""The offline preview: run the real program on a stack's config, prove its wiring, draw it.

    ./preview dev                  # or: python preview.py dev, make preview STACK=dev
    ./preview --all                # every Pulumi.<stack>.yaml
    ./preview path/to/Pulumi.x.yaml   # a stack file anywhere (the program is this one)

No CLI, credentials or plugins: `__main__.py` runs under fargatelb's recording mocks. Prints the
resources grouped by component, each proven path hop by hop, and the findings; writes
out/<stack>/architecture.mmd (Mermaid) and .dot, and a PNG when Graphviz's `dot` is installed.
Exit status: 0 when every path is proven, 1 when one is broken, 2 when the stack config is invalid
(or the command line is). `make preview` can't pass these on: make exits 2 whenever a recipe fails.

A stack that leaves a value to each deployer (prod's certificate) is previewed with a labelled
stand-in, printed first: a real `pulumi preview` refuses the stack until the deployer sets it.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pulumi

from fargatelb import InvalidArgument, production, verify
from fargatelb.graph import Graph, Node
from fargatelb.mocks import Recording
from offline import ROOT, parse_stack, stack_file, stacks, synthesize_stack
from stack_config import StackConfig

OUT = ROOT / "out"
STACK_TYPE = "pulumi:pulumi:Stack"


def short_type(token: str) -> str:
    """`aws:lb/targetGroup:TargetGroup` → `lb.TargetGroup`."""
    package, module, name = [*token.split(":"), "", ""][:3]
    return f"{module.split('/')[0]}.{name}" if package == "aws" else f"{package}.{module}.{name}".strip(".")


def print_resources(rec: Recording) -> None:
    components = {r.urn: r for r in rec.registrations if not r.custom and not r.remote}
    groups: dict[str | None, list[str]] = defaultdict(list)
    for r in rec.registrations:
        if r.urn in components:
            continue
        owner = r.parent if r.parent in components else None
        groups[owner].append(f"    {short_type(r.type):<42} {r.name}")
    for urn, lines in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        head = f"{components[urn].type.split(':')[-1]} {components[urn].name}" if urn else "stack"
        print(f"  {head} ({len(lines)})")
        print("\n".join(sorted(lines)))


def _label(node: Node) -> str:
    p = node.props
    t = node.type
    if t == "aws:lb/loadBalancer:LoadBalancer":
        kind = "ALB" if p.get("loadBalancerType") == "application" else "NLB"
        return f"{kind} {node.name}\\n{'internal' if p.get('internal') else 'internet-facing'}"
    if t == "aws:lb/listener:Listener":
        return f"listener {p.get('protocol')}:{_int(p.get('port'))}"
    if t == "aws:lb/targetGroup:TargetGroup":
        hc = p.get("healthCheck") or {}
        health = f"health {hc.get('protocol')}:{hc.get('port')}"
        return f"target group {p.get('protocol')}:{_int(p.get('port'))} ({p.get('targetType')})\\n{health}"
    if t == "aws:ecs/service:Service":
        entries = ", ".join(
            f"{e.get('containerName')}:{_int(e.get('containerPort'))}" for e in p.get("loadBalancers") or []
        )
        return f"ECS service {node.name}\\n{entries}"
    if t == "aws:ec2/vpcEndpoint:VpcEndpoint":
        return f"endpoint {str(p.get('serviceName', '')).split('.', 3)[-1]}"
    return f"{short_type(t)} {node.name}"


def _int(value: object) -> object:
    return int(value) if isinstance(value, float) else value


DRAWN = (
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/listener:Listener",
    "aws:lb/targetGroup:TargetGroup",
    "aws:ecs/service:Service",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ec2/natGateway:NatGateway",
)


def diagram(graph: Graph, report: verify.Report) -> tuple[str, str]:
    """Mermaid and DOT text of the traffic and image-pull paths, drawn from the recorded resources."""
    nodes = [n for n in graph.nodes if n.type in DRAWN]
    ids = {n.urn: f"n{i}" for i, n in enumerate(nodes)}
    edges: list[tuple[str, str, str]] = []
    for n in nodes:
        if n.type == "aws:lb/loadBalancer:LoadBalancer":
            edges.append(("clients", ids[n.urn], "in the VPC" if n.props.get("internal") else "internet"))
        if n.type == "aws:lb/listener:Listener":
            for lb in graph.refs(n, "loadBalancerArn", "aws:lb/loadBalancer:LoadBalancer"):
                edges.append((ids[lb.urn], ids[n.urn], ""))
            for tg in graph.refs(n, "defaultActions", "aws:lb/targetGroup:TargetGroup"):
                edges.append((ids[n.urn], ids[tg.urn], "forward"))
        if n.type == "aws:ecs/service:Service":
            for tg in graph.refs(n, "loadBalancers", "aws:lb/targetGroup:TargetGroup"):
                edges.append((ids[tg.urn], ids[n.urn], "ip targets"))
            pulled = {p.service for p in report.paths if p.kind == "image-pull" and p.ok}
            if n.name in pulled:
                for ep in graph.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
                    edges.append((ids[n.urn], ids[ep.urn], "443"))
    groups: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        owner = graph.component_of(n)
        groups[owner.name if owner else "stack"].append(n)

    mermaid = ["flowchart LR", '  clients(("clients"))']
    dot = ["digraph architecture {", "  rankdir=LR; node [shape=box, fontsize=10];", "  clients [shape=ellipse];"]
    for group, members in groups.items():
        mermaid.append(f'  subgraph {group.replace("-", "_")}["{group}"]')
        dot.append(f'  subgraph "cluster_{group}" {{ label="{group}";')
        for n in members:
            label = _label(n)
            mermaid.append(f'    {ids[n.urn]}["{label.replace(chr(92) + "n", "<br/>")}"]')
            dot.append(f'    {ids[n.urn]} [label="{label}"];')
        mermaid.append("  end")
        dot.append("  }")
    for a, b, label in dict.fromkeys(edges):
        mermaid.append(f"  {a} -->|{label}| {b}" if label else f"  {a} --> {b}")
        dot.append(f'  {a} -> {b} [label="{label}"];')
    dot.append("}")
    return "\n".join(mermaid) + "\n", "\n".join(dot) + "\n"


def write_diagram(stack: str, graph: Graph, report: verify.Report) -> list[Path]:
    out = OUT / stack
    out.mkdir(parents=True, exist_ok=True)
    mermaid, dot = diagram(graph, report)
    written = [out / "architecture.mmd", out / "architecture.dot"]
    written[0].write_text(mermaid)
    written[1].write_text(dot)
    if shutil.which("dot"):
        png = out / "architecture.png"
        subprocess.run(["dot", "-Tpng", "-o", str(png), str(written[1])], check=True)
        written.append(png)
    return written


def print_offline_notes(config: StackConfig) -> None:
    """What this offline verdict stands on that a real preview will need from the deployer."""
    if config.stand_ins:
        print("stand-ins: a real `pulumi preview` of this stack refuses to start until you set these:")
        for stand_in in config.stand_ins:
            print(f"  {stand_in}")
            for i, command in enumerate(stand_in.commands):
                print(f"    {'set one:' if i == 0 else '     or:'} {command}")
    if config.unresolved_environments:
        print(
            f"unresolved: ESC environment {', '.join(config.unresolved_environments)} is not read offline; "
            "the values it sets override this file and are checked only by a real `pulumi preview`"
        )


def print_production(config: StackConfig, graph: Graph) -> list[production.Violation]:
    """A production stack's profile (each override with its reason), then the production controls
    judged on the recorded resources, as the policy pack judges a real preview's."""
    if config.production is None:
        return []
    print("\n".join(config.production.lines()))
    found = production.violations(graph, config.production.declaration)
    print(f"  controls on the recorded resources: {'ok' if not found else f'{len(found)} violation(s)'}")
    for violation in found:
        print(f"    {violation}")
    return found


def preview(stack: str) -> int:
    started = time.perf_counter()
    try:
        config = parse_stack(stack)
        rec = synthesize_stack(stack)
    except pulumi.RunError as err:
        # What `pulumi preview` would report for this stack, without a traceback; it names the file.
        print(err, file=sys.stderr)
        return 2
    except InvalidArgument as err:
        print(f"stack {stack}: {err}", file=sys.stderr)
        return 2
    graph = rec.graph()
    report = verify.check(graph)
    elapsed = time.perf_counter() - started
    custom = sum(1 for r in rec.registrations if r.custom or r.remote)
    print(f"stack {stack}: {custom} resources, synthesized and checked offline in {elapsed:.2f} s")
    print_offline_notes(config)
    refused = print_production(config, graph)
    print_resources(rec)
    print("paths:")
    for path in report.paths:
        print(f"  {path}")
    print("findings:" if report.findings else "findings: none")
    for finding in report.findings:
        print(f"  {finding}")
    counts = f"{len(report.errors)} errors, {len(report.warnings)} warnings, {len(report.unknowns)} unknown"
    caveat = f"; with {len(config.stand_ins)} offline stand-in(s), listed at the top" if config.stand_ins else ""
    if refused:
        caveat += f"; {len(refused)} production control violation(s), listed at the top"
    ok = report.ok and not refused
    print(f"verdict: {'ok' if ok else 'BROKEN'} ({counts}{caveat})")
    files = write_diagram(stack_file(stack)[2], graph, report)
    print("diagram: " + ", ".join(str(f.relative_to(ROOT)) for f in files))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "stack", nargs="?", default="dev", help=f"stack to preview ({', '.join(stacks())}) or a stack file's path"
    )
    parser.add_argument("--all", action="store_true", help="preview every stack file")
    args = parser.parse_args(argv)
    is_path = "/" in args.stack or args.stack.endswith((".yaml", ".yml"))
    if not args.all and not is_path and args.stack not in stacks():
        parser.error(f"no Pulumi.{args.stack}.yaml; stacks: {', '.join(stacks())}")
    status = 0
    for stack in stacks() if args.all else [args.stack]:
        status = max(status, preview(stack))
    return status


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The mocks' event loop can print "Invalid file descriptor: -1" at interpreter exit; skip it.
    os._exit(code)
