"""The Fargate half shared by both load-balanced components, written once.

Creates, under the calling component: the cluster (unless one is given), the log group (optionally
encrypted with a customer-managed KMS key), the execution and task roles, the task definition, the
task security group with the load balancer hops (task ingress and the load balancer's matching
egress, one rule pair per port), HTTPS access to the VPC endpoints, the Cloud Map registration of a
discoverable service, the ECS service with the deployment circuit breaker, and autoscaling (target
tracking on CPU, memory and ALB requests per target; schedules).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import appautoscaling, cloudwatch, ec2, ecs, iam, lb, vpc

from ._account import region_and_account
from ._kms import log_group_key
from .alarms import Watched, alarm_name, below_desired_alarm, deployment_alarms, target_alarms
from .arns import parse_secret_arn
from .fargate import DEFAULT_USER, Scaling, TaskSettings, container_definition
from .network import HTTPS, allow_endpoint_access
from .policies import ecs_tasks_trust
from .refs import ClusterRef, NetworkRef

EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@dataclass(frozen=True)
class LoadBalancerHop:
    """One port the load balancer reaches the tasks on: traffic or health checks."""

    protocol: str  # "tcp" or "udp", as security group rules spell it
    port: int
    purpose: str


@dataclass
class ContainerSpec:
    name: str
    image: pulumi.Input[str]
    port_mappings: list[tuple[int, str]]
    environment: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    user: str = DEFAULT_USER
    depends_on: list[str] = field(default_factory=list)
    health_command: list[str] | None = None


@dataclass
class ServiceSpec:
    owner: str
    """The Args class the settings came from, for errors found at deploy time (a secret's ARN)."""
    network: NetworkRef
    cluster: ClusterRef | None
    """None: the service gets a cluster of its own."""
    containers: list[ContainerSpec]
    task: TaskSettings
    discoverable: bool = False
    """Register the tasks in the cluster's Cloud Map namespace as `<name>.<namespace>`."""


@dataclass
class FargateParts:
    cluster_name: pulumi.Output[str]
    service: ecs.Service
    task_definition: ecs.TaskDefinition
    task_security_group: ec2.SecurityGroup
    log_group: cloudwatch.LogGroup
    alarms: list[cloudwatch.MetricAlarm] = field(default_factory=list)
    """The deployment alarms, as the service names them (empty with alarms off)."""


def build_fargate_service(
    name: str,
    parent: pulumi.Resource,
    spec: ServiceSpec,
    *,
    lb_security_group_id: pulumi.Input[str],
    hops: Sequence[LoadBalancerHop],
    target_group: lb.TargetGroup,
    load_balancer_arn_suffix: pulumi.Input[str] | None,
    lb_container: tuple[str, int],
    wait_for: Sequence[pulumi.Resource],
    watched: Watched,
) -> FargateParts:
    child = pulumi.ResourceOptions(parent=parent)
    region, account = region_and_account(parent)

    def tags(role: str) -> dict[str, str]:
        return {**spec.task.tags, "Name": f"{name}-{role}"}

    if spec.cluster is None:
        cluster = ecs.Cluster(
            f"{name}-cluster",
            settings=[{"name": "containerInsights", "value": "enabled"}],  # Security Hub ECS.12
            tags=tags("cluster"),
            opts=child,
        )
        cluster_arn: pulumi.Input[str] = cluster.arn
        cluster_name: pulumi.Output[str] = cluster.name
    else:
        cluster_arn = spec.cluster.cluster_arn
        cluster_name = pulumi.Output.from_input(spec.cluster.cluster_name)

    # The log group and its key outlive a mistaken `pulumi destroy` when the service is protected.
    stateful = pulumi.ResourceOptions(parent=parent, protect=spec.task.protect)
    kms_key_id = log_group_name = None
    if spec.task.encrypt_logs:
        # The key's policy names the one log group it serves, so that group's name is fixed before
        # either exists (an auto-name is known only once the group is created, after the key).
        log_group_name = f"/fargatelb/{pulumi.get_project()}/{pulumi.get_stack()}/{name}"
        kms_key_id = log_group_key(name, account, region, log_group_name, tags, stateful).arn
    log_group = cloudwatch.LogGroup(
        f"{name}-logs",
        name=log_group_name,
        retention_in_days=spec.task.log_retention_days,
        kms_key_id=kms_key_id,
        tags=tags("logs"),
        opts=stateful,
    )

    # What the first tasks need before the service may start them: the execution role's grants (pull,
    # logs, secrets) and every security-group rule on their paths. IAM and EC2 accept the service
    # before these exist, and its first tasks then fail to pull, to start or to become healthy.
    first_tasks_need: list[pulumi.Resource] = []
    trust = ecs_tasks_trust(account, region)
    execution_role = iam.Role(f"{name}-exec", assume_role_policy=trust, tags=tags("exec"), opts=child)
    first_tasks_need.append(
        iam.RolePolicyAttachment(f"{name}-exec", role=execution_role.name, policy_arn=EXECUTION_POLICY_ARN, opts=child)
    )
    secret_arns = [(key, arn) for c in spec.containers for key, arn in c.secrets.items()]
    if secret_arns:
        grant = iam.RolePolicy(
            f"{name}-exec-secrets",
            role=execution_role.id,
            policy=secrets_policy(spec.owner, secret_arns, spec.task.secrets_kms_keys, region),
            opts=child,
        )
        first_tasks_need.append(grant)
    # The application's own role: empty until the application needs AWS APIs.
    task_role = iam.Role(f"{name}-task", assume_role_policy=trust, tags=tags("task"), opts=child)

    def definitions(values: list[Any]) -> str:
        group, images, environments, secret_values = values
        return json.dumps(
            [
                container_definition(
                    name=c.name,
                    image=image,
                    port_mappings=c.port_mappings,
                    log_group=group,
                    region=region,
                    stream_prefix=name,
                    environment=environment,
                    secrets=secrets,
                    user=c.user,
                    depends_on=c.depends_on,
                    health_command=c.health_command,
                )
                for c, image, environment, secrets in zip(
                    spec.containers, images, environments, secret_values, strict=True
                )
            ]
        )

    task_definition = ecs.TaskDefinition(
        f"{name}-task",
        family=f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
        network_mode="awsvpc",  # Security Hub ECS.17; also what lets a target group register task IPs
        requires_compatibilities=["FARGATE"],
        cpu=str(spec.task.cpu),
        memory=str(spec.task.memory),
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        # Images, environment values and secret ARNs may be Outputs (a built image, another resource's
        # address, a secret made in the same program).
        container_definitions=pulumi.Output.all(
            log_group.name,
            [c.image for c in spec.containers],
            [c.environment for c in spec.containers],
            [c.secrets for c in spec.containers],
        ).apply(definitions),
        runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": spec.task.cpu_architecture},
        tags=tags("task"),
        opts=child,
    )

    task_sg = ec2.SecurityGroup(
        f"{name}-task-sg",
        vpc_id=spec.network.vpc_id,
        # EC2 allows only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* here: no apostrophes.
        description=f"{name} tasks: only the load balancer ports, from its security group",
        tags=tags("task-sg"),
        opts=child,
    )
    for hop in hops:
        # Each hop is two rules that must agree: the load balancer may send, the task may receive.
        task_in = vpc.SecurityGroupIngressRule(
            f"{name}-task-in-{hop.protocol}-{hop.port}",
            security_group_id=task_sg.id,
            referenced_security_group_id=lb_security_group_id,
            ip_protocol=hop.protocol,
            from_port=hop.port,
            to_port=hop.port,
            description=f"{hop.purpose} from the load balancer",
            tags=tags(f"task-in-{hop.port}"),
            opts=child,
        )
        lb_out = vpc.SecurityGroupEgressRule(
            f"{name}-lb-out-{hop.protocol}-{hop.port}",
            security_group_id=lb_security_group_id,
            referenced_security_group_id=task_sg.id,
            ip_protocol=hop.protocol,
            from_port=hop.port,
            to_port=hop.port,
            description=f"{hop.purpose} to the tasks",
            tags=tags(f"lb-out-{hop.port}"),
            opts=child,
        )
        first_tasks_need += [task_in, lb_out]

    # Image pulls and logs: HTTPS to the interface endpoints, and to S3 (ECR's layers) via the
    # gateway endpoint's prefix list. The endpoint side admits this task group and no other.
    first_tasks_need.append(allow_endpoint_access(name, spec.network.endpoint_security_group_id, task_sg.id, parent))

    def https_out(role: str, description: str, **destination: pulumi.Input[str]) -> None:
        rule = vpc.SecurityGroupEgressRule(
            f"{name}-{role}",
            security_group_id=task_sg.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            description=description,
            tags=tags(role),
            opts=child,
            **destination,
        )
        first_tasks_need.append(rule)

    https_out(
        "task-out-endpoints",
        "HTTPS to the VPC interface endpoints (ECR, Logs)",
        referenced_security_group_id=spec.network.endpoint_security_group_id,
    )
    https_out(
        "task-out-s3",
        "HTTPS to S3 through the gateway endpoint (ECR image layers)",
        prefix_list_id=spec.network.s3_prefix_list_id,
    )
    if spec.task.internet_egress:
        https_out(
            "task-out-internet", "HTTPS to the internet through NAT (images from outside ECR)", cidr_ipv4="0.0.0.0/0"
        )

    # The target group's alarms exist before the service that rolls back on them; the one on the
    # service's task count needs the service's name, so it follows, named in advance.
    alarms = target_alarms(name, spec.task.alarms, watched, spec.task.tags, child)
    below_desired_name = alarm_name(name, "below-desired") if spec.task.alarms.enabled else None
    alarm_names: list[pulumi.Input[str]] = [a.name for a in alarms]
    if below_desired_name:
        alarm_names.append(below_desired_name)

    container_name, container_port = lb_container
    registries = None
    if spec.discoverable and spec.cluster is not None and spec.cluster.namespace_id is not None:
        registries = ecs.ServiceServiceRegistriesArgs(
            registry_arn=_discovery(name, spec.cluster.namespace_id, tags, child).arn
        )
    service = ecs.Service(
        f"{name}-service",
        cluster=cluster_arn,
        task_definition=task_definition.arn,
        launch_type="FARGATE",
        platform_version="LATEST",  # Security Hub ECS.10
        desired_count=spec.task.scaling.min_count,
        network_configuration=ecs.ServiceNetworkConfigurationArgs(
            subnets=spec.network.private_subnet_ids,
            security_groups=[task_sg.id],
            assign_public_ip=False,  # Security Hub ECS.2: tasks are reached through the load balancer only
        ),
        load_balancers=[
            ecs.ServiceLoadBalancerArgs(
                target_group_arn=target_group.arn, container_name=container_name, container_port=container_port
            )
        ],
        service_registries=registries,
        health_check_grace_period_seconds=spec.task.grace_period,
        deployment_circuit_breaker={"enable": True, "rollback": True},
        alarms=deployment_alarms(spec.task.alarms, alarm_names),
        deployment_minimum_healthy_percent=100,
        deployment_maximum_percent=200,
        enable_ecs_managed_tags=True,
        propagate_tags="SERVICE",
        wait_for_steady_state=True,
        tags=tags("service"),
        opts=pulumi.ResourceOptions(
            parent=parent,
            # Autoscaling owns the task count; without this every `pulumi up` undoes a scale-out.
            ignore_changes=["desiredCount"],
            # A service registered before its listener exists, or before its tasks may pull their image,
            # write logs, read secrets and be reached by the load balancer, fails its first deployment.
            depends_on=[*wait_for, *first_tasks_need],
        ),
    )

    label = None
    if load_balancer_arn_suffix is not None:
        label = pulumi.Output.concat(load_balancer_arn_suffix, "/", target_group.arn_suffix)
    _autoscaling(name, spec.task.scaling, cluster_name, service, label, child)
    below = below_desired_alarm(name, spec.task.alarms, cluster_name, service.name, spec.task.tags, child)
    return FargateParts(
        alarms=[*alarms, *([below] if below else [])],
        cluster_name=cluster_name,
        service=service,
        task_definition=task_definition,
        task_security_group=task_sg,
        log_group=log_group,
    )


def secrets_policy(
    owner: str, secret_arns: Sequence[tuple[str, pulumi.Input[str]]], kms_keys: Sequence[str], region: str
) -> pulumi.Output[str]:
    """The execution role's grant of exactly the secrets referenced, each with its service's read
    action, nothing wider: the managed policy can't read secrets. A `:json-key:...` suffix selects
    inside a secret: IAM knows only the secret's own ARN. A secret encrypted with a customer-managed
    key (`kms_keys`) reads only with kms:Decrypt on that key, and only through the service that
    stores the secret. An ARN that is an Output (a secret made in the same program) is checked here
    when known, failing the deploy naming its variable."""

    keys = [key for key, _ in secret_arns]

    def policy(arns: list[str]) -> str:
        secrets = [parse_secret_arn(owner, f"secrets.{key}", arn) for key, arn in zip(keys, arns, strict=True)]
        statements: list[dict[str, Any]] = [
            {
                "Effect": "Allow",
                "Action": [action],
                "Resource": sorted({s.resource_arn for s in secrets if s.service == service}),
            }
            for service, action in (("secretsmanager", "secretsmanager:GetSecretValue"), ("ssm", "ssm:GetParameters"))
            if any(s.service == service for s in secrets)
        ]
        if kms_keys:
            via = sorted({f"{s.service}.{region}.amazonaws.com" for s in secrets})
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": sorted(kms_keys),
                    "Condition": {"StringEquals": {"kms:ViaService": via[0] if len(via) == 1 else via}},
                }
            )
        return json.dumps({"Version": "2012-10-17", "Statement": statements})

    return pulumi.Output.all(*(arn for _, arn in secret_arns)).apply(policy)


