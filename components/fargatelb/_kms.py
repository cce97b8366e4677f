"""Customer-managed KMS keys the components create when asked: one per encrypted log group (a
service's, or the VPC's flow logs), and one for a program's ECR repositories.

Each key rotates yearly (Security Hub KMS.4) and waits 30 days before deletion. Its policy lets the
account administer it through IAM; a log group's key also admits CloudWatch Logs, for that one log
group only (`policies.logs_key_policy`). `pulumi_aws.kms` is imported on first use: stacks without
a key don't pay for it.
"""

import json
from collections.abc import Callable
from typing import Any

import pulumi

from ._account import region_and_account
from .policies import logs_key_policy


def _key(name: str, description: str, policy: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> Any:
    from pulumi_aws import kms

    return kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy,
        tags=tags,
        opts=opts,
    )


def log_group_key(
    name: str, account: str, region: str, log_group_name: str, tags: Callable[[str], dict[str, str]],
    opts: pulumi.ResourceOptions,
) -> Any:  # fmt: skip
    """`<name>-logs-key`: a customer-managed key for the log group `log_group_name` only."""
    policy = logs_key_policy(account, region, [log_group_name])
    return _key(f"{name}-logs-key", f"{name} log group encryption", policy, tags("logs-key"), opts)


def repository_key(name: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> Any:
    """`<name>`: a customer-managed key for ECR repositories (Security Hub ECR.5). ECR creates its own
    grant on the key for each repository, as the principal that creates the repository."""
    _, account = region_and_account(opts.parent)
    administers = {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [administers]})
    return _key(name, "ECR repository encryption", policy, tags, opts)
