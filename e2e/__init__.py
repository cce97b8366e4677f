"""Packets, not graphs: the stack's data plane emulated on this machine and proven with real traffic.

`python -m e2e dev` (or `make e2e STACK=dev`) reads the same recorded resources the offline preview
draws, builds a small VPC out of Linux network namespaces, runs the real apps and load balancers in
it, sends real traffic and prints a verdict per path. Modules, each readable on its own:

- `model`: the recording read into plain data (subnets, route tables, security-group rules, load
  balancers, listeners, target groups, endpoints, services and their containers);
- `topology`: one namespace per interface, subnets as bridges, route tables, internet gateway;
- `sgfilter`: security groups compiled to nftables, one table per interface;
- `apps`: the containers, run from their Dockerfile and task definition under bubblewrap;
- `balancers`: HAProxy per ALB node, a UDP forwarder per NLB node, endpoint stand-ins;
- `probes`: HTTP(S), UDP and TCP probes from inside namespaces;
- `checks`: what is proven, one function per claim; `report`: the verdicts;
- `run`: one run's lifecycle (and its cleanup); `mutations`: breakages only packets show.
"""
