"""game-platform: three zones, a single NAT gateway, two web services on one ALB, and two UDP game
services, on nothing but the `fargatelb` package.

- `match`: the game server speaks its own binary protocol, so its health-check sidecar (built by the
  component from the package) sends the server a 2-byte opcode with the nonce and expects the nonce
  echoed back; the NLB checks the sidecar over TCP.
- `voice`: its server opens a TCP health port itself, so it runs without a sidecar (`mode: service`).
"""

import pulumi

from fargatelb import (
    ApplicationLoadBalancer,
    ApplicationLoadBalancerArgs,
    HealthCheckArgs,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
    RoutingArgs,
    ServiceCluster,
    ServiceClusterArgs,
    UdpHealthCheckArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
    UdpProbeArgs,
)

config = pulumi.Config()
registry = config.require("registry")
match_port = config.get_int("matchPort") or 7777

network = PrivateNetwork("net", PrivateNetworkArgs(az_count=3, nat_strategy="single"))
cluster = ServiceCluster("games", ServiceClusterArgs())
edge = ApplicationLoadBalancer("edge", ApplicationLoadBalancerArgs(network=network.ref))

for name, routing in (
    ("lobby", RoutingArgs(hosts=["lobby.example.com"], priority=10)),
    ("stats", RoutingArgs(paths=["/stats", "/stats/*"], priority=20)),
):
    LoadBalancedFargateService(
        name,
        LoadBalancedFargateServiceArgs(
            network=network.ref,
            cluster=cluster.ref,
            load_balancer=edge.ref,
            image=f"{registry}/{name}:1.4.2",
            container_port=8080,
            health_check=HealthCheckArgs(path="/healthz"),
            routing=routing,
        ),
    )

match = UdpNlbService(
    "match",
    UdpNlbServiceArgs(
        network=network.ref,
        cluster=cluster.ref,
        image=f"{registry}/match:2.0.1",
        udp_port=match_port,
        internal=False,
        allowed_cidrs=["0.0.0.0/0"],
        # opcode 0x0001 (ping) with the nonce; a healthy server answers with the nonce first
        probe=UdpProbeArgs(send_hex="0001 {nonce}", expect_prefix_hex="0002 {nonce}"),
        health_check=UdpHealthCheckArgs(protocol="TCP", port=8081),
        image_repository_force_delete=True,
    ),
)
voice = UdpNlbService(
    "voice",
    UdpNlbServiceArgs(
        network=network.ref,
        cluster=cluster.ref,
        image=f"{registry}/voice:5.3.0",
        udp_port=5060,
        health_check=UdpHealthCheckArgs(mode="service", protocol="TCP", port=7001),
    ),
)

pulumi.export("lobby", edge.url)
pulumi.export("match", pulumi.Output.concat(match.load_balancer_dns_name, ":", str(match_port)))
pulumi.export("voice", pulumi.Output.concat(voice.load_balancer_dns_name, ":5060"))
