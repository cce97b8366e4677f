"""Pulumi type → CloudFormation type, property by property, for every resource the components
create. `tests/test_aws_rules.py` fails when a component sets an input a mapping neither reads nor
lists as unchecked (with the reason), so a new value can't escape AWS's rules unnoticed."""

from __future__ import annotations

from typing import Any

from .bridge import Each, Json, ListOf, Obj, P, ResourceMapping, Tags
from .mappings_cloudwatch import CLOUDWATCH_MAPPINGS


def _enabled(value: Any) -> str:
    return "ENABLED" if value is True else "DISABLED" if value is False else str(value)


def _scheme(internal: Any) -> str:
    return "internal" if internal is True else "internet-facing"


def _str(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


_ACTION = Obj(
    {
        "Type": P("type"),
        "Order": P("order"),
        "TargetGroupArn": P("targetGroupArn"),
        "RedirectConfig": Obj(
            {
                "Host": P("redirect.host"),
                "Path": P("redirect.path"),
                "Port": P("redirect.port", _str),
                "Protocol": P("redirect.protocol"),
                "Query": P("redirect.query"),
                "StatusCode": P("redirect.statusCode"),
            }
        ),
        "FixedResponseConfig": Obj(
            {
                "ContentType": P("fixedResponse.contentType"),
                "MessageBody": P("fixedResponse.messageBody"),
                "StatusCode": P("fixedResponse.statusCode", _str),
            }
        ),
        "ForwardConfig": Obj(
            {
                "TargetGroups": Each("forward.targetGroups", Obj({"TargetGroupArn": P("arn"), "Weight": P("weight")})),
            }
        ),
    }
)

_SG_RULE = {
    "GroupId": P("securityGroupId"),
    "IpProtocol": P("ipProtocol"),
    "FromPort": P("fromPort"),
    "ToPort": P("toPort"),
    "CidrIp": P("cidrIpv4"),
    "CidrIpv6": P("cidrIpv6"),
    "Description": P("description"),
}
_SG_RULE_UNCHECKED = {"tags": "checked by the `tags` rule (CloudFormation's rule resources carry no tags)"}

MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "aws:ec2/vpc:Vpc",
        "AWS::EC2::VPC",
        {
            "CidrBlock": P("cidrBlock"),
            "EnableDnsHostnames": P("enableDnsHostnames"),
            "EnableDnsSupport": P("enableDnsSupport"),
            "InstanceTenancy": P("instanceTenancy"),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:ec2/subnet:Subnet",
        "AWS::EC2::Subnet",
        {
            "AvailabilityZone": P("availabilityZone"),
            "CidrBlock": P("cidrBlock"),
            "MapPublicIpOnLaunch": P("mapPublicIpOnLaunch"),
            "VpcId": P("vpcId"),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:ec2/internetGateway:InternetGateway",
        "AWS::EC2::InternetGateway",
        {"Tags": Tags()},
        unchecked={"vpcId": "an attachment (AWS::EC2::VPCGatewayAttachment) to a VPC id: no value constraint"},
    ),
    ResourceMapping("aws:ec2/routeTable:RouteTable", "AWS::EC2::RouteTable", {"VpcId": P("vpcId"), "Tags": Tags()}),
    ResourceMapping(
        "aws:ec2/route:Route",
        "AWS::EC2::Route",
        {
            "DestinationCidrBlock": P("destinationCidrBlock"),
            "GatewayId": P("gatewayId"),
            "NatGatewayId": P("natGatewayId"),
            "RouteTableId": P("routeTableId"),
        },
    ),
    ResourceMapping(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "AWS::EC2::SubnetRouteTableAssociation",
        {"RouteTableId": P("routeTableId"), "SubnetId": P("subnetId")},
    ),
    ResourceMapping(
        "aws:ec2/securityGroup:SecurityGroup",
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": P("description"), "GroupName": P("name"), "VpcId": P("vpcId"), "Tags": Tags()},
        autoname=("name", "GroupName"),
    ),
    # Adopting the default group (no CloudFormation resource): its tags follow EC2's rules.
    ResourceMapping(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "AWS::EC2::SecurityGroup",
        {"VpcId": P("vpcId"), "Tags": Tags()},
    ),
    ResourceMapping(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "AWS::EC2::VPCEndpoint",
        {
            "PolicyDocument": Json("policy"),
            "PrivateDnsEnabled": P("privateDnsEnabled"),
            "RouteTableIds": P("routeTableIds"),
            "SecurityGroupIds": P("securityGroupIds"),
            "ServiceName": P("serviceName"),
            "SubnetIds": P("subnetIds"),
            "VpcEndpointType": P("vpcEndpointType"),
            "VpcId": P("vpcId"),
            "Tags": Tags(),
        },
    ),
    ResourceMapping("aws:ec2/eip:Eip", "AWS::EC2::EIP", {"Domain": P("domain"), "Tags": Tags()}),
    ResourceMapping(
        "aws:ec2/natGateway:NatGateway",
        "AWS::EC2::NatGateway",
        {"AllocationId": P("allocationId"), "SubnetId": P("subnetId"), "Tags": Tags()},
    ),
    ResourceMapping(
        "aws:ec2/flowLog:FlowLog",
        "AWS::EC2::FlowLog",
        {
            "DeliverLogsPermissionArn": P("iamRoleArn"),
            "LogDestination": P("logDestination"),
            "LogDestinationType": P("logDestinationType"),
            "ResourceId": P("vpcId"),
            "ResourceType": P("vpcId", lambda _: "VPC"),
            "TrafficType": P("trafficType"),
            "MaxAggregationInterval": P("maxAggregationInterval"),
            "LogFormat": P("logFormat"),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "AWS::EC2::SecurityGroupIngress",
        {
            **_SG_RULE,
            "SourceSecurityGroupId": P("referencedSecurityGroupId"),
            "SourcePrefixListId": P("prefixListId"),
        },
        unchecked=_SG_RULE_UNCHECKED,
    ),
    ResourceMapping(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "AWS::EC2::SecurityGroupEgress",
        {
            **_SG_RULE,
            "DestinationSecurityGroupId": P("referencedSecurityGroupId"),
            "DestinationPrefixListId": P("prefixListId"),
        },
        unchecked=_SG_RULE_UNCHECKED,
    ),
    ResourceMapping(
        "aws:lb/loadBalancer:LoadBalancer",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Name": P("name"),
            "Type": P("loadBalancerType"),
            "Scheme": P("internal", _scheme),
            "Subnets": P("subnets"),
            "SecurityGroups": P("securityGroups"),
            "IpAddressType": P("ipAddressType"),
            "Tags": Tags(),
        },
        autoname=("name", "Name"),
        unchecked={
            "accessLogs": "load balancer attributes (access_logs.s3.*): a bucket name and prefix, checked by the "
            "S3 bucket's own rules",
            "desyncMitigationMode": "a load balancer attribute: checked by the `alb-attributes` rule",
            "dropInvalidHeaderFields": "a boolean load balancer attribute",
            "enableCrossZoneLoadBalancing": "a boolean load balancer attribute",
            "enableDeletionProtection": "a boolean load balancer attribute",
            "idleTimeout": "a load balancer attribute: checked by the `alb-attributes` rule",
        },
    ),
    ResourceMapping(
        "aws:lb/targetGroup:TargetGroup",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Name": P("name"),
            "Port": P("port"),
            "Protocol": P("protocol"),
            "ProtocolVersion": P("protocolVersion"),
            "TargetType": P("targetType"),
            "VpcId": P("vpcId"),
            "HealthCheckEnabled": P("healthCheck.enabled"),
            "HealthCheckIntervalSeconds": P("healthCheck.interval"),
            "HealthCheckPath": P("healthCheck.path"),
            "HealthCheckPort": P("healthCheck.port", _str),
            "HealthCheckProtocol": P("healthCheck.protocol"),
            "HealthCheckTimeoutSeconds": P("healthCheck.timeout"),
            "HealthyThresholdCount": P("healthCheck.healthyThreshold"),
            "UnhealthyThresholdCount": P("healthCheck.unhealthyThreshold"),
            "Matcher": Obj({"HttpCode": P("healthCheck.matcher")}),
            "Tags": Tags(),
        },
        autoname=("name", "Name"),
        unchecked={"deregistrationDelay": "a target group attribute: checked by the `tg-attributes` rule"},
    ),
    ResourceMapping(
        "aws:lb/listener:Listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "LoadBalancerArn": P("loadBalancerArn"),
            "Port": P("port"),
            "Protocol": P("protocol"),
            "SslPolicy": P("sslPolicy"),
            "Certificates": ListOf(Obj({"CertificateArn": P("certificateArn")})),
            "DefaultActions": Each("defaultActions", _ACTION),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:lb/listenerRule:ListenerRule",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        {
            "ListenerArn": P("listenerArn"),
            "Priority": P("priority"),
            "Actions": Each("actions", _ACTION),
            "Conditions": Each(
                "conditions",
                Obj(
                    {
                        "Field": P("hostHeader", lambda _: "host-header"),
                        "HostHeaderConfig": Obj({"Values": P("hostHeader.values")}),
                        "PathPatternConfig": Obj({"Values": P("pathPattern.values")}),
                    }
                ),
            ),
        },
        unchecked={"tags": "checked by the `tags` rule"},
    ),
    ResourceMapping(
        "aws:ecs/cluster:Cluster",
        "AWS::ECS::Cluster",
        {
            "ClusterName": P("name"),
            "ClusterSettings": Each("settings", Obj({"Name": P("name"), "Value": P("value")})),
            "Tags": Tags(),
        },
        autoname=("name", "ClusterName"),
    ),
    ResourceMapping(
        "aws:ecs/service:Service",
        "AWS::ECS::Service",
        {
            "ServiceName": P("name"),
            "Cluster": P("cluster"),
            "TaskDefinition": P("taskDefinition"),
            "LaunchType": P("launchType"),
            "PlatformVersion": P("platformVersion"),
            "DesiredCount": P("desiredCount"),
            "HealthCheckGracePeriodSeconds": P("healthCheckGracePeriodSeconds"),
            "EnableECSManagedTags": P("enableEcsManagedTags"),
            "PropagateTags": P("propagateTags"),
            "LoadBalancers": Each(
                "loadBalancers",
                Obj(
                    {
                        "ContainerName": P("containerName"),
                        "ContainerPort": P("containerPort"),
                        "TargetGroupArn": P("targetGroupArn"),
                    }
                ),
            ),
            "NetworkConfiguration": Obj(
                {
                    "AwsvpcConfiguration": Obj(
                        {
                            "Subnets": P("networkConfiguration.subnets"),
                            "SecurityGroups": P("networkConfiguration.securityGroups"),
                            "AssignPublicIp": P("networkConfiguration.assignPublicIp", _enabled),
                        }
                    )
                }
            ),
            "ServiceRegistries": ListOf(Obj({"RegistryArn": P("serviceRegistries.registryArn")})),
            "DeploymentConfiguration": Obj(
                {
                    "MaximumPercent": P("deploymentMaximumPercent"),
                    "MinimumHealthyPercent": P("deploymentMinimumHealthyPercent"),
                    "DeploymentCircuitBreaker": Obj(
                        {
                            "Enable": P("deploymentCircuitBreaker.enable"),
                            "Rollback": P("deploymentCircuitBreaker.rollback"),
                        }
                    ),
                    "Alarms": Obj(
                        {
                            "AlarmNames": P("alarms.alarmNames"),
                            "Enable": P("alarms.enable"),
                            "Rollback": P("alarms.rollback"),
                        }
                    ),
                }
            ),
            "Tags": Tags(),
        },
        autoname=("name", "ServiceName"),
        unchecked={"waitForSteadyState": "a provider option: Pulumi waits for the rollout, AWS never sees it"},
    ),
    ResourceMapping(
        "aws:ecs/taskDefinition:TaskDefinition",
        "AWS::ECS::TaskDefinition",
        {
            "Family": P("family"),
            "Cpu": P("cpu", _str),
            "Memory": P("memory", _str),
            "NetworkMode": P("networkMode"),
            "RequiresCompatibilities": P("requiresCompatibilities"),
            "ExecutionRoleArn": P("executionRoleArn"),
            "TaskRoleArn": P("taskRoleArn"),
            "ContainerDefinitions": Json("containerDefinitions", pascal=True),
            "Volumes": Each("volumes", Obj({"Name": P("name")})),
            "RuntimePlatform": Obj(
                {
                    "CpuArchitecture": P("runtimePlatform.cpuArchitecture"),
                    "OperatingSystemFamily": P("runtimePlatform.operatingSystemFamily"),
                }
            ),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:iam/role:Role",
        "AWS::IAM::Role",
        {
            "RoleName": P("name"),
            "AssumeRolePolicyDocument": P("assumeRolePolicy"),
            "Description": P("description"),
            "Path": P("path"),
            "MaxSessionDuration": P("maxSessionDuration"),
            "Tags": Tags(),
        },
        autoname=("name", "RoleName"),
    ),
    ResourceMapping(
        "aws:iam/rolePolicy:RolePolicy",
        "AWS::IAM::RolePolicy",
        {"PolicyName": P("name"), "PolicyDocument": P("policy"), "RoleName": P("role")},
        autoname=("name", "PolicyName"),
    ),
    # A managed-policy attachment is one entry of the role's ManagedPolicyArns.
    ResourceMapping(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "AWS::IAM::Role",
        {"ManagedPolicyArns": ListOf(P("policyArn"))},
        unchecked={"role": "the role's name, produced by the role itself"},
    ),
    ResourceMapping(
        "aws:cloudwatch/logGroup:LogGroup",
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": P("name"),
            "RetentionInDays": P("retentionInDays"),
            "KmsKeyId": P("kmsKeyId"),
            "LogGroupClass": P("logGroupClass"),
            "Tags": Tags(),
        },
        autoname=("name", "LogGroupName"),
    ),
    ResourceMapping(
        "aws:kms/key:Key",
        "AWS::KMS::Key",
        {
            "Description": P("description"),
            "EnableKeyRotation": P("enableKeyRotation"),
            "PendingWindowInDays": P("deletionWindowInDays"),
            "RotationPeriodInDays": P("rotationPeriodInDays"),
            "KeyPolicy": Json("policy"),
            "KeySpec": P("customerMasterKeySpec"),
            "KeyUsage": P("keyUsage"),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:s3/bucket:Bucket",
        "AWS::S3::Bucket",
        {"BucketName": P("bucket"), "Tags": Tags()},
        autoname=("bucket", "BucketName"),
        unchecked={"forceDestroy": "a provider option: Pulumi empties the bucket before deleting it"},
    ),
    ResourceMapping(
        "aws:s3/bucketPolicy:BucketPolicy",
        "AWS::S3::BucketPolicy",
        {"Bucket": P("bucket"), "PolicyDocument": Json("policy")},
    ),
    # The bucket's sub-resources are properties of one AWS::S3::Bucket in CloudFormation.
    ResourceMapping(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": Obj(
                {
                    "BlockPublicAcls": P("blockPublicAcls"),
                    "BlockPublicPolicy": P("blockPublicPolicy"),
                    "IgnorePublicAcls": P("ignorePublicAcls"),
                    "RestrictPublicBuckets": P("restrictPublicBuckets"),
                }
            )
        },
        unchecked={"bucket": "the bucket's name, produced by the bucket itself"},
    ),
    ResourceMapping(
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "AWS::S3::Bucket",
        {"OwnershipControls": Obj({"Rules": ListOf(Obj({"ObjectOwnership": P("rule.objectOwnership")}))})},
        unchecked={"bucket": "the bucket's name, produced by the bucket itself"},
    ),
    ResourceMapping(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Obj(
                {
                    "ServerSideEncryptionConfiguration": Each(
                        "rules",
                        Obj(
                            {
                                "BucketKeyEnabled": P("bucketKeyEnabled"),
                                "ServerSideEncryptionByDefault": Obj(
                                    {
                                        "SSEAlgorithm": P("applyServerSideEncryptionByDefault.sseAlgorithm"),
                                        "KMSMasterKeyID": P("applyServerSideEncryptionByDefault.kmsMasterKeyId"),
                                    }
                                ),
                            }
                        ),
                    )
                }
            )
        },
        unchecked={"bucket": "the bucket's name, produced by the bucket itself"},
    ),
    ResourceMapping(
        "aws:s3/bucketVersioning:BucketVersioning",
        "AWS::S3::Bucket",
        {"VersioningConfiguration": Obj({"Status": P("versioningConfiguration.status")})},
        unchecked={"bucket": "the bucket's name, produced by the bucket itself"},
    ),
    ResourceMapping(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": Obj(
                {
                    "Rules": Each(
                        "rules",
                        Obj(
                            {
                                "Id": P("id"),
                                "Status": P("status"),
                                "Prefix": P("filter.prefix"),
                                "ExpirationInDays": P("expiration.days"),
                                "NoncurrentVersionExpiration": Obj(
                                    {"NoncurrentDays": P("noncurrentVersionExpiration.noncurrentDays")}
                                ),
                                "AbortIncompleteMultipartUpload": Obj(
                                    {"DaysAfterInitiation": P("abortIncompleteMultipartUpload.daysAfterInitiation")}
                                ),
                            }
                        ),
                    )
                }
            )
        },
        unchecked={"bucket": "the bucket's name, produced by the bucket itself"},
    ),
    ResourceMapping(
        "aws:acm/certificate:Certificate",
        "AWS::CertificateManager::Certificate",
        {
            "DomainName": P("domainName"),
            "SubjectAlternativeNames": P("subjectAlternativeNames"),
            "ValidationMethod": P("validationMethod"),
            "KeyAlgorithm": P("keyAlgorithm"),
            "Tags": Tags(),
        },
        unchecked={
            "certificateBody": "an imported certificate's PEM, validated by ACM's import",
            "privateKey": "an imported certificate's key, validated by ACM's import",
            "certificateChain": "an imported certificate's chain, validated by ACM's import",
        },
    ),
    ResourceMapping(
        "aws:appautoscaling/target:Target",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MaxCapacity": P("maxCapacity"),
            "MinCapacity": P("minCapacity"),
            "ResourceId": P("resourceId"),
            "ScalableDimension": P("scalableDimension"),
            "ServiceNamespace": P("serviceNamespace"),
            "RoleARN": P("roleArn"),
        },
    ),
    # A scheduled action is one entry of its scalable target's ScheduledActions in CloudFormation.
    ResourceMapping(
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": P("resourceId"),
            "ScalableDimension": P("scalableDimension"),
            "ServiceNamespace": P("serviceNamespace"),
            "ScheduledActions": ListOf(
                Obj(
                    {
                        "ScheduledActionName": P("name"),
                        "Schedule": P("schedule"),
                        "Timezone": P("timezone"),
                        "ScalableTargetAction": Obj(
                            {
                                "MinCapacity": P("scalableTargetAction.minCapacity"),
                                "MaxCapacity": P("scalableTargetAction.maxCapacity"),
                            }
                        ),
                    }
                )
            ),
        },
    ),
    ResourceMapping(
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        {"Name": P("name"), "Vpc": P("vpc"), "Description": P("description"), "Tags": Tags()},
    ),
    ResourceMapping(
        "aws:servicediscovery/service:Service",
        "AWS::ServiceDiscovery::Service",
        {
            "Name": P("name"),
            "DnsConfig": Obj(
                {
                    "NamespaceId": P("dnsConfig.namespaceId"),
                    "RoutingPolicy": P("dnsConfig.routingPolicy"),
                    "DnsRecords": Each("dnsConfig.dnsRecords", Obj({"Type": P("type"), "TTL": P("ttl")})),
                }
            ),
            "Tags": Tags(),
        },
    ),
    ResourceMapping(
        "aws:appautoscaling/policy:Policy",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": P("name"),
            "PolicyType": P("policyType"),
            "ResourceId": P("resourceId"),
            "ScalableDimension": P("scalableDimension"),
            "ServiceNamespace": P("serviceNamespace"),
            "TargetTrackingScalingPolicyConfiguration": Obj(
                {
                    "TargetValue": P("targetTrackingScalingPolicyConfiguration.targetValue"),
                    "ScaleInCooldown": P("targetTrackingScalingPolicyConfiguration.scaleInCooldown"),
                    "ScaleOutCooldown": P("targetTrackingScalingPolicyConfiguration.scaleOutCooldown"),
                    "DisableScaleIn": P("targetTrackingScalingPolicyConfiguration.disableScaleIn"),
                    "PredefinedMetricSpecification": Obj(
                        {
                            "PredefinedMetricType": P(
                                "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification"
                                ".predefinedMetricType"
                            ),
                            "ResourceLabel": P(
                                "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel"
                            ),
                        }
                    ),
                }
            ),
        },
        autoname=("name", "PolicyName"),
    ),
    ResourceMapping(
        "aws:ecr/repository:Repository",
        "AWS::ECR::Repository",
        {
            "RepositoryName": P("name"),
            "ImageTagMutability": P("imageTagMutability"),
            "ImageScanningConfiguration": Obj({"ScanOnPush": P("imageScanningConfiguration.scanOnPush")}),
            "EncryptionConfiguration": Obj(
                {
                    "EncryptionType": P("encryptionConfigurations[0].encryptionType"),
                    "KmsKey": P("encryptionConfigurations[0].kmsKey"),
                }
            ),
            "Tags": Tags(),
        },
        autoname=("name", "RepositoryName"),
        autoname_lower=True,
        unchecked={"forceDelete": "a provider option: Pulumi deletes the images with the repository"},
    ),
    ResourceMapping(
        "awsx:ecr:Repository",
        "AWS::ECR::Repository",
        {
            "RepositoryName": P("name"),
            "ImageTagMutability": P("imageTagMutability"),
            "ImageScanningConfiguration": Obj({"ScanOnPush": P("imageScanningConfiguration.scanOnPush")}),
            "EncryptionConfiguration": Obj(
                {
                    "EncryptionType": P("encryptionConfigurations[0].encryptionType"),
                    "KmsKey": P("encryptionConfigurations[0].kmsKey"),
                }
            ),
            "Tags": Tags(),
        },
        # awsx names a repository from its logical name, in lower case (ECR allows no capitals).
        autoname=("name", "RepositoryName"),
        autoname_lower=True,
        unchecked={"forceDelete": "a provider option: Pulumi deletes the images with the repository"},
    ),
)

MAPPINGS += CLOUDWATCH_MAPPINGS
BY_TYPE = {m.pulumi_type: m for m in MAPPINGS}
