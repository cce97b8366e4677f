"""Every stack setting, parsed and validated in one place before any resource is created.

The stack file (`Pulumi.<stack>.yaml`) holds one object per component under the project's
namespace, keyed like the component's Args in camelCase:

    fargate-lb:network:  {azCount: 2, natStrategy: none}
    fargate-lb:web:      {containerPort: 8080, scaling: {minCount: 1, maxCount: 3}}   # one service, own ALB
    fargate-lb:alb:      {https: true}                                                # or: a shared ALB
    fargate-lb:services: {api: {containerPort: 8080, routing: {hosts: [api.example.com], priority: 10}}}
    fargate-lb:udp:      {udpPort: 1234, healthCheck: {port: 8080}}

Validation is the components' own (`resolve_*_args`), run here first, so a bad value fails with the
file and the config key that holds it (`Pulumi.dev.yaml: fargate-lb:web.scaling.minCount: ...`) and
no half-built stack is left behind. Every key must be in a namespace the program reads.

    keys        config keys and the errors that name them
    namespaces  which namespaces and keys exist
    services    web / alb + services (routing, calls) / udp, through the components' own checks
    reach       images and secrets tasks can reach without NAT; the secrets' endpoints
    tls         a deployer's certificate (offline stand-ins), and the checks only AWS can answer
    mode        offline or real, and the stand-ins an offline run lists
    parse       the whole config, in one pass; `load()` for the running program
"""

from .keys import PROJECT, ConfigError, relabelled
from .mode import OfflineRun, StandIn, offline_run
from .namespaces import aws_provider_keys
from .parse import ImagesConfig, StackConfig, load, parse
from .services import WIRED_BY_PROGRAM, ServiceConfig

__all__ = [
    "PROJECT",
    "WIRED_BY_PROGRAM",
    "ConfigError",
    "ImagesConfig",
    "OfflineRun",
    "ServiceConfig",
    "StackConfig",
    "StandIn",
    "aws_provider_keys",
    "load",
    "offline_run",
    "parse",
    "relabelled",
]
