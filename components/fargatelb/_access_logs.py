"""The ALB access-log bucket (Security Hub ELB.5), created only when a stack asks for access logs.

Creates a bucket with public access blocked, ACLs disabled, SSE-S3 encryption (the only encryption
ALB log delivery supports), versioning, a lifecycle rule expiring old logs and old versions, and a
policy that lets only the region's ELB log delivery write, under this account's `AWSLogs/<account>/`
path, over TLS only.
"""

import json

import pulumi
from pulumi_aws import s3

from ._account import region_and_account

# Regions opened before August 2022 deliver ALB access logs as a regional ELB account (the ALB guide's
# "Regions available before August 2022"); every later region, through the log-delivery service
# principal `logdelivery.elasticloadbalancing.amazonaws.com`.
_ELB_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}  # fmt: skip


def log_delivery_principal(region: str) -> dict[str, str]:
    account = _ELB_ACCOUNTS.get(region)
    if account:
        return {"AWS": f"arn:aws:iam::{account}:root"}
    return {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def access_log_bucket(
    name: str, expiry_days: int, tags: dict[str, str], parent: pulumi.Resource, *, protect: bool = False
) -> tuple[s3.Bucket, s3.BucketPolicy]:
    """The bucket (Pulumi `protect` when `protect`: it holds the logs) and its settings."""
    child = pulumi.ResourceOptions(parent=parent)
    region, account = region_and_account(parent)
    bucket = s3.Bucket(
        f"{name}-access-logs",
        tags={**tags, "Name": f"{name}-access-logs"},
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    block = s3.BucketPublicAccessBlock(
        f"{name}-access-logs",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    s3.BucketOwnershipControls(
        f"{name}-access-logs", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child
    )
    s3.BucketServerSideEncryptionConfiguration(
        f"{name}-access-logs",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=child,
    )
    s3.BucketVersioning(
        f"{name}-access-logs", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
    )
    s3.BucketLifecycleConfiguration(
        f"{name}-access-logs",
        bucket=bucket.id,
        rules=[
            {
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {"prefix": ""},
                "expiration": {"days": expiry_days},
                "noncurrent_version_expiration": {"noncurrent_days": 7},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
            }
        ],
        opts=child,
    )
    policy = s3.BucketPolicy(
        f"{name}-access-logs",
        bucket=bucket.id,
        policy=bucket.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ElbLogDelivery",
                            "Effect": "Allow",
                            "Principal": log_delivery_principal(region),
                            "Action": "s3:PutObject",
                            # The prefix, then AWSLogs/<this account>: only this account's load
                            # balancers' logs land here.
                            "Resource": f"{arn}/{name}/AWSLogs/{account}/*",
                        },
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arn, f"{arn}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            )
        ),
        # Both touch the bucket's policy settings; applying them together races.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[block]),
    )
    return bucket, policy
