"""Type tokens of the resources the checks read. `aws:alb/...` are the provider's aliases of `aws:lb/...`."""

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
CLUSTER = "aws:ecs/cluster:Cluster"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
VPC_IPV6_ASSOCIATION = "aws:ec2/vpcIpv6CidrBlockAssociation:VpcIpv6CidrBlockAssociation"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ECR_REPOSITORIES = ("aws:ecr/repository:Repository", "awsx:ecr:Repository")
AWSX_IMAGE = "awsx:ecr:Image"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"
STACK = "pulumi:pulumi:Stack"

WEB_COMPONENT = "fargatelb:index:LoadBalancedFargateService"
UDP_COMPONENT = "fargatelb:index:UdpNlbService"
NETWORK_COMPONENT = "fargatelb:index:PrivateNetwork"
ALB_COMPONENT = "fargatelb:index:ApplicationLoadBalancer"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
DISCOVERY_SERVICE = "aws:servicediscovery/service:Service"
DNS_NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"
SERVICE_CALL = "fargatelb:index:ServiceCall"
