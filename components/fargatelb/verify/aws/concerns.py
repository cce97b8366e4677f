"""Which component argument a resource input comes from, so an AWS-rule finding can name the
config key to change. Keys are (type token, input path prefix); the longest prefix wins. An input
with no entry is the component's own doing, and the finding names the input of the resource."""

from __future__ import annotations

from ...graph import Node

_CONCERNS: dict[tuple[str, str], str] = {
    ("aws:lb/targetGroup:TargetGroup", "port"): "traffic_port",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.port"): "health_check_port",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.protocol"): "health_check_protocol",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.path"): "health_check_path",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.interval"): "health_check_interval",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.timeout"): "health_check_timeout",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.matcher"): "health_check_matcher",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.healthyThreshold"): "healthy_threshold",
    ("aws:lb/targetGroup:TargetGroup", "healthCheck.unhealthyThreshold"): "unhealthy_threshold",
    ("aws:lb/targetGroup:TargetGroup", "deregistrationDelay"): "deregistration_delay",
    ("aws:lb/targetGroup:TargetGroup", "name"): "name",
    ("aws:lb/loadBalancer:LoadBalancer", "name"): "name",
    ("aws:lb/listener:Listener", "certificateArn"): "certificate",
    ("aws:ecs/taskDefinition:TaskDefinition", "cpu"): "cpu",
    ("aws:ecs/taskDefinition:TaskDefinition", "memory"): "memory",
    ("aws:ecs/taskDefinition:TaskDefinition", "runtimePlatform.cpuArchitecture"): "cpu_architecture",
    ("aws:ecs/service:Service", "healthCheckGracePeriodSeconds"): "grace_period",
    ("aws:cloudwatch/logGroup:LogGroup", "retentionInDays"): "log_retention",
    ("aws:appautoscaling/target:Target", "minCapacity"): "scaling_min",
    ("aws:appautoscaling/target:Target", "maxCapacity"): "scaling_max",
    ("aws:appautoscaling/policy:Policy", "targetTrackingScalingPolicyConfiguration.scaleInCooldown"): (
        "scale_in_cooldown"
    ),
    ("aws:appautoscaling/policy:Policy", "targetTrackingScalingPolicyConfiguration.scaleOutCooldown"): (
        "scale_out_cooldown"
    ),
    ("aws:ec2/vpc:Vpc", "cidrBlock"): "cidr_block",
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "serviceName"): "interface_endpoints",
}


def concern_of(node: Node, path: str | None) -> str | None:
    if not path:
        return None
    head = path.split(" ")[0]
    if head.startswith("tags.") or head == "tags":
        return "tags"
    if node.type == "aws:lb/listener:Listener" and head == "port":
        return "https_port" if node.get("protocol") == "HTTPS" else "listener_port"
    if node.type == "aws:appautoscaling/policy:Policy" and head.endswith(".targetValue"):
        metric = str(node.get("targetTrackingScalingPolicyConfiguration", {}) or {})
        return "memory_target" if "Memory" in metric else "cpu_target"
    if node.type == "aws:ecs/taskDefinition:TaskDefinition" and head.startswith("containerDefinitions"):
        return None
    parts = head.split(".")
    for cut in range(len(parts), 0, -1):
        found = _CONCERNS.get((node.type, ".".join(parts[:cut])))
        if found:
            return found
    return None
