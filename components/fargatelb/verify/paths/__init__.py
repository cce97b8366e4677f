"""The paths the wiring check proves for each ECS service, one module each: `traffic` (client →
listener → target group → container port → SG hops), `health` (the load balancer's health check),
`pull` (image pull and logs: endpoints, S3 gateway or NAT) and `secrets` (Secrets Manager / SSM)."""
