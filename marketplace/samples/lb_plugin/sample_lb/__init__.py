"""Sample network element plugin: a load balancer service provider with its own table."""
