"""The controls a production stack must meet, each named by its AWS Security Hub id where one
exists, else by a `FLB.` id of this package's own.

A stack is production when it declares so in its stack tags (`fargatelb:profile: production`); each
control may then be waived only by an explicit, reasoned override tag
(`fargatelb:override:<control id>: <reason>`). Stack tags are what CrossGuard hands a policy pack
for any program, so the config check of this repository's program and the policy pack read the
same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Control:
    id: str
    """`ELB.5`: a Security Hub control id; `FLB.PROTECT`: this package's own."""
    title: str
    """What production requires, as a sentence fragment: `application load balancers write access logs`."""

    @property
    def security_hub(self) -> bool:
        return not self.id.startswith("FLB.")

    def __str__(self) -> str:
        origin = "Security Hub" if self.security_hub else "fargatelb"
        return f"{self.id} ({origin}: {self.title})"


_ALL = (
    Control("ELB.1", "HTTP listeners of application load balancers only redirect to HTTPS"),
    Control("ELB.5", "application load balancers write access logs"),
    Control("ELB.6", "application and network load balancers have deletion protection"),
    Control("EC2.6", "every VPC has flow logs"),
    Control("EC2.18", "security groups admit the whole IPv4 or IPv6 address space only on TCP 80 and 443"),
    Control("ECR.5", "ECR repositories are encrypted with a customer-managed KMS key"),
    Control("KMS.3", "KMS keys are protected from deletion (Pulumi protect)"),
    Control("FLB.CERT", "HTTPS listeners serve a certificate clients trust, not a self-signed one"),
    Control("FLB.LOGKMS", "CloudWatch log groups are encrypted with a customer-managed KMS key"),
    Control("FLB.PROTECT", "log groups, S3 buckets and ECR repositories are protected from deletion (Pulumi protect)"),
    Control("FLB.FORCEDELETE", "ECR repositories are never deleted with their images (no forceDelete)"),
)
CONTROLS: dict[str, Control] = {c.id: c for c in _ALL}
"""Every production control, by id, in report order."""
