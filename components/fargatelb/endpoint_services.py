"""The AWS services a VPC endpoint reaches, by the name that follows `com.amazonaws.<region>.`.

Neither botocore nor cfn-lint ships a list of endpoint service names (botocore's `endpoints.json`
lists API hostnames, which differ: ECR's API is `api.ecr.<region>.amazonaws.com`, its endpoint
service `ecr.api`), and AWS adds services every month, not in every region. So this is a short list
of common regional services a Fargate workload calls, each checked against AWS's list,
"AWS services that integrate with AWS PrivateLink" (SOURCE_URL), as of AS_OF:

- offline, a name on it passes; a name not on it is "not checked offline" (the verdict's unknown),
  never an error, since AWS may well offer it;
- in a real run `PrivateNetwork` asks AWS (`aws.ec2.get_vpc_endpoint_service`): a name AWS doesn't
  offer in the region, or one not offered in every zone the network spans, fails the preview naming
  the argument.

A service AWS offers under another prefix (`aws.api.<region>.qbusiness`) or globally
(`com.amazonaws.iam`) can't be one of `PrivateNetwork`'s endpoints, which are all
`com.amazonaws.<region>.<name>`; none is listed here.
"""

from __future__ import annotations

import re

SOURCE_URL = "https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html"
AS_OF = "2026-11-30"

# Interface endpoint services, `com.amazonaws.<region>.<name>`.
INTERFACE_SERVICES = frozenset(
    {
        "access-analyzer", "acm-pca", "apigateway", "appconfig", "appconfigdata", "application-autoscaling",
        "appmesh-envoy-management", "athena", "autoscaling", "backup", "batch", "bedrock", "bedrock-agent",
        "bedrock-agent-runtime", "bedrock-runtime", "cloudformation", "cloudtrail", "codeartifact.api",
        "codeartifact.repositories", "codebuild", "codecommit", "codedeploy", "codedeploy-commands-secure",
        "codepipeline", "cognito-idp", "config", "dynamodb", "ebs", "ec2", "ec2messages", "ecr.api", "ecr.dkr",
        "ecs", "ecs-agent", "ecs-telemetry", "eks", "eks-auth", "elasticache", "elasticbeanstalk",
        "elasticfilesystem", "elasticloadbalancing", "elasticmapreduce", "email-smtp", "events", "execute-api",
        "git-codecommit", "glue", "kinesis-firehose", "kinesis-streams", "kms", "lambda", "logs", "monitoring",
        "rds", "rds-data", "redshift", "redshift-data", "s3", "sagemaker.api", "sagemaker.runtime", "schemas",
        "secretsmanager", "securityhub", "servicecatalog", "servicediscovery", "sns", "sqs", "ssm", "ssm-contacts",
        "ssm-incidents", "ssmmessages", "states", "sts", "sync-states", "textract", "transfer", "transfer.server",
        "xray",
    }
)  # fmt: skip
# Gateway endpoints exist for these two only (Amazon VPC, "Gateway endpoints").
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})
# What EC2 takes after the region: lowercase letters, digits, dots and hyphens.
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$|^[a-z0-9]$")
_FULL = re.compile(r"^com\.amazonaws\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.(?P<name>.+)$")


def service_name(region: str, name: str) -> str:
    """The full service name of `name` in `region`."""
    return f"com.amazonaws.{region}.{name}"


def split(full: str) -> tuple[str, str] | None:
    """(region, name) of `com.amazonaws.<region>.<name>`; None for another form (another prefix, a
    global service, an endpoint service of another account: `com.amazonaws.vpce.<region>.vpce-svc-...`)."""
    match = _FULL.match(full)
    return (match["region"], match["name"]) if match else None


def well_formed(name: str) -> bool:
    return bool(_NAME.match(name))
