"""Mutation tests of the wiring check: break exactly one link of a good graph, and the check must
fail naming that hop. A check that never fails is a defect.

Every test runs against both good graphs (hand-built from the resource contract, and synthesized
from the real components), so a mutation proves the check, not one fixture's quirks.
"""

import json
from collections.abc import Callable

import pytest

import wiring_fixtures as fx
from fargatelb.graph import Graph
from fargatelb.verify import Finding, Report, Severity, check
from wiring_fixtures import changed, containers_changed, relinked, renamed, roles, with_nat, without


@pytest.fixture(scope="module", params=sorted(fx.GOOD))
def good(request: pytest.FixtureRequest) -> Graph:
    return fx.GOOD[request.param]().graph


def breaks(graph: Graph, hop: str, *, service: str | None = None, only: set[str] | None = None) -> Finding:
    """Assert the check fails with an error at `hop` (for `service`), and with errors at no hops
    outside `only` (default: just `hop`); return that finding."""
    report = check(graph)
    assert not report.ok, f"expected the check to fail at {hop}:\n{report.format()}"
    found = [f for f in report.errors if f.hop == hop and (service is None or f.service == service)]
    assert found, f"expected an error at {hop} for {service or 'any service'}:\n{report.format()}"
    stray = report.hops() - (only or {hop})
    assert not stray, f"one broken link should break only {only or {hop}}, also got {stray}:\n{report.format()}"
    return found[0]


def passes(graph: Graph) -> Report:
    report = check(graph)
    assert report.ok, report.format()
    return report


# ---------------------------------------------------------------------------------------------
# The good graphs


def test_good_graphs_prove_every_path_of_both_services(good: Graph) -> None:
    report = passes(good)
    assert not report.warnings and not report.unknowns, report.format()
    kinds = {(p.service, p.kind) for p in report.paths}
    for service in ("web-service", "udp-service"):
        for kind in ("traffic", "health-check", "image-pull", "logs"):
            assert (service, kind) in kinds, f"no {kind} path proven for {service}"
    assert all(p.ok for p in report.paths), report.format()


def test_good_web_traffic_path_reads_hop_by_hop(good: Graph) -> None:
    (path,) = [p for p in check(good).paths if p.service == "web-service" and p.kind == "traffic"]
    assert path.hops[0] == "0.0.0.0/0 → web-alb-sg ingress tcp/443"
    assert path.hops[1:5] == [
        "listener HTTPS:443 (web-alb)",
        "tg web-tg HTTP:8080 (ip)",
        "service web-service container 'app':8080",
        "port mapping 8080/tcp",
    ]
    assert path.hops[5] == (
        "web-task-sg ingress tcp/8080 from web-alb-sg ✓ (web-alb-sg egress tcp/8080 to web-task-sg ✓)"
    )
    assert path.component == "web"


def test_good_udp_health_check_path_goes_to_the_sidecar_over_tcp(good: Graph) -> None:
    (path,) = [p for p in check(good).paths if p.service == "udp-service" and p.kind == "health-check"]
    assert path.text == (
        "udp-tg health check HTTP:8080 /healthz → container 'healthcheck' maps 8080/tcp → "
        "sidecar 'healthcheck' answers HTTP on 8080 for a probe of udp/1234 at 127.0.0.1 → "
        "udp-task-sg ingress tcp/8080 from udp-nlb-sg ✓ (udp-nlb-sg egress tcp/8080 to udp-task-sg ✓)"
    )


# ---------------------------------------------------------------------------------------------
# Security-group hops


