"""A stack with N web services on one PrivateNetwork, synthesized and wiring-checked offline.

    python bench/many_services.py 20

The benchmark's large case: the same work the offline preview does (the real components under the
recording mocks, then the wiring check), for N LoadBalancedFargateServices.
"""

import os
import sys
import time

from fargatelb import LoadBalancedFargateService, LoadBalancedFargateServiceArgs, PrivateNetwork, PrivateNetworkArgs
from fargatelb.mocks import synthesize
from fargatelb.verify import check

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"


def program(count: int) -> None:
    network = PrivateNetwork("network", PrivateNetworkArgs(az_count=3))
    for i in range(count):
        LoadBalancedFargateService(
            f"web{i:02d}",
            LoadBalancedFargateServiceArgs(
                vpc_id=network.vpc_id,
                public_subnet_ids=network.public_subnet_ids,
                private_subnet_ids=network.private_subnet_ids,
                endpoint_security_group_id=network.endpoint_security_group_id,
                s3_prefix_list_id=network.s3_prefix_list_id,
                image=IMAGE,
                container_port=8000 + i,
            ),
        )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    started = time.perf_counter()
    recording = synthesize(lambda: program(count), config={"aws:region": "eu-west-1"})
    report = check(recording.graph())
    print(f"services={count} resources={len(recording.registrations)} ok={report.ok} "
          f"in_process_s={time.perf_counter() - started:.2f}")  # fmt: skip
    sys.stdout.flush()
    os._exit(0 if report.ok else 1)