def _discovery(name: str, namespace_id: pulumi.Input[str], tags: Any, child: pulumi.ResourceOptions) -> Any:
    """The service's name in the cluster's private DNS namespace: an A record per running task."""
    from pulumi_aws import servicediscovery  # only discoverable services pay for the import

    return servicediscovery.Service(
        f"{name}-discovery",
        name=name,
        dns_config={
            "namespace_id": namespace_id,
            "dns_records": [{"type": "A", "ttl": 10}],  # awsvpc tasks register their own address
            "routing_policy": "MULTIVALUE",
        },
        tags=tags("discovery"),
        opts=child,
    )


def _autoscaling(
    name: str,
    scaling: Scaling,
    cluster_name: pulumi.Output[str],
    service: ecs.Service,
    request_label: pulumi.Output[str] | None,
    child: pulumi.ResourceOptions,
) -> None:
    # No role_arn: ECS scaling uses the Application Auto Scaling service-linked role. A role passed
    # here (the tutorials' role trusting ecs-tasks) is wrong.
    target = appautoscaling.Target(
        f"{name}-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
        min_capacity=scaling.min_count,
        max_capacity=scaling.max_count,
        opts=child,
    )
    metrics: list[tuple[str, str, int, pulumi.Input[str] | None]] = [
        ("cpu", "ECSServiceAverageCPUUtilization", scaling.cpu_target, None)
    ]
    if scaling.memory_target is not None:
        metrics.append(("memory", "ECSServiceAverageMemoryUtilization", scaling.memory_target, None))
    if scaling.requests_per_target is not None and request_label is not None:
        # The ALB's and the target group's ARN suffixes name this service's own request count.
        metrics.append(("requests", "ALBRequestCountPerTarget", scaling.requests_per_target, request_label))
    for short, metric, value, label in metrics:
        appautoscaling.Policy(
            f"{name}-scaling-{short}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": {"predefined_metric_type": metric, "resource_label": label},
                "target_value": value,
                "scale_out_cooldown": scaling.scale_out_cooldown,
                "scale_in_cooldown": scaling.scale_in_cooldown,
            },
            opts=child,
        )
    for schedule in scaling.schedules:
        appautoscaling.ScheduledAction(
            f"{name}-schedule-{schedule.name}",
            name=f"{name}-{schedule.name}",  # unique per scalable target, which is this service's own
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            schedule=schedule.expression,
            timezone=schedule.timezone,
            scalable_target_action={"min_capacity": schedule.min_count, "max_capacity": schedule.max_count},
            opts=child,
        )
