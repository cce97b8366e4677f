"""The IAM, endpoint and key policies the components write, each scoped as AWS recommends it.

- Trust policies of roles a service assumes (`ecs-tasks`, `vpc-flow-logs`) carry `aws:SourceAccount`
  and `aws:SourceArn` (cross-service confused-deputy prevention): only that service, acting for a
  resource of this account and region, may assume the role.
- Interface endpoint policies admit only principals of the stack's account (`aws:PrincipalAccount`),
  for the services whose endpoints accept a policy.
- A CloudWatch Logs key policy lets the regional Logs service use the key only for the named log
  groups (`kms:EncryptionContext:aws:logs:arn`).

Pure functions returning JSON strings: tests assert on them as recorded.
"""

import json
from collections.abc import Iterable
from typing import Any

VERSION = "2012-10-17"

# Interface endpoints whose service accepts a VPC endpoint policy (each service's "Control access
# with VPC endpoint policies" page). Endpoints of other services keep the default policy (full access).
ENDPOINT_POLICY_SERVICES = frozenset(
    {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "kms", "sts", "sqs", "sns", "monitoring", "events"}
)


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": VERSION, "Statement": list(statements)})


def service_trust(service: str, account: str, source_arn: str) -> str:
    """A trust policy for `service` (e.g. `ecs-tasks.amazonaws.com`) that holds only while it acts for
    a resource of `account` whose ARN matches `source_arn`."""
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        }
    )


def ecs_tasks_trust(account: str, region: str) -> str:
    """Execution and task roles: ECS tasks of this account and region (ECS's task IAM role page)."""
    return service_trust("ecs-tasks.amazonaws.com", account, f"arn:aws:ecs:{region}:{account}:*")


def flow_logs_trust(account: str, region: str) -> str:
    """The flow-log delivery role: flow logs of this account and region (VPC's flow-logs IAM role page)."""
    return service_trust("vpc-flow-logs.amazonaws.com", account, f"arn:aws:ec2:{region}:{account}:vpc-flow-log/*")


def account_endpoint_policy(account: str) -> str:
    """An interface endpoint policy: any action, by principals of `account` only. Credentials of
    another account can't use this VPC's endpoints (to exfiltrate to their own resources, say)."""
    return _document(
        {
            "Sid": "OnlyThisAccount",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": account}},
        }
    )


def log_group_arn(region: str, account: str, log_group_name: str) -> str:
    """A log group's ARN as KMS's encryption context names it (no `:*` suffix)."""
    return f"arn:aws:logs:{region}:{account}:log-group:{log_group_name}"


def logs_key_policy(account: str, region: str, log_group_names: Iterable[str]) -> str:
    """A customer-managed key for CloudWatch Logs: the account administers it (through IAM), and the
    regional Logs service may use it only for these log groups."""
    groups = sorted(log_group_arn(region, account, n) for n in log_group_names)
    return _document(
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncrypts",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groups[0] if len(groups) == 1 else groups}
            },
        },
    )
