"""Customer-managed KMS keys the components create when asked: one per encrypted log group (a
service's, or the VPC's flow logs), and one for a program's ECR repositories.

Each key rotates yearly (Security Hub KMS.4) and waits 30 days before deletion. Its policy lets the
account administer it through IAM; a log group's key also admits CloudWatch Logs, for this
account's log groups in this region only. `pulumi_aws.kms` is imported on first use: stacks without
a key don't pay for it.
"""

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws


def _key(name: str, description: str, statements: list[dict[str, Any]], tags: dict[str, str],
         opts: pulumi.ResourceOptions) -> Any:  # fmt: skip
    from pulumi_aws import kms

    return kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        tags=tags,
        opts=opts,
    )


def _account_administers(account: str) -> dict[str, Any]:
    return {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def log_group_key(
    name: str, region: str, tags: Callable[[str], dict[str, str]], opts: pulumi.ResourceOptions,
    invoke: pulumi.InvokeOptions,
) -> Any:  # fmt: skip
    """`<name>-logs-key`: a customer-managed key for a log group; its policy admits CloudWatch Logs."""
    account = aws.get_caller_identity(opts=invoke).account_id
    logs = {
        "Sid": "CloudWatchLogsEncrypts",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}
        },
    }
    statements = [_account_administers(account), logs]
    return _key(f"{name}-logs-key", f"{name} log group encryption", statements, tags("logs-key"), opts)


def repository_key(name: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> Any:
    """`<name>`: a customer-managed key for ECR repositories (Security Hub ECR.5). ECR creates its own
    grant on the key for each repository, as the principal that creates the repository."""
    account = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=opts.parent)).account_id
    return _key(name, "ECR repository encryption", [_account_administers(account)], tags, opts)