def test_removed_task_sg_ingress_rule_breaks_the_task_sg_ingress_hop(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(
        without(good, web.task_ingress("tcp", 8080)),
        "task-sg-ingress",
        service="web-service",
        # The health check uses the traffic port, so its path loses the same rule.
        only={"task-sg-ingress", "health-check-task-sg-ingress"},
    )
    assert "no ingress rule on web-task-sg admits tcp/8080 from web-alb-sg" in finding.message
    assert (finding.source and finding.source.name, finding.target and finding.target.name) == (
        "web-alb-sg",
        "web-task-sg",
    )
    assert finding.fix is not None
    assert (finding.fix.component, finding.fix.argument) == ("web", "container_port")
    assert finding.fix.config_key == "fargate-lb:web.containerPort"


def test_removed_lb_sg_egress_rule_breaks_the_lb_sg_egress_hop(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(without(good, udp.lb_egress("udp", 1234)), "lb-sg-egress", service="udp-service")
    assert "no egress rule on udp-nlb-sg allows udp/1234 to udp-task-sg" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.udpPort"


def test_removed_udp_health_check_ingress_breaks_only_the_health_check_path(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(without(good, udp.task_ingress("tcp", 8080)), "health-check-task-sg-ingress")
    assert "tcp/8080" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.healthCheck.port"


def test_removed_client_ingress_breaks_the_lb_sg_ingress_hop(good: Graph) -> None:
    udp = roles(good, "udp")
    rule = fx.one(
        [r for r in good.referrers(udp.lb_sg, fx.INGRESS, "securityGroupId") if r.props.get("ipProtocol") == "udp"],
        "client rule",
    )
    finding = breaks(without(good, rule), "lb-sg-ingress")
    assert "no client can reach listener udp-udp (UDP:1234)" in finding.message
    assert finding.fix is not None and finding.fix.argument == "allowed_cidrs"


# ---------------------------------------------------------------------------------------------
# Listener, target group and the service's loadBalancers entry


def test_changed_target_group_port_breaks_the_target_group_port_hop(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(changed(good, web.target_group, "port", 8081.0), "target-group-port")
    assert "on port 8081 but the service registers container 'app' on 8080" in finding.message


def test_instance_target_type_breaks_the_target_type_hop(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(changed(good, web.target_group, "targetType", "instance"), "target-type")
    assert "targetType 'instance'" in finding.message and "must be 'ip'" in finding.message
    # The component sets target_type itself: the fix names the resource input, and the component.
    assert finding.fix is not None and (finding.fix.resource, finding.fix.argument) == ("web-tg", "targetType")


def test_changed_load_balancer_container_port_breaks_the_port_mapping_hop(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(
        changed(good, web.service, "loadBalancers.0.containerPort", 9090.0),
        "port-mapping",
        # One port moved alone disagrees with every other place it should equal.
        only={"port-mapping", "target-group-port", "task-sg-ingress", "lb-sg-egress"}
        | {"health-check-port", "health-check-task-sg-ingress", "health-check-lb-sg-egress"},
    )
    assert "container 'app' maps no port 9090 (it maps 8080/tcp)" in finding.message


def test_tcp_port_mapping_for_a_udp_target_group_breaks_the_port_mapping_protocol_hop(good: Graph) -> None:
    udp = roles(good, "udp")

    def tcp(containers: list[dict]) -> None:
        containers[0]["portMappings"][0]["protocol"] = "tcp"

    finding = breaks(containers_changed(good, udp.task_definition, tcp), "port-mapping-protocol")
    assert "maps 1234 over tcp, but UDP target group udp-tg sends udp" in finding.message


def test_removed_listener_breaks_the_listener_hop(good: Graph) -> None:
    udp = roles(good, "udp")
    (listener,) = good.referrers(udp.target_group, fx.LISTENER, "defaultActions")
    finding = breaks(without(good, listener), "listener")
    assert "no listener forwards to target group udp-tg" in finding.message


def test_wrong_container_name_breaks_the_container_name_hop(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(
        changed(good, web.service, "loadBalancers.0.containerName", "web"),
        "container-name",
    )
    assert "names container 'web', but the task definition has 'app'" in finding.message


# ---------------------------------------------------------------------------------------------
# Health checks


def test_unmapped_health_check_port_breaks_the_health_check_port_hop(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(
        changed(good, udp.target_group, "healthCheck.port", "8081"),
        "health-check-port",
        only={"health-check-port", "health-check-task-sg-ingress", "health-check-lb-sg-egress"},
    )
    assert "health-checks port 8081 over HTTP, but no container maps 8081/tcp" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.healthCheck.port"


def test_health_check_on_the_udp_traffic_port_finds_it_mapped_only_over_udp(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(
        changed(good, udp.target_group, "healthCheck.port", "traffic-port"),
        "health-check-port",
        only={"health-check-port", "health-check-task-sg-ingress", "health-check-lb-sg-egress"},
    )
    assert "no container maps 1234/tcp (only over udp)" in finding.message


def test_udp_health_check_protocol_breaks_the_health_check_protocol_hop(good: Graph) -> None:
    udp = roles(good, "udp")
    # AWS also refuses the HTTP matcher left on a non-HTTP health check (cfn-lint E3684).
    finding = breaks(
        changed(good, udp.target_group, "healthCheck.protocol", "UDP"),
        "health-check-protocol",
        only={"health-check-protocol", "tg-health-check-protocol"},
    )
    assert "can't be health-checked over UDP" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.healthCheck.protocol"


def _sidecar_env(graph: Graph, **env: str) -> Graph:
    """The graph with the UDP task's sidecar environment changed (the sidecar's contract)."""
    udp = roles(graph, "udp")

    def edit(containers: list[dict]) -> None:
        (sidecar,) = [c for c in containers if c["name"] == "healthcheck"]
        values = {e["name"]: e["value"] for e in sidecar["environment"]} | env
        sidecar["environment"] = [{"name": k, "value": v} for k, v in values.items()]

    return containers_changed(graph, udp.task_definition, edit)


def test_tcp_check_of_an_http_mode_sidecar_is_a_lie_the_check_refuses(good: Graph) -> None:
    # The NLB checks TCP; the sidecar still runs http mode: its port stays open while it answers 503.
    health = {**roles(good, "udp").target_group.props["healthCheck"], "protocol": "TCP"}
    del health["path"], health["matcher"]  # what AWS refuses on a TCP check
    graph = changed(good, roles(good, "udp").target_group, "healthCheck", health)
    finding = breaks(graph, "sidecar-contract")
    assert "checks over TCP but sidecar 'healthcheck' runs HEALTH_MODE=http" in finding.message
    assert "port stays open while it answers 503" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.healthCheck.protocol"
    # ...and the same TCP check of a tcp-mode sidecar tells the truth.
    passes(_sidecar_env(graph, HEALTH_MODE="tcp"))


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"HEALTH_PORT": "9000"}, "listens on HEALTH_PORT 9000, but target group udp-tg health-checks port 8080"),
        ({"UDP_TARGET_PORT": "5353"}, "probes udp/5353, which no container of the task maps (udp/1234)"),
        ({"UDP_TARGET_HOST": "10.0.0.9"}, "probes UDP_TARGET_HOST=10.0.0.9, not its own task"),
        ({"HEALTH_MODE": "tcp"}, "checks over HTTP but sidecar 'healthcheck' runs HEALTH_MODE=tcp"),
    ],
    ids=["listens-elsewhere", "probes-unmapped-port", "probes-another-host", "http-check-of-tcp-mode"],
)
def test_a_sidecar_whose_contract_disagrees_with_its_task_breaks_the_health_check(
    good: Graph, env: dict[str, str], says: str
) -> None:
    finding = breaks(_sidecar_env(good, **env), "sidecar-contract")
    assert says in finding.message


def test_a_sidecar_probing_a_udp_port_the_nlb_never_sends_to_is_refused(good: Graph) -> None:
    udp = roles(good, "udp")

    def second_port(containers: list[dict]) -> None:  # the UDP server also serves 5353
        containers[0]["portMappings"].append({"containerPort": 5353, "hostPort": 5353, "protocol": "udp"})

    graph = _sidecar_env(containers_changed(good, udp.task_definition, second_port), UDP_TARGET_PORT="5353")
    finding = breaks(graph, "sidecar-contract")
    assert "probes udp/5353, but the NLB sends traffic to udp/1234" in finding.message


# ---------------------------------------------------------------------------------------------
# Image pull and logs


def test_missing_ecr_dkr_endpoint_breaks_both_services_image_pull(good: Graph) -> None:
    finding = breaks(without(good, fx.endpoint(good, "ecr.dkr")), "ecr-dkr-endpoint")
    assert {f.service for f in check(without(good, fx.endpoint(good, "ecr.dkr"))).errors} == {
        "web-service",
        "udp-service",
    }
    assert "no ecr.dkr interface endpoint with private DNS and no NAT route" in finding.message
    assert "CannotPullContainerError" in finding.message
    assert finding.fix is not None and (finding.fix.component, finding.fix.argument) == ("net", "nat_strategy")


def test_ecr_endpoint_without_private_dns_counts_as_missing(good: Graph) -> None:
    finding = breaks(changed(good, fx.endpoint(good, "ecr.api"), "privateDnsEnabled", False), "ecr-api-endpoint")
    assert "privateDnsEnabled false" in finding.message


def test_missing_s3_gateway_on_one_route_table_breaks_the_s3_hop(good: Graph) -> None:
    web = roles(good, "web")
    first, second = sorted(web.route_tables, key=lambda rt: rt.name)
    s3 = fx.endpoint(good, "s3")
    finding = breaks(relinked(good, s3, "routeTableIds", [first]), "s3-gateway-endpoint")
    assert finding.source is not None and finding.source.name == second.name
    assert f"route table {second.name} has no S3 gateway endpoint and no NAT route" in finding.message


def test_removed_s3_egress_rule_breaks_the_task_sg_egress_s3_hop(good: Graph) -> None:
    web = roles(good, "web")
    rule = fx.one(
        [r for r in good.referrers(web.task_sg, fx.EGRESS, "securityGroupId") if r.props.get("prefixListId")],
        "S3 egress rule",
    )
    finding = breaks(without(good, rule), "task-sg-egress-s3")
    assert finding.fix is not None and finding.fix.argument == "network"
    assert finding.fix.config_key is None, "the program wires it from the network, no stack file sets it"


def test_endpoint_sg_without_ingress_from_the_task_sg_breaks_the_endpoint_sg_ingress_hop(good: Graph) -> None:
    web = roles(good, "web")
    report = check(without(good, web.endpoint_ingress()))
    finding = breaks(without(good, web.endpoint_ingress()), "endpoint-sg-ingress", service="web-service")
    assert "no ingress rule on endpoint SG net-endpoints-sg admits tcp/443 from web-task-sg" in finding.message
    assert {f.service for f in report.errors} == {"web-service"}, "the UDP service's grant still stands"


def test_missing_logs_endpoint_with_awslogs_breaks_the_logs_path(good: Graph) -> None:
    finding = breaks(without(good, fx.endpoint(good, "logs")), "logs-endpoint")
    assert "the awslogs driver can't deliver logs" in finding.message
    logs_paths = [p for p in check(without(good, fx.endpoint(good, "logs"))).paths if p.kind == "logs"]
    assert logs_paths and not any(p.ok for p in logs_paths)


def test_missing_logs_endpoint_is_fine_without_awslogs(good: Graph) -> None:
    graph = without(good, fx.endpoint(good, "logs"))
    for component in ("web", "udp"):

        def no_logs(containers: list[dict]) -> None:
            for c in containers:
                c.pop("logConfiguration")

        graph = containers_changed(graph, roles(graph, component).task_definition, no_logs)
    passes(graph)


def _public_image(graph: Graph) -> Graph:
    def nginx(containers: list[dict]) -> None:
        containers[0]["image"] = "nginx:1.27"

    return containers_changed(graph, roles(graph, "web").task_definition, nginx)


def test_public_registry_image_without_nat_breaks_the_image_pull_path(good: Graph) -> None:
    finding = breaks(_public_image(good), "public-image")
    assert "public registry image with no NAT: 'nginx:1.27' (container 'app')" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.image"


def test_public_registry_image_with_nat_and_internet_egress_passes(good: Graph) -> None:
    report = passes(with_nat(_public_image(good)))
    (pull,) = [p for p in report.paths if p.service == "web-service" and p.kind == "image-pull"]
    assert "nginx:1.27 via NAT" in pull.text


def test_public_registry_image_with_nat_but_no_internet_egress_breaks_the_egress_hop(good: Graph) -> None:
    finding = breaks(with_nat(_public_image(good), internet_egress=False), "task-sg-egress-internet")
    assert "allows no tcp/443 egress to 0.0.0.0/0" in finding.message
    assert finding.fix is not None and (finding.fix.component, finding.fix.argument) == ("web", "internet_egress")


def test_unknown_image_is_unknown_not_an_error(good: Graph) -> None:
    web = roles(good, "web")
    report = passes(changed(good, web.task_definition, "containerDefinitions", None))
    assert {"container-definitions", "image"} <= report.hops(Severity.UNKNOWN), report.format()


# ---------------------------------------------------------------------------------------------
# Deploy-failing checks


def test_over_long_auto_name_breaks_the_tg_name_check(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(renamed(good, web.target_group, "a-very-long-service-name-tg"), "tg-name")  # 27 + 8 > 32
    assert "'a-very-long-service-name-tg-xxxxxxx': 35 characters" in finding.message
    assert finding.fix is not None and (finding.fix.component, finding.fix.argument) == ("web", "name")


def test_over_long_explicit_name_breaks_the_lb_name_check(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(changed(good, udp.load_balancer, "name", "x" * 33), "lb-name")
    assert "is 33 characters; the limit is 32" in finding.message


def test_bad_fargate_size_breaks_the_fargate_size_check(good: Graph) -> None:
    web = roles(good, "web")
    finding = breaks(changed(good, web.task_definition, "memory", "4096"), "fargate-size")
    assert "cpu 256 with memory 4096 MiB; Fargate allows 512, 1024, 2048" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.memory"


def test_min_above_max_breaks_the_scaling_bounds_check(good: Graph) -> None:
    udp = roles(good, "udp")
    finding = breaks(changed(good, udp.scaling_target, "minCapacity", 4.0), "scaling-bounds")
    assert "minCapacity 4 greater than maxCapacity 3" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.scaling.minCount"


def test_cpu_target_above_100_breaks_the_scaling_target_value_check(good: Graph) -> None:
    (policy,) = fx.owned_by(good, fx.SCALING_POLICY, "web")
    config = json.loads(json.dumps(policy.props["targetTrackingScalingPolicyConfiguration"]))
    config["targetValue"] = 150.0
    finding = breaks(changed(good, policy, "targetTrackingScalingPolicyConfiguration", config), "scaling-target-value")
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.scaling.cpuTarget"


MUTATIONS: dict[str, Callable[[Graph], Graph]] = {
    "task ingress": lambda g: without(g, roles(g, "web").task_ingress("tcp", 8080)),
    "target type": lambda g: changed(g, roles(g, "udp").target_group, "targetType", "instance"),
    "ecr.api": lambda g: without(g, fx.endpoint(g, "ecr.api")),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutations_leave_the_good_graph_untouched(good: Graph, mutation: str) -> None:
    before = [(n.urn, json.dumps(n.props, sort_keys=True, default=str)) for n in good.nodes]
    assert not check(MUTATIONS[mutation](good)).ok
    assert [(n.urn, json.dumps(n.props, sort_keys=True, default=str)) for n in good.nodes] == before
    passes(good)
